/**
 * Flag strings of module functions. OpenSIPS 3.x/4.x spells them as comma-separated names
 * (`"method-filtering,no-branches"`, `"max-contacts=5"`); OpenSIPS 2.x spelled them as
 * letters (`"m"`, `"c5"`, `"p2"`). tsips accepts both at load: the parsed value records
 * which spelling was used and the named equivalent, so the checker can show a notice with
 * the modern spelling for a letter string.
 */
import type { ParamSpec } from '@tsips/script';
import { suggest } from '@tsips/script';

export type FlagValueKind = 'int' | 'text' | 'slashed-regex';

export interface NamedFlag {
  name: string;
  /** The flag carries `=value`. */
  value?: FlagValueKind;
  doc: string;
}

export interface LegacyLetter {
  /** One letter, or a letter plus a fixed digit (`p0`). */
  letters: string;
  /** The named flag it stands for (several, comma-separated, when one letter meant a pair). */
  name: string;
  /** Letters that carry a value right after them (`c5`, `u/regexp/`). */
  value?: FlagValueKind;
}

export interface FlagSetSpec {
  /** The function, for messages ("lookup"). */
  fn: string;
  named: readonly NamedFlag[];
  /** Names compare case-insensitively (as OpenSIPS does for some functions). */
  ignoreCase?: boolean;
  legacy?: readonly LegacyLetter[];
  /** 2.x numeric bit masks (`t_relay("0x02")`): each bit stands for a named flag. */
  legacyBits?: readonly { bit: number; name: string }[];
}

export interface ParsedFlags {
  /** Named flags that are set, with their value (true when the flag has none). */
  flags: ReadonlyMap<string, string | number | true>;
  /** `letters`/`bits` when the string used a 2.x form (letters, numeric mask), else `named`. */
  spelling: 'named' | 'letters' | 'bits';
  /** The same flags in the named form (what a letter string should be rewritten to). */
  named: string;
  /** The text as written in the script. */
  raw: string;
}

export class FlagSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagSyntaxError';
  }
}

function parseValue(kind: FlagValueKind, text: string, flag: string): string | number {
  if (kind === 'int') {
    if (!/^-?\d+$/.test(text)) throw new FlagSyntaxError(`flag '${flag}' needs an integer value, got '${text}'`);
    return Number(text);
  }
  if (kind === 'slashed-regex') {
    if (!/^\/.*\/[a-z]*$/s.test(text)) throw new FlagSyntaxError(`flag '${flag}' needs a value written as /regexp/, got '${text}'`);
    return text;
  }
  if (text === '') throw new FlagSyntaxError(`flag '${flag}' needs a value`);
  return text;
}

function parseNamed(spec: FlagSetSpec, text: string): Map<string, string | number | true> {
  const out = new Map<string, string | number | true>();
  for (const part of text.split(',')) {
    const token = part.trim();
    if (token === '') continue;
    const eq = token.indexOf('=');
    const name = eq < 0 ? token : token.slice(0, eq).trim();
    const def = spec.named.find((f) => (spec.ignoreCase ? f.name.toLowerCase() === name.toLowerCase() : f.name === name));
    if (def === undefined) {
      const near = suggest(name, spec.named.map((f) => f.name));
      throw new FlagSyntaxError(`unknown ${spec.fn}() flag '${name}'${near ? ` (did you mean '${near}'?)` : ''}`);
    }
    if (def.value === undefined) {
      if (eq >= 0) throw new FlagSyntaxError(`${spec.fn}() flag '${name}' takes no value`);
      out.set(def.name, true);
    } else {
      if (eq < 0) throw new FlagSyntaxError(`${spec.fn}() flag '${name}' needs a value ('${name}=...')`);
      out.set(def.name, parseValue(def.value, token.slice(eq + 1).trim(), name));
    }
  }
  return out;
}

function parseLetters(spec: FlagSetSpec, text: string): Map<string, string | number | true> {
  const letters = [...(spec.legacy ?? [])].sort((a, b) => b.letters.length - a.letters.length);
  const out = new Map<string, string | number | true>();
  let i = 0;
  while (i < text.length) {
    const def = letters.find((l) => text.startsWith(l.letters, i));
    if (def === undefined) throw new FlagSyntaxError(`unknown ${spec.fn}() flag '${text[i]}' in '${text}'`);
    i += def.letters.length;
    if (def.value === undefined) {
      for (const n of def.name.split(',')) out.set(n, true);
    } else if (def.value === 'int') {
      const m = /^\d+/.exec(text.slice(i));
      if (m === null) throw new FlagSyntaxError(`${spec.fn}() flag '${def.letters}' needs a number right after it`);
      out.set(def.name, Number(m[0]));
      i += m[0].length;
    } else if (def.value === 'slashed-regex') {
      // Letters after the closing slash are flags of their own (u/re/i: i is case-insensitive).
      const m = /^\/(?:[^/\\]|\\.)*\//s.exec(text.slice(i));
      if (m === null) throw new FlagSyntaxError(`${spec.fn}() flag '${def.letters}' needs /regexp/ right after it`);
      out.set(def.name, m[0]);
      i += m[0].length;
    } else {
      out.set(def.name, text.slice(i));
      i = text.length;
    }
  }
  return out;
}

function namedSpelling(flags: ReadonlyMap<string, string | number | true>): string {
  return [...flags].map(([n, v]) => (v === true ? n : `${n}=${v}`)).join(',');
}

/**
 * Parses a flag string: the named form first; when that fails and the text has no comma
 * or `=`, the 2.x letter form. Throws {@link FlagSyntaxError} naming the bad flag.
 */
export function parseFlagString(spec: FlagSetSpec, raw: string): ParsedFlags {
  const text = raw.trim();
  let namedError: FlagSyntaxError | null = null;
  try {
    const flags = parseNamed(spec, text);
    return { flags, spelling: 'named', named: namedSpelling(flags), raw };
  } catch (e) {
    if (!(e instanceof FlagSyntaxError)) throw e;
    namedError = e;
  }
  if (spec.legacyBits !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    const mask = Number(text);
    const flags = new Map<string, string | number | true>();
    let known = 0;
    for (const b of spec.legacyBits) {
      known |= b.bit;
      if (mask & b.bit) flags.set(b.name, true);
    }
    if ((mask & ~known) !== 0) {
      throw new FlagSyntaxError(`${spec.fn}() flag mask '${text}' holds unknown bits (known: ${spec.legacyBits.map((b) => `0x${b.bit.toString(16).padStart(2, '0')}=${b.name}`).join(', ')})`);
    }
    return { flags, spelling: 'bits', named: namedSpelling(flags), raw };
  }
  if (spec.legacy !== undefined && spec.legacy.length > 0 && !/[,=\s]/.test(text)) {
    try {
      const flags = parseLetters(spec, text);
      return { flags, spelling: 'letters', named: namedSpelling(flags), raw };
    } catch (e) {
      if (!(e instanceof FlagSyntaxError)) throw e;
      // Report the named-form error: that is the spelling a script should move to.
    }
  }
  throw namedError;
}

/** A `flags` parameter spec whose validate/parse use {@link parseFlagString}. */
export function flagsParam(name: string, spec: FlagSetSpec, optional = false): ParamSpec {
  const p: ParamSpec = {
    name,
    kind: 'flags',
    validate: (literal) => {
      try {
        parseFlagString(spec, literal);
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    parse: (literal) => parseFlagString(spec, literal),
    notice: (parsed) => {
      const f = parsed as ParsedFlags;
      if (f.spelling === 'named') return undefined;
      const form = f.spelling === 'letters' ? 'single-letter flags' : 'a numeric flag mask';
      return `"${f.raw}" uses OpenSIPS 2.x ${form}; 3.x writes "${f.named}" (accepted as in 2.x)`;
    },
  };
  if (optional) p.optional = true;
  return p;
}

/**
 * A flag string made of single letters that is the current (not a legacy) spelling, e.g.
 * drouting's do_routing("FL"). Returns the set of flag names; an unknown letter is an error
 * at load (OpenSIPS often only logs and skips it).
 */
export function letterFlagsParam(
  name: string,
  fnName: string,
  letters: Readonly<Record<string, string>>,
  optional = false,
): ParamSpec {
  const parse = (literal: string): Set<string> => {
    const out = new Set<string>();
    for (const ch of literal.trim()) {
      const flag = letters[ch];
      if (flag === undefined) {
        throw new FlagSyntaxError(`unknown ${fnName}() flag '${ch}' (expected letters of "${Object.keys(letters).join('')}")`);
      }
      out.add(flag);
    }
    return out;
  };
  const p: ParamSpec = {
    name,
    kind: 'flags',
    validate: (literal) => {
      try {
        parse(literal);
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    parse: (literal) => parse(literal),
  };
  if (optional) p.optional = true;
  return p;
}

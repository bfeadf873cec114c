/**
 * Parser for pseudo-variable specs (`$ru`, `$hdr(From)`,
 * `$(ct[$var(i)]{nameaddr.uri}{uri.host})`) and for format strings that
 * embed them (`"authF_$si"`, xlog formats).
 *
 * The accepted shapes follow OpenSIPS's pv_parse_spec / pv_parse_format and
 * the per-class transformation parsers of transformations.c. Where OpenSIPS
 * silently ignores trailing junk (`{uri.param,a b}`, `{s.select,1,ab}`), tsips
 * reports it. Everything runs in one left-to-right pass: each character is
 * looked at a bounded number of times, so parsing is linear in the input.
 */
import { findTransform } from './transformations/registry';
import type { ArgSyntax } from './transformations/types';

export interface PvSpec {
  /** Name as written: "ru", "hdr", "avp", "err.class", "$" for the `$$` marker. */
  name: string;
  /** The part in parentheses: `$hdr(From)` -> static "From". */
  param: PvName | null;
  /** `$(ct[2])`, `$(hdr(Via)[*])`, `$(avp(x)[$var(i)])`. */
  index: PvIndex | null;
  transforms: TransformSpec[];
  /** OpenSIPS context `$(<request>ru)`: "request", "reply", ... or null. */
  context: string | null;
  /** Exact text of the spec. */
  raw: string;
  /** Offset of the `$` in the text given to parsePvSpec/parseFormat. */
  offset: number;
}

export type PvName =
  | { kind: 'static'; text: string }
  | { kind: 'dynamic'; spec: PvSpec }
  | { kind: 'format'; parts: FormatPart[] };

export type PvIndex =
  | { kind: 'int'; value: number }
  | { kind: 'all' }
  | { kind: 'append' }
  | { kind: 'pv'; spec: PvSpec };

export interface TransformSpec {
  /** Lower-case "class.name": "s.substr", "nameaddr.uri". */
  name: string;
  /**
   * Arguments in order. For nameaddr.* the optional body index written as
   * `{nameaddr.2.uri}` comes FIRST (then nameaddr.param's name).
   */
  args: TransformArg[];
  /** Offset of the `{`. */
  offset: number;
}

export type TransformArg = { kind: 'literal'; text: string } | { kind: 'pv'; spec: PvSpec };

export type FormatPart = { kind: 'text'; text: string } | { kind: 'pv'; spec: PvSpec };

export class PvSyntaxError extends Error {
  constructor(
    message: string,
    /** Offset into the text given to parsePvSpec/parseFormat. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PvSyntaxError';
  }
}

/** Characters OpenSIPS allows in a pseudo-variable name. */
function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 46;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function describe(text: string, pos: number): string {
  return describeAt(text, text.length, pos);
}

function describeAt(text: string, end: number, pos: number): string {
  if (pos >= end) return 'end of text';
  const ch = text[pos];
  return ch === "'" ? `"'"` : `'${ch}'`;
}

/**
 * Parse one pseudo-variable spec that must span the whole text.
 * Throws PvSyntaxError (message + offset) on bad syntax.
 */
export function parsePvSpec(text: string): PvSpec {
  if (text.charCodeAt(0) !== 36) throw new PvSyntaxError(`a pseudo-variable starts with '$', found ${describe(text, 0)}`, 0);
  const p = new Parser(text);
  const spec = p.spec(0);
  if (p.pos < text.length) {
    if (text.charCodeAt(p.pos) === 91 /* [ */ && spec.param !== null && !text.startsWith('$(', spec.offset)) {
      throw new PvSyntaxError(
        `an index needs the long form: write $(${text.slice(1, p.pos)}${text.slice(p.pos)})` +
          ' (OpenSIPS ends the short form at the closing parenthesis)',
        p.pos,
      );
    }
    throw new PvSyntaxError(`unexpected ${describe(text, p.pos)} after pseudo-variable ${spec.raw}`, p.pos);
  }
  return spec;
}

/**
 * Parse a format string: literal text with embedded pseudo-variables, as
 * OpenSIPS's pv_parse_format. Every `$` starts a pseudo-variable; `$$` is the
 * spec of a literal dollar sign (name "$"). Backslash escapes are the
 * lexer's business (they are already processed here).
 */
export function parseFormat(text: string): FormatPart[] {
  const parts: FormatPart[] = [];
  const p = new Parser(text);
  let start = 0;
  while (p.pos < text.length) {
    const dollar = text.indexOf('$', p.pos);
    if (dollar < 0) break;
    if (dollar > start) parts.push({ kind: 'text', text: text.slice(start, dollar) });
    const spec = p.spec(dollar);
    parts.push({ kind: 'pv', spec });
    start = p.pos;
  }
  if (start < text.length) parts.push({ kind: 'text', text: text.slice(start) });
  return parts;
}

/** Parse one spec starting at `offset` (text[offset] is '$'); returns it and where it ends. */
export function parsePvSpecAt(text: string, offset: number): { spec: PvSpec; end: number } {
  if (text.charCodeAt(offset) !== 36) throw new PvSyntaxError(`a pseudo-variable starts with '$', found ${describe(text, offset)}`, offset);
  const p = new Parser(text);
  const spec = p.spec(offset);
  return { spec, end: p.pos };
}

/** Deep enough for any real script, shallow enough to never exhaust the stack. */
const MAX_NESTING = 32;

class Parser {
  pos = 0;
  constructor(
    private readonly text: string,
    /** Parsing never looks at or past this offset (nested names and indexes). */
    private readonly end: number = text.length,
    /** Nesting level of the spec being parsed (pseudo-variables inside names, indexes and arguments). */
    private depth = 0,
  ) {}

  private err(message: string, at: number = this.pos): never {
    throw new PvSyntaxError(message, at);
  }

  private peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  private skipWs(): void {
    while (this.pos < this.end && isWs(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** Parse a spec whose '$' is at `start`; leaves pos after it. */
  spec(start: number): PvSpec {
    if (this.depth >= MAX_NESTING) this.err(`pseudo-variables nested more than ${MAX_NESTING} levels deep`, start);
    this.depth++;
    try {
      return this.specBody(start);
    } finally {
      this.depth--;
    }
  }

  private specBody(start: number): PvSpec {
    const t = this.text;
    this.pos = start + 1;
    const long = this.peek() === 40; /* ( */
    if (long) this.pos++;
    // `$$` (or `$($)`) is the marker for a literal '$'.
    if (this.peek() === 36) {
      this.pos++;
      if (long) {
        if (this.peek() !== 41) this.err(`expected ')' after '$(${'$'}', found ${describeAt(t, this.end, this.pos)}`);
        this.pos++;
      }
      return this.make('$', null, null, [], null, start);
    }
    let context: string | null = null;
    if (long && this.peek() === 60 /* < */) {
      const cStart = ++this.pos;
      while (this.pos < this.end && isNameChar(t.charCodeAt(this.pos))) this.pos++;
      if (this.peek() !== 62 /* > */) this.err(`expected '>' to close the context name, found ${describeAt(t, this.end, this.pos)}`);
      if (this.pos === cStart) this.err('empty context name in <>');
      context = t.slice(cStart, this.pos);
      this.pos++;
    }
    const nameStart = this.pos;
    while (this.pos < this.end && isNameChar(t.charCodeAt(this.pos))) this.pos++;
    const name = t.slice(nameStart, this.pos);
    if (name.length === 0) {
      this.err(
        this.pos >= this.end
          ? `unterminated pseudo-variable: expected a name after '${long ? '$(' : '$'}'`
          : `unknown pseudo-variable syntax at ${describeAt(t, this.end, this.pos)}: expected a name after '${long ? '$(' : '$'}' (write '$$' for a literal dollar sign)`,
      );
    }
    let param: PvName | null = null;
    let index: PvIndex | null = null;
    const transforms: TransformSpec[] = [];
    if (!long) {
      if (this.peek() === 40) param = this.innerName(name);
      return this.make(name, param, null, transforms, null, start);
    }
    // long form: $( [<ctx>] name [(inner)] [[index]] [{tr}...] )
    if (this.peek() === 40) param = this.innerName(name);
    if (this.peek() === 91 /* [ */) index = this.index(name);
    if (this.peek() === 123 /* { */) {
      while (true) {
        transforms.push(this.transform());
        const save = this.pos;
        this.skipWs();
        if (this.peek() !== 123) {
          this.pos = save;
          break;
        }
      }
    }
    if (this.peek() !== 41) {
      if (this.pos >= this.end) this.err(`unterminated '$(': expected ')' to close the pseudo-variable opened at offset ${start}`);
      this.err(`unexpected ${describeAt(t, this.end, this.pos)} in pseudo-variable: expected ${this.expectedInLong(param, index, transforms)} or ')'`);
    }
    this.pos++;
    return this.make(name, param, index, transforms, context, start);
  }

  private expectedInLong(param: PvName | null, index: PvIndex | null, transforms: TransformSpec[]): string {
    if (transforms.length > 0) return "'{'";
    if (index !== null) return "'{'";
    if (param !== null) return "'[', '{'";
    return "'(', '[', '{'";
  }

  private make(
    name: string,
    param: PvName | null,
    index: PvIndex | null,
    transforms: TransformSpec[],
    context: string | null,
    start: number,
  ): PvSpec {
    return { name, param, index, transforms, context, raw: this.text.slice(start, this.pos), offset: start };
  }

  /** `(inner)` after a name: balanced parentheses, anything inside. */
  private innerName(pvName: string): PvName {
    const t = this.text;
    const open = this.pos;
    const s = ++this.pos;
    let depth = 0;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c === 41) {
        if (depth === 0) break;
        depth--;
      } else if (c === 40) depth++;
      this.pos++;
    }
    if (this.pos >= this.end) this.err(`unterminated '(' after $${pvName}: expected ')'`, open);
    const end = this.pos;
    if (end === s) this.err(`empty name in $${pvName}(): write a name between the parentheses`, open);
    this.pos++; // past ')'
    return this.nameFrom(s, end);
  }

  /** Classify the text t[s..e): static, one pseudo-variable, or a format mixing both. */
  private nameFrom(s: number, e: number): PvName {
    const t = this.text;
    if (t.charCodeAt(s) !== 36) return { kind: 'static', text: t.slice(s, e) };
    const sub = new Parser(t, e, this.depth);
    const spec = sub.spec(s);
    if (sub.pos === e) return { kind: 'dynamic', spec };
    const parts: FormatPart[] = [{ kind: 'pv', spec }];
    let textStart = sub.pos;
    while (sub.pos < e) {
      const d = t.indexOf('$', sub.pos);
      if (d < 0 || d >= e) break;
      if (d > textStart) parts.push({ kind: 'text', text: t.slice(textStart, d) });
      parts.push({ kind: 'pv', spec: sub.spec(d) });
      textStart = sub.pos;
    }
    if (textStart < e) parts.push({ kind: 'text', text: t.slice(textStart, e) });
    return { kind: 'format', parts };
  }

  /** `[index]`: integer (optionally negative), `*`, `append`, or a pseudo-variable. */
  private index(pvName: string): PvIndex {
    const t = this.text;
    const open = this.pos;
    const s = ++this.pos;
    let depth = 0;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c === 93) {
        if (depth === 0) break;
        depth--;
      } else if (c === 91) depth++;
      this.pos++;
    }
    if (this.pos >= this.end) this.err(`unterminated '[' in $(${pvName}...): expected ']'`, open);
    const e = this.pos;
    this.pos++;
    if (e === s) this.err(`empty index in $(${pvName}[])`, open);
    if (t.charCodeAt(s) === 36) {
      const sub = new Parser(t, e, this.depth);
      const spec = sub.spec(s);
      if (sub.pos !== e) this.err(`unexpected ${describeAt(t, this.end, sub.pos)} after the index pseudo-variable ${spec.raw}`, sub.pos);
      return { kind: 'pv', spec };
    }
    const body = t.slice(s, e);
    if (body === '*') return { kind: 'all' };
    if (body.toLowerCase() === 'append') return { kind: 'append' };
    let i = s;
    let sign = 1;
    if (t.charCodeAt(i) === 45) {
      sign = -1;
      i++;
    }
    if (i === e) this.err(`invalid index '${body}': expected digits after '-'`, s);
    let v = 0;
    for (; i < e; i++) {
      const c = t.charCodeAt(i);
      if (c < 48 || c > 57) this.err(`invalid index '${body}': expected an integer, '*' or a pseudo-variable`, i);
      v = v * 10 + (c - 48);
      if (v > 2147483647) this.err(`index '${body}' is out of range`, s);
    }
    return { kind: 'int', value: sign * v };
  }

  /** One `{class.name[,args]}`. */
  private transform(): TransformSpec {
    const t = this.text;
    const open = this.pos;
    this.pos++;
    const clsStart = this.pos;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c === 46 || c === 44 || c === 125) break;
      this.pos++;
    }
    if (this.pos >= this.end) this.err(`unterminated '{': expected '}' to close the transformation`, open);
    if (t.charCodeAt(this.pos) !== 46) {
      this.err(`invalid transformation '${t.slice(clsStart, this.pos)}': expected 'class.name' such as 's.int' or 'uri.host'`, clsStart);
    }
    const cls = t.slice(clsStart, this.pos).trim().toLowerCase();
    if (cls.length === 0) this.err(`invalid transformation: missing class before '.'`, clsStart);
    this.pos++;
    const args: TransformArg[] = [];
    if (cls === 'nameaddr') {
      // optional body index: {nameaddr.2.uri} / {nameaddr.$var(i).uri}
      const save = this.pos;
      this.skipWs();
      const c = this.peek();
      if (c === 36 || c === 45 || c === 43 || (c >= 48 && c <= 57)) {
        args.push(this.intArg(`nameaddr index`));
        this.skipWs();
        if (this.peek() !== 46) this.err(`expected '.' after the nameaddr index, found ${describeAt(t, this.end, this.pos)}`);
        this.pos++;
      } else this.pos = save;
    }
    const subStart = this.pos;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c === 44 || c === 125) break;
      this.pos++;
    }
    if (this.pos >= this.end) this.err(`unterminated '{': expected '}' to close the transformation`, open);
    const sub = t.slice(subStart, this.pos).trim().toLowerCase();
    if (sub.length === 0) this.err(`invalid transformation '${cls}.': missing name after '.'`, subStart);
    const name = `${cls}.${sub}`;
    const def = findTransform(name);
    if (def) {
      // nameaddr.* reserve argument slot 0 for the dotted body index, which
      // never comes after a comma.
      const slot0 = cls === 'nameaddr' ? 1 : 0;
      const maxComma = def.maxArgs - slot0;
      let given = 0;
      while (this.peek() === 44 /* , */) {
        const comma = this.pos;
        if (given >= maxComma) {
          this.err(maxComma === 0 ? `transformation ${name} takes no arguments` : `too many arguments for ${name} (at most ${maxComma})`, comma);
        }
        this.pos++;
        args.push(this.arg(def.args[slot0 + given], name, comma));
        given++;
        this.skipWs();
      }
      if (this.peek() !== 125) {
        if (this.pos >= this.end) this.err(`unterminated '{': expected '}' to close ${name}`, open);
        this.err(`unexpected ${describeAt(t, this.end, this.pos)} in ${name}: expected ',' or '}'`);
      }
      if (given < def.minArgs) {
        this.err(`${name} needs ${def.minArgs === maxComma ? '' : 'at least '}${def.minArgs} argument${def.minArgs === 1 ? '' : 's'}, got ${given}`, this.pos);
      }
    } else {
      // Transformation classes tsips does not know (module-provided): split
      // arguments generically so the checker can report the name.
      while (this.peek() === 44) {
        this.pos++;
        args.push(this.arg('str', name, this.pos - 1, true));
        this.skipWs();
      }
      if (this.peek() !== 125) {
        if (this.pos >= this.end) this.err(`unterminated '{': expected '}' to close ${name}`, open);
        this.err(`unexpected ${describeAt(t, this.end, this.pos)} in ${name}: expected ',' or '}'`);
      }
    }
    this.pos++; // past '}'
    return { name, args, offset: open };
  }

  private arg(kind: ArgSyntax, trName: string, comma: number, generic = false): TransformArg {
    const t = this.text;
    switch (kind) {
      case 'int':
      case 'int-literal':
        this.skipWs();
        if (kind === 'int-literal' && this.peek() === 36) this.err(`${trName} does not accept a pseudo-variable here`);
        return this.intArg(trName);
      case 'char': {
        // exactly the one character after the comma, even ',' '}' or ' '
        if (this.pos >= this.end) this.err(`${trName}: expected a separator character after ','`, comma);
        const ch = t[this.pos];
        this.pos++;
        const next = this.peek();
        if (next !== 125 && next !== 44) this.err(`${trName}: the separator must be a single character, found more after '${ch}'`);
        return { kind: 'literal', text: ch };
      }
      case 'pad':
        return this.padArg(trName, comma);
      case 'subst':
        return this.substArg(trName, comma);
      case 'str':
      case 'str-literal': {
        this.skipWs();
        if (this.peek() === 36) {
          if (kind === 'str-literal') this.err(`${trName} does not accept a pseudo-variable here`);
          return { kind: 'pv', spec: this.spec(this.pos) };
        }
        const s = this.pos;
        while (this.pos < this.end) {
          const c = t.charCodeAt(this.pos);
          if ((c === 44 || c === 125) && !(this.pos > s && t.charCodeAt(this.pos - 1) === 92)) break;
          if (!generic && isWs(c)) break;
          this.pos++;
        }
        let text = t.slice(s, this.pos);
        if (generic) text = text.trim();
        if (text.length === 0 && !generic) this.err(`${trName}: empty argument`, s);
        return { kind: 'literal', text };
      }
    }
  }

  private intArg(trName: string): TransformArg {
    const t = this.text;
    if (this.peek() === 36) return { kind: 'pv', spec: this.spec(this.pos) };
    const s = this.pos;
    let sign = 1;
    const c0 = this.peek();
    if (c0 === 45 || c0 === 43) {
      if (c0 === 45) sign = -1;
      this.pos++;
      this.skipWs();
    } else if (!(c0 >= 48 && c0 <= 57)) {
      this.err(`${trName}: expected an integer or a pseudo-variable, found ${describeAt(t, this.end, this.pos)}`);
    }
    const ds = this.pos;
    let v = 0;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      this.pos++;
    }
    if (this.pos === ds) this.err(`${trName}: expected digits after the sign`, s);
    if (v > 2147483647) this.err(`${trName}: integer out of range`, s);
    return { kind: 'literal', text: String(sign * v) };
  }

  private padArg(trName: string, comma: number): TransformArg {
    const t = this.text;
    this.skipWs();
    if (this.peek() === 36) this.err(`${trName} does not accept a pseudo-variable as padding`);
    const s = this.pos;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if ((c === 44 || c === 125) && !(this.pos > s && t.charCodeAt(this.pos - 1) === 92)) break;
      this.pos++;
    }
    let text = t.slice(s, this.pos);
    if (text.length > 1) text = text.replace(/[ \t\r\n]+$/, '');
    if (text.length > 1) {
      const q = text[0];
      if ((q === '"' || q === "'") && text[text.length - 1] === q) {
        if (text.length === 2) this.err(`${trName}: empty padding (quotes with nothing inside)`, s);
        text = text.slice(1, -1);
      }
    }
    if (text.length === 0) this.err(`${trName}: empty padding; quote it to pad with spaces: ' '`, comma);
    return { kind: 'literal', text };
  }

  private substArg(trName: string, comma: number): TransformArg {
    const t = this.text;
    this.skipWs();
    if (this.peek() === 36) return { kind: 'pv', spec: this.spec(this.pos) };
    // Up to the '}' that closes the transformation (braces inside balance,
    // as OpenSIPS matches them) or an unescaped ','.
    const s = this.pos;
    let depth = 0;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      const escaped = this.pos > s && t.charCodeAt(this.pos - 1) === 92;
      if (c === 123) depth++;
      else if (c === 125) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44 && !escaped) {
        this.err(`${trName}: unescaped ',' inside the expression; write '\\,'`);
      }
      this.pos++;
    }
    if (this.pos === s) this.err(`${trName}: expected a /regex/replacement/flags expression`, comma);
    return { kind: 'literal', text: t.slice(s, this.pos) };
  }
}

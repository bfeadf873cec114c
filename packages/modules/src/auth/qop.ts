/**
 * The qop and algorithms arguments of www_challenge/proxy_challenge.
 *
 * 3.x/4.x: qop is a comma-separated list of `auth` and `auth-int` (empty: no qop offered).
 * 2.x: the second argument was a 0/1 switch for offering `qop=auth`. OpenSIPS 4.1 refuses
 * `"0"`/`"1"` ("Bad qop type"); tsips reads a lone "0"/"1" as the 2.x switch and records it,
 * so the checker can print a notice with the 3.x spelling ("" or "auth").
 */
import type { FixupArg, ParamSpec } from '@tsips/script';

export const QOP_TYPES = ['auth', 'auth-int'] as const;
export type QopType = (typeof QOP_TYPES)[number];

export interface ParsedQop {
  qop: QopType[];
  /** The 2.x 0/1 switch as written, when that spelling was used. */
  legacySwitch: '0' | '1' | null;
  /** The 3.x spelling of the same choice. */
  modern: string;
}

export function parseQop(literal: string): ParsedQop {
  const text = literal.trim();
  if (text === '0' || text === '1') {
    const qop: QopType[] = text === '1' ? ['auth'] : [];
    return { qop, legacySwitch: text, modern: qop.join(',') };
  }
  const qop: QopType[] = [];
  for (const part of text.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    if (!(QOP_TYPES as readonly string[]).includes(t)) {
      throw new Error(`bad qop type '${t}' (expected auth, auth-int or both, comma-separated)`);
    }
    if (!qop.includes(t as QopType)) qop.push(t as QopType);
  }
  return { qop, legacySwitch: null, modern: qop.join(',') };
}

export const DIGEST_ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const;

/** Comma-separated digest algorithms (RFC 7616/8760); names compare case-insensitively. */
export function parseAlgorithms(literal: string): string[] {
  const out: string[] = [];
  for (const part of literal.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    const canonical = DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === t.toLowerCase());
    if (canonical === undefined) throw new Error(`unsupported digest algorithm '${t}' (expected ${DIGEST_ALGORITHMS.join(', ')})`);
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

function validateWith(parse: (s: string) => unknown): (literal: string) => string | undefined {
  return (literal) => {
    try {
      parse(literal);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
}

export const qopParam: ParamSpec = {
  name: 'qop',
  kind: 'flags',
  optional: true,
  validate: validateWith(parseQop),
  parse: (literal) => parseQop(literal),
  notice: (parsed) => {
    const q = parsed as ParsedQop;
    if (q.legacySwitch === null) return undefined;
    return `"${q.legacySwitch}" is the OpenSIPS 2.x qop switch; 3.x writes "${q.modern}" (accepted as in 2.x)`;
  },
};

/**
 * The algorithms argument is a string that may hold variables (OpenSIPS's README passes
 * `$var(secure_algorithms)`): a literal is checked at load by {@link algorithmsFixup}, a
 * variable's value when the function runs.
 */
export const algorithmsParam: ParamSpec = { name: 'algorithms', kind: 'string', optional: true };

/** Load-time check of a literal algorithms argument at `index`. */
export function algorithmsFixup(index: number): (args: readonly FixupArg[]) => string | undefined {
  const check = validateWith(parseAlgorithms);
  return (args) => {
    const lit = args[index]?.literal ?? null;
    return lit === null ? undefined : check(lit);
  };
}

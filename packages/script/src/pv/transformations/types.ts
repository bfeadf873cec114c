import type { ScriptValue } from '../../values';
import type { PvSpec } from '../pv-syntax';

/**
 * How the parser reads one transformation argument (OpenSIPS parses each
 * transformation's arguments with its own rules, not with one generic
 * splitter):
 *
 * - `int`: a pseudo-variable or an integer literal (`[+-]digits`).
 * - `int-literal`: an integer literal only (s.fill.*'s length).
 * - `str`: a pseudo-variable or text up to an unescaped `,` or `}` or
 *   whitespace; the text keeps its backslashes.
 * - `str-literal`: like `str` but pseudo-variables are refused
 *   (nameaddr.param).
 * - `pad`: text that may hold whitespace, may be quoted with ' or " (the
 *   quotes are removed); pseudo-variables refused (s.fill.*).
 * - `char`: exactly one character, whatever it is (s.select's separator).
 * - `subst`: a pseudo-variable or a whole `/re/repl/flags` expression that
 *   may contain `{}` (re.subst); a `,` in it must be written `\,`.
 */
export type ArgSyntax = 'int' | 'int-literal' | 'str' | 'str-literal' | 'pad' | 'char' | 'subst';

/**
 * Services a transformation may need from the running script. Every member
 * is optional; without one, the transformation behaves as OpenSIPS does when
 * the lookup fails.
 */
export interface TransformEnv {
  /** Value of a pseudo-variable embedded in a re.subst replacement. */
  evalPv?(spec: PvSpec): ScriptValue;
  /** Current Request-URI, for `\u` in a re.subst replacement. */
  requestUri?(): string | null;
  /**
   * Resolve a host name for ip.resolve* (family 4, 6 or 0 for either),
   * returning the first address in text form or null. OpenSIPS resolves
   * synchronously inside the worker; tsips never blocks the event loop, so
   * the host supplies a resolver that answers from a cache (or from a
   * pre-resolved table); without one, names that are not already IP
   * addresses resolve to NULL.
   */
  resolveHost?(name: string, family: 0 | 4 | 6): string | null;
}

export interface TransformDef {
  /** Canonical name, lower case: "s.substr". */
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Parsing rule of each argument position (length = maxArgs). */
  args: readonly ArgSyntax[];
  /**
   * Apply to a value. Never throws on bad data: it returns what OpenSIPS
   * yields (usually NULL on failure). `args` are the evaluated arguments,
   * in order; literal integer arguments arrive as their decimal text.
   */
  apply(value: ScriptValue, args: ScriptValue[], env?: TransformEnv): ScriptValue;
  /**
   * Load-time check of literal arguments (undefined entries are
   * pseudo-variables, known only at run time). Returns a message for the
   * first problem, or undefined.
   */
  checkArgs?(literals: ReadonlyArray<string | undefined>): string | undefined;
}

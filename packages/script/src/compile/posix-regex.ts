/**
 * `=~` / `!~` and regex parameters compile like OpenSIPS's regcomp(REG_EXTENDED |
 * REG_ICASE | REG_NOSUB): case-insensitive, unanchored, `.` matching newlines. The POSIX to
 * JavaScript translation is script-pv's (pv/transformations/posix-regex.ts).
 */
import { compilePosixEre, PosixRegexError } from '../pv/transformations/posix-regex';

export { PosixRegexError as RegexError };

/** Throws PosixRegexError when the pattern does not compile. */
export function compilePosixRegex(pattern: string): RegExp {
  return compilePosixEre(pattern, { icase: true });
}

/**
 * Translate a POSIX extended regular expression (as OpenSIPS hands it to
 * glibc's regcomp) into a JavaScript RegExp.
 *
 * Handled: bracket expressions with character classes ([[:digit:]] ...),
 * a literal ']' first in a bracket, backslash literal inside brackets, the
 * GNU escapes glibc accepts (\w \W \s \S \b \B \< \> and back-references
 * \1-\9), other escaped characters as literals. Known difference: JavaScript
 * alternation is leftmost-first where POSIX is leftmost-longest, so
 * `(a|ab)` can match a shorter text than glibc would.
 */
const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
  word: '0-9A-Za-z_',
};

export class PosixRegexError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'PosixRegexError';
  }
}

const JS_SPECIAL = '\\^$.|?*+()[]{}/';

/** Returns the JavaScript source; throws PosixRegexError for a pattern glibc would refuse. */
export function posixEreToJsSource(re: string): string {
  let out = '';
  let depth = 0;
  let i = 0;
  const n = re.length;
  while (i < n) {
    const c = re[i];
    if (c === '\\') {
      if (i + 1 >= n) throw new PosixRegexError('trailing backslash', i);
      const e = re[i + 1];
      i += 2;
      if ('wWsSbB'.includes(e) || (e >= '1' && e <= '9')) out += '\\' + e;
      else if (e === '<') out += '\\b(?=\\w)';
      else if (e === '>') out += '\\b(?<=\\w)';
      else if (e === '`') out += '^';
      else if (e === "'") out += '$';
      else out += JS_SPECIAL.includes(e) ? '\\' + e : e === '-' ? '-' : escapeLiteral(e);
      continue;
    }
    if (c === '[') {
      const r = bracket(re, i);
      out += r.src;
      i = r.end;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      if (depth === 0) {
        out += '\\)'; // POSIX: an unmatched ')' is an ordinary character
        i++;
        continue;
      }
      depth--;
    }
    if (c === '{') {
      // an interval only when it looks like one; otherwise a literal brace
      const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(i, i + 24));
      if (m) {
        if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) throw new PosixRegexError('invalid interval', i);
        out += m[0];
        i += m[0].length;
        continue;
      }
      out += '\\{';
      i++;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i++;
      continue;
    }
    if (c === '/') {
      out += '\\/';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (depth !== 0) throw new PosixRegexError("unmatched '('", n);
  return out;
}

function escapeLiteral(ch: string): string {
  return JS_SPECIAL.includes(ch) ? '\\' + ch : ch;
}

function bracket(re: string, start: number): { src: string; end: number } {
  let i = start + 1;
  let src = '[';
  if (re[i] === '^') {
    src += '^';
    i++;
  }
  let first = true;
  for (;;) {
    if (i >= re.length) throw new PosixRegexError("unterminated '['", start);
    const c = re[i];
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (c === '[' && re[i + 1] === ':') {
      const close = re.indexOf(':]', i + 2);
      if (close < 0) throw new PosixRegexError("unterminated '[:'", i);
      const name = re.slice(i + 2, close);
      const cls = CLASSES[name];
      if (cls === undefined) throw new PosixRegexError(`unknown character class '[:${name}:]'`, i);
      src += cls;
      i = close + 2;
      continue;
    }
    if (c === '[' && (re[i + 1] === '.' || re[i + 1] === '=')) {
      const endTok = re[i + 1] + ']';
      const close = re.indexOf(endTok, i + 2);
      if (close < 0) throw new PosixRegexError(`unterminated '[${re[i + 1]}'`, i);
      src += escapeInClass(re.slice(i + 2, close));
      i = close + 2;
      continue;
    }
    if (c === '-') {
      src += '-';
      i++;
      continue;
    }
    src += escapeInClass(c);
    i++;
  }
  return { src: src + ']', end: i };
}

function escapeInClass(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '\\' || ch === ']' || ch === '[' || ch === '^' ? '\\' + ch : ch;
  return out;
}

export interface PosixFlags {
  icase?: boolean;
  /** REG_NEWLINE: '.' and bracket negations do not match '\n'; ^ and $ match at line breaks. */
  newline?: boolean;
  global?: boolean;
}

export function compilePosixEre(re: string, flags: PosixFlags = {}): RegExp {
  const src = posixEreToJsSource(re);
  let f = '';
  if (flags.global) f += 'g';
  if (flags.icase) f += 'i';
  if (flags.newline) f += 'm';
  else f += 's';
  try {
    return new RegExp(src, f);
  } catch (e) {
    throw new PosixRegexError(`invalid regular expression: ${(e as Error).message}`, 0);
  }
}

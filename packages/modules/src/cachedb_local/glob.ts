/**
 * Shell glob patterns as fnmatch(3) with no flags reads them (what cachedb_local's
 * remove_chunk/fetch_chunk use): `*` any run of characters (including `/` and a leading
 * `.`), `?` one character, `[...]` a bracket expression (`!` or `^` negates, ranges,
 * `[:class:]`), `\` quotes the next character. A `[` without its `]` is literal.
 */

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: '\\x20-\\x7e', graph: '\\x21-\\x7e',
};

const escapeRe = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** The bracket expression starting at `pattern[i] === '['` as a RegExp class, or null when it is not closed. */
function bracket(pattern: string, i: number): { re: string; next: number } | null {
  let j = i + 1;
  let negate = false;
  if (pattern[j] === '!' || pattern[j] === '^') {
    negate = true;
    j++;
  }
  let body = '';
  let first = true;
  while (j < pattern.length) {
    const c = pattern[j]!;
    if (c === ']' && !first) return { re: body === '' ? (negate ? '[\\s\\S]' : '[^\\s\\S]') : `[${negate ? '^' : ''}${body}]`, next: j + 1 };
    first = false;
    if (c === '[' && pattern[j + 1] === ':') {
      const end = pattern.indexOf(':]', j + 2);
      if (end > 0) {
        const cls = CLASSES[pattern.slice(j + 2, end)];
        if (cls === undefined) return null;
        body += cls;
        j = end + 2;
        continue;
      }
    }
    let ch = c;
    if (c === '\\' && j + 1 < pattern.length) {
      j++;
      ch = pattern[j]!;
    }
    if (pattern[j + 1] === '-' && j + 2 < pattern.length && pattern[j + 2] !== ']') {
      let hi = pattern[j + 2]!;
      let k = j + 2;
      if (hi === '\\' && k + 1 < pattern.length) {
        k++;
        hi = pattern[k]!;
      }
      if (hi >= ch) body += `${escapeRe(ch)}-${escapeRe(hi)}`;
      j = k + 1;
      continue;
    }
    body += escapeRe(ch);
    j++;
  }
  return null;
}

/** Compiles a glob into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === '*') {
      re += '[\\s\\S]*';
      i++;
    } else if (c === '?') {
      re += '[\\s\\S]';
      i++;
    } else if (c === '[') {
      const b = bracket(pattern, i);
      if (b === null) {
        re += '\\[';
        i++;
      } else {
        re += b.re;
        i = b.next;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[i + 1]!);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return new RegExp(`${re}$`);
}

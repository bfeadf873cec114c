/** `csv.*` (OpenSIPS tr_eval_csv with RFC 4180 parsing). */
import { checkIntLiteral, intArg, strOf } from './common';
import type { TransformDef } from './types';

/**
 * Split a CSV record as OpenSIPS's RFC 4180 mode does: a trailing CRLF is
 * dropped; any character outside printable ASCII makes the record invalid
 * (null); a field that starts with '"' is quoted ("" is an escaped quote)
 * and must be followed by ',' or the end; a quote inside an unquoted field
 * is an ordinary character. Quirk kept from OpenSIPS: a quoted field
 * followed by a final ',' does not produce an empty last field.
 */
export function parseCsvRecord(input: string): string[] | null {
  let s = input;
  if (s.length >= 2 && s.endsWith('\r\n')) s = s.slice(0, -2);
  const out: string[] = [];
  const n = s.length;
  let fieldStart = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null;
    if (c === 44) {
      out.push(s.slice(fieldStart, i));
      fieldStart = i + 1;
    } else if (c === 34 && i === fieldStart) {
      let v = '';
      let p = i + 1;
      for (;;) {
        if (p >= n) return null;
        if (s.charCodeAt(p) === 34) {
          if (p + 1 < n && s.charCodeAt(p + 1) === 34) {
            v += '"';
            p += 2;
            continue;
          }
          break;
        }
        v += s[p]; // OpenSIPS does not check characters inside quotes
        p++;
      }
      // p is the closing quote
      out.push(v);
      if (p === n - 1) return out;
      if (s.charCodeAt(p + 1) !== 44) return null;
      i = p + 1;
      fieldStart = i + 1;
      if (i === n - 1) return out;
    }
  }
  out.push(s.slice(fieldStart));
  return out;
}

let lastInput: string | null = null;
let lastParsed: string[] | null = null;
function recordOf(v: string | number): string[] | null {
  const s = strOf(v);
  if (s.length === 0) return null;
  if (s !== lastInput) {
    lastInput = s;
    lastParsed = parseCsvRecord(s);
  }
  return lastParsed;
}

export const csvTransforms: TransformDef[] = [
  {
    name: 'csv.count',
    minArgs: 0,
    maxArgs: 0,
    args: [],
    apply(v) {
      if (v === null) return null;
      const r = recordOf(v);
      return r === null ? null : r.length;
    },
  },
  {
    name: 'csv.value',
    minArgs: 1,
    maxArgs: 1,
    args: ['int'],
    checkArgs: (l) => checkIntLiteral('csv.value', l[0], 'index'),
    apply(v, a) {
      if (v === null) return null;
      const r = recordOf(v);
      const n0 = intArg(a[0]);
      if (r === null || n0 === undefined) return null;
      const n = n0 < 0 ? r.length + n0 : n0;
      return n >= 0 && n < r.length ? r[n] : null;
    },
  },
];

/**
 * Contact (RFC 3261 §20.10): `*` or a comma-separated list of name-addr /
 * addr-spec with params; `expires` (delta-seconds, 32-bit) and `q` (qvalue
 * 0..1 with up to three decimals, §25.1) are validated and picked out.
 */
import { ParseError } from '../errors';
import { NameAddr, scanNameAddr } from '../name-addr';
import { eqLower, MAX_UINT32, parseUnsigned, skipLws } from '../scan';

export interface Contact extends NameAddr {
  expires: number | null;
  q: number | null;
}
export interface ContactList {
  star: boolean;
  contacts: Contact[];
}

const H = 'Contact';

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
export function parseQValue(v: string, header = H, offset = 0): number {
  const n = v.length;
  const c0 = v.charCodeAt(0);
  if (n === 0 || (c0 !== 48 && c0 !== 49)) throw new ParseError(`invalid q value "${v}"`, header, offset);
  if (n === 1) return c0 - 48;
  if (v.charCodeAt(1) !== 46 || n > 5) throw new ParseError(`invalid q value "${v}"`, header, offset);
  let frac = 0;
  let scale = 1;
  for (let i = 2; i < n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (c0 === 49 && d !== 0)) throw new ParseError(`invalid q value "${v}"`, header, offset);
    frac = frac * 10 + d;
    scale *= 10;
  }
  return c0 === 49 ? 1 : frac / scale;
}

/** Parses one Contact header body (`*` or a list). */
export function parseContacts(body: string): ContactList {
  const end = body.length;
  let i = skipLws(body, 0, end);
  if (i < end && body.charCodeAt(i) === 42 /* * */) {
    const j = skipLws(body, i + 1, end);
    if (j === end) return { star: true, contacts: [] };
    // "*" may only stand alone (RFC 3261 §10.2.2); anything else is an error
    throw new ParseError('"*" must be the only Contact value', H, j);
  }
  const contacts: Contact[] = [];
  const cursor = { pos: 0 };
  const at: number[] = [];
  for (;;) {
    at.length = 0;
    const c = scanNameAddr(body, i, end, H, true, cursor, at) as Contact;
    c.expires = null;
    c.q = null;
    for (let k = 0; k < c.params.length; k++) {
      const p = c.params[k];
      if (p.name.length === 1 && (p.name === 'q' || p.name === 'Q') && c.q === null) {
        if (p.value === null) throw new ParseError('q parameter without a value', H, at[k]);
        c.q = parseQValue(p.value, H, at[k]);
      } else if (c.expires === null && eqLower(p.name, 'expires')) {
        if (p.value === null) throw new ParseError('expires parameter without a value', H, at[k]);
        c.expires = parseUnsigned(body, at[k], at[k] + p.value.length, MAX_UINT32, H, 'expires');
      }
    }
    contacts.push(c);
    i = cursor.pos;
    if (i >= end) return { star: false, contacts };
    if (body.charCodeAt(i) !== 44) throw new ParseError('expected "," between contacts', H, i);
    i++;
  }
}

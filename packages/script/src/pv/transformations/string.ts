/**
 * The `s.*` transformation family (OpenSIPS transformations.c,
 * tr_eval_string). Common rules, as in OpenSIPS:
 * - a NULL input stays NULL (no transformation runs on NULL);
 * - an integer input is worked on as its decimal string (integers read from
 *   variables always carry one in OpenSIPS); s.int, s.hex2dec and the trim
 *   family give an integer back unchanged;
 * - a failure ("goto error" in OpenSIPS) yields NULL.
 */
import { createHash, createHmac } from 'crypto';
import type { ScriptValue } from '../../values';
import { strToIntPrefix, strToIntStrict } from '../../values';
import { checkIntLiteral, fromBytes, intArg, isTrimWs, strArg, strOf, toBytes } from './common';
import type { TransformDef } from './types';

type Apply = TransformDef['apply'];

function def(name: string, apply: Apply, args: TransformDef['args'] = [], minArgs = args.length, checkArgs?: TransformDef['checkArgs']): TransformDef {
  return { name, minArgs, maxArgs: args.length, args, apply, checkArgs };
}

/** Wrap so NULL input passes through untouched. */
function nn(f: (v: string | number, args: ScriptValue[]) => ScriptValue): Apply {
  return (v, args) => (v === null ? null : f(v, args));
}

const HEX = '0123456789abcdef';

function hexOfBytes(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) out += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return out;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function decodeHexa(s: string): ScriptValue {
  const bytes = toBytes(s);
  // OpenSIPS decodes len/2 pairs: an odd trailing digit is ignored.
  const n = bytes.length >> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const hi = hexVal(bytes[2 * i]);
    const lo = hexVal(bytes[2 * i + 1]);
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return fromBytes(out);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64VAL = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64VAL[B64.charCodeAt(i)] = i;

/**
 * OpenSIPS's lenient base64 decoder: characters outside the alphabet are
 * skipped, '=' in the third or fourth position of a quantum ends decoding,
 * and a truncated quantum yields the bytes completed so far.
 */
function b64decode(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  const len = input.length;
  const next = (stopOnPad: boolean): number | 'pad' | 'end' => {
    while (i < len) {
      const c = input[i++];
      if (stopOnPad && c === 61) return 'pad';
      const v = B64VAL[c];
      if (v >= 0) return v;
    }
    return 'end';
  };
  while (i < len) {
    const c1 = next(false);
    if (typeof c1 !== 'number') break;
    const c2 = next(false);
    if (typeof c2 !== 'number') break;
    out.push(((c1 << 2) | ((c2 & 0x30) >> 4)) & 255);
    const c3 = next(true);
    if (typeof c3 !== 'number') break;
    out.push((((c2 & 0x0f) << 4) | ((c3 & 0x3c) >> 2)) & 255);
    const c4 = next(true);
    if (typeof c4 !== 'number') break;
    out.push((((c3 & 0x03) << 6) | c4) & 255);
  }
  return Uint8Array.from(out);
}

// CRC-32 (IEEE polynomial, reflected) table.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** OpenSIPS's crc32_uint: initial value all ones and NO final inversion. */
function crc32NoFinalXor(b: Uint8Array): number {
  let h = 0xffffffff;
  for (let i = 0; i < b.length; i++) h = CRC_TABLE[(h ^ b[i]) & 255] ^ (h >>> 8);
  return h >>> 0;
}

function escapeCommon(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"' || c === '\\') out += '\\' + c;
    else if (c === '\0') out += '\\0';
    else out += c;
  }
  return out;
}

function unescapeCommon(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1];
      if (n === "'" || n === '"' || n === '\\') {
        out += n;
        i += 2;
        continue;
      }
      if (n === '0') {
        out += '\0';
        i += 2;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

const USER_UNRESERVED = "-_.!~*'()&=+$,;?/";
const PARAM_UNRESERVED = "-_.!~*'()[]/:&+$";

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** %-escape what `keep` does not allow; non-printable input is an error (NULL). */
function escapeWith(s: string, keep: string): ScriptValue {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return null;
    if (isAlnum(c) || keep.indexOf(s[i]) >= 0) out += s[i];
    else out += '%' + HEX[c >> 4] + HEX[c & 15];
  }
  return out;
}

/** %XX decoding; a bad hex digit or an escape outside printable ASCII is an error (NULL). */
function unescapePercent(s: string): ScriptValue {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 37 /* % */) {
      const hi = i + 1 < s.length ? hexVal(s.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < s.length ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (hi < 0 || lo < 0) return null;
      const c = (hi << 4) | lo;
      if (c < 32 || c > 126) return null;
      out += String.fromCharCode(c);
      i += 2;
    } else out += s[i];
  }
  return out;
}

/**
 * Change the case of ASCII letters only (OpenSIPS works byte by byte with
 * 'a'-'z' / 'A'-'Z'); JavaScript's own case mapping would also change
 * latin1 letters and expand 'ß', so it is used only on pure-ASCII text.
 */
function asciiCase(s: string, upper: boolean): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) return upper ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return upper ? s.toUpperCase() : s.toLowerCase();
}

function trimLeft(s: string): string {
  let i = 0;
  while (i < s.length && isTrimWs(s.charCodeAt(i))) i++;
  return s.slice(i);
}

function trimRight(s: string): string {
  let e = s.length;
  while (e > 0 && isTrimWs(s.charCodeAt(e - 1))) e--;
  return s.slice(0, e);
}

function substr(s: string, start: number, len: number): ScriptValue {
  let i = start;
  let j = len;
  const n = s.length;
  if (i < 0) {
    if (-i > n) return null;
    i = n + i;
  }
  if (i >= n) return null;
  if (j < 1) j = n + j - i; // 0 or negative length: up to that many chars before the end
  if (i + j > n) j = n - i;
  if (j < 0) j = 0;
  return s.substr(i, j);
}

function select(s: string, index: number, sep: string): ScriptValue {
  const parts = s.split(sep);
  if (index >= 0) return index < parts.length ? parts[index] : null;
  const k = parts.length + index;
  return k >= 0 ? parts[k] : null;
}

function indexOf(hay: string, needle: string, startArg: number | undefined, reverse: boolean): ScriptValue {
  const n = hay.length;
  let i = startArg === undefined ? (reverse ? n - 1 : 0) : startArg;
  if (i < 0) {
    if (n > 0) {
      i = -i % n;
      if (i > 0) i = n - i;
    } else i = 0;
  }
  if (!reverse) {
    if (i >= n || needle.length > n - i) return null;
    const r = hay.indexOf(needle, i);
    return r < 0 ? null : r;
  }
  if (needle.length > n) return null;
  if (i >= n) i = n - 1;
  if (needle.length > n - i) i = n - needle.length;
  const r = hay.lastIndexOf(needle, i);
  return r < 0 ? null : r;
}

function fillLeft(s: string, pad: string, total: number): string {
  let missing = total - s.length;
  if (missing < 0) return s;
  if (pad.length === 1) return pad.repeat(missing) + s;
  // a partial pad goes first, taken from the END of the pad string
  let prefix = '';
  const r = missing % pad.length;
  if (r !== 0) {
    prefix = pad.slice(pad.length - r);
    missing -= r;
  }
  return prefix + pad.repeat(missing / pad.length) + s;
}

function fillRight(s: string, pad: string, total: number): string {
  const missing = total - s.length;
  if (missing < 0) return s;
  if (pad.length === 1) return s + pad.repeat(missing);
  const whole = Math.floor(missing / pad.length);
  return s + pad.repeat(whole) + pad.slice(0, missing - whole * pad.length);
}

function hashHex(alg: string, s: string): string {
  return createHash(alg).update(toBytes(s)).digest('hex');
}

function hmacHex(alg: string, key: string, s: string): string {
  return createHmac(alg, toBytes(key)).update(toBytes(s)).digest('hex');
}

const HASHES: Array<[string, string]> = [
  ['sha1', 'sha1'],
  ['sha224', 'sha224'],
  ['sha256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha512', 'sha512'],
];

/** RFC 1123 date as in a SIP Date header, always GMT. */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
function date2unix(s: string): ScriptValue {
  // "%a, %d %b %Y %H:%M:%S GMT" (strptime: case-insensitive names, flexible spaces)
  const m = /^\s*([A-Za-z]{3}),\s*(\d{1,2})\s+([A-Za-z]{3})\s+(\d{1,4})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})\s+GMT/i.exec(s);
  if (!m) return null;
  const mon = MONTHS.indexOf(m[3].toLowerCase());
  const day = Number(m[2]);
  const hh = Number(m[5]);
  const mm = Number(m[6]);
  const ss = Number(m[7]);
  if (mon < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 61) return null;
  const t = Date.UTC(Number(m[4]), mon, day, hh, mm, ss) / 1000;
  if (!Number.isFinite(t) || t === -1) return null;
  return String(t);
}

function checkSubstr(lits: ReadonlyArray<string | undefined>): string | undefined {
  return checkIntLiteral('s.substr', lits[0], 'offset') ?? checkIntLiteral('s.substr', lits[1], 'length');
}

export const stringTransforms: TransformDef[] = [
  def('s.len', nn((v) => toBytes(strOf(v)).length)),
  def('s.int', nn((v) => (typeof v === 'number' ? v : strToIntPrefix(v)))),
  def('s.md5', nn((v) => hashHex('md5', strOf(v)))),
  def('s.crc32', nn((v) => String(crc32NoFinalXor(toBytes(strOf(v)))))),
  def('s.reverse', nn((v) => strOf(v).split('').reverse().join(''))),
  def('s.tolower', nn((v) => asciiCase(strOf(v), false))),
  def('s.toupper', nn((v) => asciiCase(strOf(v), true))),
  def('s.encode.hexa', nn((v) => hexOfBytes(toBytes(strOf(v))))),
  def('s.decode.hexa', nn((v) => decodeHexa(strOf(v)))),
  def(
    's.hex2dec',
    nn((v) => {
      if (typeof v === 'number') return v;
      // hexstr2int: every character must be a hex digit (empty gives 0),
      // accumulated in an unsigned int then read back as a signed one.
      let r = 0;
      for (let i = 0; i < v.length; i++) {
        const h = hexVal(v.charCodeAt(i));
        if (h < 0) return null;
        r = ((r << 4) | h) | 0;
      }
      return r;
    }),
  ),
  def(
    's.dec2hex',
    nn((v) => {
      const n = typeof v === 'number' ? v : strToIntStrict(v);
      if (n === undefined) return null;
      return (n >>> 0).toString(16); // printf("%x") of the int
    }),
  ),
  def('s.date2unix', nn((v) => (typeof v === 'number' ? null : date2unix(v)))),
  def('s.escape.common', nn((v) => escapeCommon(strOf(v)))),
  def('s.unescape.common', nn((v) => unescapeCommon(strOf(v)))),
  def('s.escape.user', nn((v) => escapeWith(strOf(v), USER_UNRESERVED))),
  def('s.unescape.user', nn((v) => unescapePercent(strOf(v)))),
  def('s.escape.param', nn((v) => escapeWith(strOf(v), PARAM_UNRESERVED))),
  def('s.unescape.param', nn((v) => unescapePercent(strOf(v)))),
  def(
    's.substr',
    nn((v, a) => {
      const i = intArg(a[0]);
      const j = intArg(a[1]);
      if (i === undefined || j === undefined) return null;
      return substr(strOf(v), i, j);
    }),
    ['int', 'int'],
    2,
    checkSubstr,
  ),
  def(
    's.select',
    nn((v, a) => {
      const i = intArg(a[0]);
      const sep = typeof a[1] === 'string' ? a[1] : '';
      if (i === undefined || sep.length !== 1) return null;
      return select(strOf(v), i, sep);
    }),
    ['int', 'char'],
    2,
    (l) => checkIntLiteral('s.select', l[0], 'index'),
  ),
  ...(['s.index', 's.rindex'] as const).map((name) =>
    def(
      name,
      nn((v, a) => {
        const needle = strArg(a[0]);
        if (needle === undefined) return null;
        let start: number | undefined;
        if (a.length > 1) {
          start = intArg(a[1]);
          if (start === undefined) return null;
        }
        return indexOf(strOf(v), needle, start, name === 's.rindex');
      }),
      ['str', 'int'],
      1,
      (l) => checkIntLiteral(name, l[1], 'start position'),
    ),
  ),
  ...(['s.fill.left', 's.fill.right'] as const).map((name) =>
    def(
      name,
      nn((v, a) => {
        const pad = typeof a[0] === 'string' ? a[0] : undefined;
        const total = intArg(a[1]);
        if (pad === undefined || pad.length === 0 || total === undefined) return null;
        const s = strOf(v);
        return name === 's.fill.left' ? fillLeft(s, pad, total) : fillRight(s, pad, total);
      }),
      ['pad', 'int-literal'],
      2,
      (l) => checkIntLiteral(name, l[1], 'length'),
    ),
  ),
  def(
    's.width',
    nn((v, a) => {
      const w = intArg(a[0]);
      if (w === undefined || w <= 0) return null;
      const s = strOf(v);
      return w <= s.length ? s.slice(0, w) : s + ' '.repeat(w - s.length);
    }),
    ['int'],
    1,
    (l) => {
      const e = checkIntLiteral('s.width', l[0], 'width');
      if (e) return e;
      return l[0] !== undefined && Number(l[0]) < 0 ? 's.width: width must not be negative' : undefined;
    },
  ),
  def('s.b64encode', nn((v) => toBytes(strOf(v)).toString('base64'))),
  def('s.b64decode', nn((v) => fromBytes(b64decode(toBytes(strOf(v)))))),
  def(
    's.xor',
    nn((v, a) => {
      const key = strArg(a[0]);
      if (key === undefined) return null;
      const s = toBytes(strOf(v));
      const k = toBytes(key);
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s[i] ^ k[i % k.length];
      return fromBytes(out);
    }),
    ['str'],
  ),
  def('s.trim', nn((v) => (typeof v === 'number' ? v : trimRight(trimLeft(v))))),
  def('s.trimr', nn((v) => (typeof v === 'number' ? v : trimRight(v)))),
  def('s.triml', nn((v) => (typeof v === 'number' ? v : trimLeft(v)))),
  ...HASHES.map(([n, alg]) => def(`s.${n}`, nn((v) => hashHex(alg, strOf(v))))),
  ...HASHES.map(([n, alg]) =>
    def(
      `s.${n}_hmac`,
      nn((v, a) => {
        const key = strArg(a[0]);
        return key === undefined ? null : hmacHex(alg, key, strOf(v));
      }),
      ['str'],
    ),
  ),
];

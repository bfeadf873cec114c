/**
 * SDP session descriptions (RFC 4566 §5). Lines are `<letter>=<value>`,
 * ended by CRLF or a bare LF (§5 asks parsers to accept LF). What is enforced:
 *  - `v=0` is the first line, `o=` the second and `s=` the third (§5 order);
 *  - at least one `t=` at session level before the first `m=`;
 *  - no white space around "=" and only the letters RFC 4566 defines;
 *    an unknown letter rejects the description (§5: "MUST completely ignore
 *    any session description that contains a type letter that it does not
 *    understand"), and media-level lines are limited to i c b k a;
 *  - field syntax of o, c, b, t, m (numbers, ports 0..65535, field counts).
 * Tolerated: an empty `s=` value, blank lines at the very end, other session
 * lines in any order, and `a=rtpmap` lines without a clock rate (RFC 4475
 * messages carry `a=rtpmap:31 LPC`): such a line stays in `attributes` but is
 * left out of the `rtpmap` map.
 */
import { ParseError } from './errors';

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
  ttl: number | null;
  /** Number of addresses (`/<count>` suffix), null when absent. */
  count: number | null;
}
export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}
export interface SdpBandwidth {
  type: string;
  value: number;
}
export interface SdpTime {
  start: string;
  stop: string;
  repeats: string[];
}
export interface SdpAttribute {
  name: string;
  value: string | null;
}
export interface SdpRtpMap {
  encoding: string;
  clockRate: number;
  channels: number | null;
}
export interface SdpMedia {
  type: string;
  port: number;
  portCount: number | null;
  proto: string;
  formats: string[];
  information: string | null;
  /** First c= line of this media (null: use the session's). */
  connection: SdpConnection | null;
  /** Every c= line of this media. */
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  key: string | null;
  attributes: SdpAttribute[];
  rtpmap: Map<string, SdpRtpMap>;
  fmtp: Map<string, string>;
}
export interface Sdp {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  information: string | null;
  uri: string | null;
  emails: string[];
  phones: string[];
  connection: SdpConnection | null;
  bandwidths: SdpBandwidth[];
  times: SdpTime[];
  timeZones: string | null;
  key: string | null;
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

const H = 'sdp';

/**
 * The fields of the last fields() call: a reused array (growing an array by
 * push costs more than the fields themselves), read before the next call.
 */
const F: string[] = ['', '', '', '', '', '', '', ''];

/** Splits [start, end) on single spaces into F; every field must be non-empty. Returns the count. */
function fields(s: string, start: number, end: number, what: string): number {
  let n = 0;
  let f = start;
  for (;;) {
    // native indexOf is several times faster than a charCodeAt loop; a hit
    // past `end` only scans up to the next space, so the total stays linear
    let sp = s.indexOf(' ', f);
    if (sp < 0 || sp > end) sp = end;
    if (sp === f) throw new ParseError(`empty field in ${what} line`, H, f);
    if (n < F.length) F[n] = s.slice(f, sp);
    else F.push(s.slice(f, sp));
    n++;
    if (sp === end) return n;
    f = sp + 1;
  }
}

/** indexOf limited to [start, end): never scans past the current line. */
function indexIn(s: string, ch: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === ch) return i;
  return -1;
}

function isDigits(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function num(v: string, max: number, what: string, offset: number): number {
  const n = v.length;
  if (n === 0 || n > 10) throw new ParseError(`invalid ${what} "${v}"`, H, offset);
  let x = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new ParseError(`invalid ${what} "${v}"`, H, offset);
    x = x * 10 + d;
  }
  if (x > max) throw new ParseError(`${what} out of range`, H, offset);
  return x;
}

function noSpaceToken(v: string, what: string, offset: number): void {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c === 127) throw new ParseError(`invalid character in ${what}`, H, offset + i);
  }
}

function parseConnection(s: string, start: number, end: number): SdpConnection {
  if (fields(s, start, end, 'c=') !== 3) throw new ParseError('c= needs <nettype> <addrtype> <address>', H, start);
  const netType = F[0];
  const addrType = F[1];
  const addrField = F[2];
  const slash = addrField.indexOf('/');
  let address = addrField;
  let ttl: number | null = null;
  let count: number | null = null;
  const addrOffset = end - addrField.length;
  if (slash >= 0) {
    address = addrField.slice(0, slash);
    const rest = addrField.slice(slash + 1).split('/');
    if (rest.length > 2) throw new ParseError('too many "/" in connection address', H, addrOffset);
    // RFC 4566 §5.7: IP4 multicast takes /ttl[/count]; IP6 takes /count only
    if (addrType.toUpperCase() === 'IP6') {
      if (rest.length !== 1) throw new ParseError('IP6 connection address takes only /<count>', H, addrOffset);
      count = num(rest[0], 0xffffffff, 'address count', addrOffset + slash + 1);
    } else {
      ttl = num(rest[0], 255, 'TTL', addrOffset + slash + 1);
      if (rest.length === 2) count = num(rest[1], 0xffffffff, 'address count', addrOffset + slash + 1);
    }
  }
  if (address.length === 0) throw new ParseError('empty connection address', H, addrOffset);
  return { netType, addrType, address, ttl, count };
}

function parseBandwidth(s: string, start: number, end: number): SdpBandwidth {
  const colon = indexIn(s, 58, start, end);
  if (colon <= start) throw new ParseError('b= needs <bwtype>:<bandwidth>', H, start);
  const type = s.slice(start, colon);
  noSpaceToken(type, 'bandwidth type', start);
  return { type, value: num(s.slice(colon + 1, end), 0xffffffff, 'bandwidth', colon + 1) };
}

function parseAttribute(s: string, start: number, end: number): SdpAttribute {
  // one pass over the name: up to ":" (or the end), no white space or controls
  let i = start;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) break;
    if (c <= 32 || c === 127) throw new ParseError('invalid character in attribute name', H, i);
  }
  if (i === start) throw new ParseError('empty attribute name', H, start);
  return { name: s.slice(start, i), value: i === end ? null : s.slice(i + 1, end) };
}

/** Digits in [start, end) as a number, or -1 (empty, non-digit, more than 10 digits). */
function digitsAt(s: string, start: number, end: number): number {
  if (start >= end || end - start > 10) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * `a=rtpmap:<payload> <encoding>/<clock>[/<channels>]` whose value is
 * [start, end) of s; stores it in `map` unless malformed or already present.
 */
function addRtpMap(s: string, start: number, end: number, map: Map<string, SdpRtpMap>): void {
  const sp = indexIn(s, 32, start, end);
  if (sp <= start) return;
  let e = sp + 1;
  while (e < end && s.charCodeAt(e) === 32) e++;
  const s1 = indexIn(s, 47, e, end);
  if (s1 <= e) return;
  let s2 = indexIn(s, 47, s1 + 1, end);
  let tail = end;
  while (tail > s1 && s.charCodeAt(tail - 1) === 32) tail--;
  if (s2 < 0) s2 = tail;
  const clockRate = digitsAt(s, s1 + 1, s2);
  if (clockRate < 0) return;
  let channels: number | null = null;
  if (s2 < tail) {
    channels = digitsAt(s, s2 + 1, tail);
    if (channels < 0) return;
  }
  const pt = s.slice(start, sp);
  if (!map.has(pt)) map.set(pt, { encoding: s.slice(e, s1), clockRate, channels });
}

// RFC 4566 line types, as a lookup table on the letter's code
const KNOWN_LETTER = new Uint8Array(128);
for (const ch of 'vosiuepcbtrzkam') KNOWN_LETTER[ch.charCodeAt(0)] = 1;

export function parseSdp(body: string): Sdp {
  const n = body.length;
  let pos = 0;
  let lineNo = 0;
  let sdp: Sdp | null = null;
  let origin: SdpOrigin | null = null;
  let sessionName: string | null = null;
  let version = -1;
  let media: SdpMedia | null = null;
  const partial = {
    information: null as string | null,
    uri: null as string | null,
    emails: [] as string[],
    phones: [] as string[],
    connection: null as SdpConnection | null,
    bandwidths: [] as SdpBandwidth[],
    times: [] as SdpTime[],
    timeZones: null as string | null,
    key: null as string | null,
    attributes: [] as SdpAttribute[],
    media: [] as SdpMedia[],
  };
  // RFC 4566 text excludes NUL and CR (other than in CRLF); checked once with
  // native searches rather than per character
  const nul = body.indexOf('\0');
  if (nul >= 0) throw new ParseError('NUL in SDP', H, nul);
  for (let r = body.indexOf('\r'); r >= 0; r = body.indexOf('\r', r + 1)) {
    if (r + 1 < n && body.charCodeAt(r + 1) !== 10) throw new ParseError('CR without LF in SDP', H, r);
  }
  while (pos < n) {
    let eol = body.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let end = eol;
    if (end > pos && body.charCodeAt(end - 1) === 13) end--;
    const lineStart = pos;
    pos = eol + 1;
    if (end === lineStart) {
      // blank line: only allowed as trailing padding
      for (let k = pos; k < n; k++) {
        const c = body.charCodeAt(k);
        if (c !== 13 && c !== 10 && c !== 32 && c !== 9) throw new ParseError('blank line inside SDP', H, lineStart);
      }
      break;
    }
    const lc = body.charCodeAt(lineStart);
    if (end - lineStart < 2 || body.charCodeAt(lineStart + 1) !== 61) throw new ParseError('expected "<letter>=" at start of line', H, lineStart);
    if (lc >= 128 || KNOWN_LETTER[lc] === 0) throw new ParseError(`unknown SDP line type "${body[lineStart]}"`, H, lineStart);
    const vs = lineStart + 2;
    if (vs < end && (body.charCodeAt(vs) === 32 || body.charCodeAt(vs) === 9) && lc !== 115 /* s */ && lc !== 105 /* i */) {
      throw new ParseError('white space after "="', H, vs);
    }
    lineNo++;
    if (lineNo === 1) {
      if (lc !== 118) throw new ParseError('SDP must start with v=', H, lineStart);
      if (body.slice(vs, end) !== '0') throw new ParseError('unsupported SDP version', H, vs);
      version = 0;
      continue;
    }
    if (lineNo === 2) {
      if (lc !== 111) throw new ParseError('second SDP line must be o=', H, lineStart);
      if (fields(body, vs, end, 'o=') !== 6) throw new ParseError('o= needs 6 fields', H, vs);
      const f = F;
      if (!isDigits(f[1]) || !isDigits(f[2])) throw new ParseError('o= session id and version must be numeric', H, vs);
      origin = { username: f[0], sessionId: f[1], sessionVersion: f[2], netType: f[3], addrType: f[4], address: f[5] };
      continue;
    }
    if (lineNo === 3) {
      if (lc !== 115) throw new ParseError('third SDP line must be s=', H, lineStart);
      sessionName = body.slice(vs, end);
      continue;
    }
    switch (lc) {
      case 118 /* v */:
      case 111 /* o */:
      case 115 /* s */:
        throw new ParseError(`duplicate ${body[lineStart]}= line`, H, lineStart);
      case 109 /* m */: {
        if (partial.times.length === 0) throw new ParseError('missing t= line before m=', H, lineStart);
        const count = fields(body, vs, end, 'm=');
        if (count < 4) throw new ParseError('m= needs <media> <port> <proto> <fmt>...', H, vs);
        const f = F;
        const slash = f[1].indexOf('/');
        const portOffset = vs + f[0].length + 1;
        const port = num(slash < 0 ? f[1] : f[1].slice(0, slash), 65535, 'port', portOffset);
        const portCount = slash < 0 ? null : num(f[1].slice(slash + 1), 65535, 'port count', portOffset + slash + 1);
        media = {
          type: f[0],
          port,
          portCount,
          proto: f[2],
          formats: f.slice(3, count),
          information: null,
          connection: null,
          connections: [],
          bandwidths: [],
          key: null,
          attributes: [],
          rtpmap: new Map(),
          fmtp: new Map(),
        };
        partial.media.push(media);
        break;
      }
      case 105 /* i */:
        if (media) {
          if (media.information !== null) throw new ParseError('duplicate i= line', H, lineStart);
          media.information = body.slice(vs, end);
        } else {
          if (partial.information !== null) throw new ParseError('duplicate i= line', H, lineStart);
          partial.information = body.slice(vs, end);
        }
        break;
      case 99 /* c */: {
        const c = parseConnection(body, vs, end);
        if (media) {
          media.connections.push(c);
          if (media.connection === null) media.connection = c;
        } else {
          if (partial.connection !== null) throw new ParseError('duplicate session c= line', H, lineStart);
          partial.connection = c;
        }
        break;
      }
      case 98 /* b */:
        (media ? media.bandwidths : partial.bandwidths).push(parseBandwidth(body, vs, end));
        break;
      case 107 /* k */:
        if (media) media.key = body.slice(vs, end);
        else partial.key = body.slice(vs, end);
        break;
      case 97 /* a */: {
        const a = parseAttribute(body, vs, end);
        if (media) {
          media.attributes.push(a);
          if (a.value !== null) {
            if (a.name === 'rtpmap') addRtpMap(body, vs + 7, end, media.rtpmap); else if (a.name === 'fmtp') {
              const sp = a.value.indexOf(' ');
              const fmt = sp < 0 ? a.value : a.value.slice(0, sp);
              if (fmt.length > 0 && !media.fmtp.has(fmt)) media.fmtp.set(fmt, sp < 0 ? '' : a.value.slice(sp + 1).trim());
            }
          }
        } else partial.attributes.push(a);
        break;
      }
      default: {
        // session-only lines: u e p t r z
        if (media) throw new ParseError(`${body[lineStart]}= line not allowed at media level`, H, lineStart);
        const v = body.slice(vs, end);
        if (lc === 117 /* u */) {
          if (partial.uri !== null) throw new ParseError('duplicate u= line', H, lineStart);
          partial.uri = v;
        } else if (lc === 101 /* e */) partial.emails.push(v);
        else if (lc === 112 /* p */) partial.phones.push(v);
        else if (lc === 116 /* t */) {
          const count = fields(body, vs, end, 't=');
          const f = F;
          if (count !== 2 || !isDigits(f[0]) || !isDigits(f[1])) throw new ParseError('t= needs <start-time> <stop-time>', H, vs);
          partial.times.push({ start: f[0], stop: f[1], repeats: [] });
        } else if (lc === 114 /* r */) {
          if (partial.times.length === 0) throw new ParseError('r= without a preceding t=', H, lineStart);
          partial.times[partial.times.length - 1].repeats.push(v);
        } else {
          // z=
          partial.timeZones = v;
        }
      }
    }
  }
  if (version < 0) throw new ParseError('empty SDP', H, 0);
  if (origin === null) throw new ParseError('missing o= line', H, n);
  if (sessionName === null) throw new ParseError('missing s= line', H, n);
  if (partial.times.length === 0) throw new ParseError('missing t= line', H, n);
  sdp = {
    version,
    origin,
    sessionName,
    information: partial.information,
    uri: partial.uri,
    emails: partial.emails,
    phones: partial.phones,
    connection: partial.connection,
    bandwidths: partial.bandwidths,
    times: partial.times,
    timeZones: partial.timeZones,
    key: partial.key,
    attributes: partial.attributes,
    media: partial.media,
  };
  return sdp;
}

/**
 * Via work of a proxy: the stateless branch (RFC 3261 §16.11), loop detection (§16.3 step
 * 4), `received`/`rport` on the received top Via (§18.2.1, RFC 3581) and splicing our own
 * Via into the serialized request. The message object is never changed, so one request
 * can be serialized for several destinations.
 */
import type { SipMessage, Via } from '@tsips/sip';

/** FNV-1a (32 bits) over the UTF-16 code units of several strings, with a separator. */
export function hash32(parts: readonly (string | number | null)[], seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const p of parts) {
    const s = p === null ? '' : typeof p === 'number' ? String(p) : p;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

const MAGIC = 'z9hG4bK';
/** Our stateless branches: MAGIC + "sl" + 8 hex (loop invariants) + 8 hex (transaction). */
const SL_PREFIX = `${MAGIC}sl`;

/** The part of a request that stays the same when it loops back to us (RFC 3261 §16.6 step 8). */
function loopHash(msg: SipMessage): string {
  const original = msg.originalRuri;
  return hex8(hash32([msg.callId(), msg.fromTag(), msg.toTag(), msg.cseq().seq, original]));
}

/**
 * The branch of a statelessly forwarded request: the same for every retransmission (and
 * for the ACK and CANCEL of an INVITE, which share its top Via branch), different for a
 * new transaction.
 */
export function statelessBranch(msg: SipMessage): string {
  const top = msg.topVia();
  const tx =
    top.branch !== null && top.branch.startsWith(MAGIC)
      ? hash32([top.branch, top.host, top.port])
      : hash32([top.raw, msg.callId(), msg.cseq().seq, msg.fromTag(), msg.originalRuri]);
  return `${SL_PREFIX}${loopHash(msg)}${hex8(tx)}`;
}

/**
 * A request looping back to us: its top Via is ours and carries the branch we would give
 * it now (only the loop-invariant part is compared: a spiral, whose Request-URI changed
 * before it came back, is not a loop).
 */
export function isLoop(msg: SipMessage, isMine: (host: string, port: number | null, proto: string) => boolean): boolean {
  const top = msg.topVia();
  const b = top.branch;
  if (b === null || !b.startsWith(SL_PREFIX) || b.length !== SL_PREFIX.length + 16) return false;
  if (!isMine(top.host, top.port, top.transport.toLowerCase())) return false;
  return b.slice(SL_PREFIX.length, SL_PREFIX.length + 8) === loopHash(msg);
}

function bare(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 0x5b && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** What the received top Via needs: `received` when the source differs from sent-by or rport is asked; rport when asked or forced. */
export function viaAnnotation(top: Via, srcIp: string, srcPort: number, forceRport: boolean): { received: string | null; rport: number | null } {
  const wantsRport = top.rport !== null || forceRport;
  const received = wantsRport || bare(top.host) !== srcIp ? srcIp : null;
  return { received, rport: wantsRport ? srcPort : null };
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Position of the first ',' outside quotes/angle brackets in s[start, end), or -1. */
function topComma(s: Buffer, start: number, end: number): number {
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) return i;
  }
  return -1;
}

/**
 * The first Via value in a serialized message: [value start, value end) as byte offsets, or
 * null. Scans the bytes (header names and separators are ASCII), so no string of the whole
 * message is made for it.
 */
function findFirstVia(s: Buffer): { lineStart: number; valueStart: number; valueEnd: number } | null {
  const len = s.length;
  let pos = s.indexOf(0x0a) + 1;
  if (pos === 0) return null;
  while (pos < len) {
    let eol = s.indexOf(0x0a, pos);
    if (eol === -1) eol = len;
    const lineEndNoCr = eol > pos && s[eol - 1] === 0x0d ? eol - 1 : eol;
    if (lineEndNoCr === pos) return null; // end of headers
    let colon = -1;
    for (let i = pos; i < lineEndNoCr; i++) {
      if (s[i] === 0x3a) {
        colon = i;
        break;
      }
    }
    if (colon !== -1) {
      let ne = colon;
      while (ne > pos && (s[ne - 1] === 0x20 || s[ne - 1] === 0x09)) ne--;
      const n = ne - pos;
      const isVia =
        (n === 1 && (s[pos]! | 0x20) === 0x76) ||
        (n === 3 && (s[pos]! | 0x20) === 0x76 && (s[pos + 1]! | 0x20) === 0x69 && (s[pos + 2]! | 0x20) === 0x61);
      if (isVia) {
        // The header may continue on folded lines.
        let end = lineEndNoCr;
        let next = eol + 1;
        while (next < len && (s[next] === 0x20 || s[next] === 0x09)) {
          let e2 = s.indexOf(0x0a, next);
          if (e2 === -1) e2 = len;
          end = e2 > next && s[e2 - 1] === 0x0d ? e2 - 1 : e2;
          next = e2 + 1;
        }
        let vs = colon + 1;
        while (vs < end && isWs(s[vs]!)) vs++;
        const comma = topComma(s, vs, end);
        let ve = comma === -1 ? end : comma;
        while (ve > vs && isWs(s[ve - 1]!)) ve--;
        return { lineStart: pos, valueStart: vs, valueEnd: ve };
      }
    }
    pos = eol + 1;
  }
  return null;
}

/** A Via value with `received` replaced/added and `rport` filled in (RFC 3581 §4). */
function annotateValue(value: string, received: string | null, rport: number | null): string {
  const parts: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3b) {
      parts.push(value.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(value.slice(from));
  const out: string[] = [parts[0]!];
  let rportDone = false;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    const name = (eq === -1 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name === 'received' && received !== null) continue;
    if (name === 'rport' && rport !== null) {
      out.push(`rport=${rport}`);
      rportDone = true;
      continue;
    }
    out.push(p);
  }
  if (rport !== null && !rportDone) out.push(`rport=${rport}`);
  if (received !== null) out.push(`received=${received}`);
  return out.join(';');
}

/**
 * `data` (a serialized SIP message) with `received`/`rport` set on its first Via value and,
 * when `newVia` is given, a `Via: newVia` line inserted before every other header.
 */
export function spliceVia(data: Buffer, newVia: string | null, received: string | null, rport: number | null): Buffer {
  const needAnnotation = received !== null || rport !== null;
  if (!needAnnotation && newVia === null) return data;
  const firstNl = data.indexOf(0x0a) + 1;
  const viaLine = newVia === null ? null : Buffer.from(`Via: ${newVia}\r\n`, 'latin1');
  if (!needAnnotation) return Buffer.concat([data.subarray(0, firstNl), viaLine!, data.subarray(firstNl)]);
  const v = findFirstVia(data);
  if (v === null) {
    return viaLine === null ? data : Buffer.concat([data.subarray(0, firstNl), viaLine, data.subarray(firstNl)]);
  }
  const value = Buffer.from(annotateValue(data.toString('latin1', v.valueStart, v.valueEnd), received, rport), 'latin1');
  const parts: Buffer[] = [data.subarray(0, firstNl)];
  if (viaLine !== null) parts.push(viaLine);
  parts.push(data.subarray(firstNl, v.valueStart), value, data.subarray(v.valueEnd));
  return Buffer.concat(parts);
}

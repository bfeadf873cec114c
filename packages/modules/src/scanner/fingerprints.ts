/**
 * Fingerprints of SIP scanners. Two families:
 *
 * - `ua`: the User-Agent header matches one of a list of patterns (the classic
 *   `$ua =~ "friendly-scanner"` idiom, with a longer default list).
 * - `sv_*`: marks the sipvicious tools (svmap, svwar, svcrack) leave in every request
 *   whatever User-Agent they are patched to send, found by reading sipvicious 0.3.3
 *   (libs/svhelper.py makeRequest/createTag, svmap.py, svwar.py, svcrack.py) and checked
 *   against packets captured from the tools (fixtures/sipvicious-captured.json).
 *
 * Every check works on the raw header values (no full parse, nothing thrown for a
 * malformed header) and allocates little: a regular expression test or a character loop.
 */
import type { RuntimeMessage } from '@tsips/script';

/** One fingerprint a request can be checked against. */
export type FingerprintName = 'ua' | 'sv_tag' | 'sv_from' | 'sv_contact' | 'sv_ids' | 'sv_order';

export const FINGERPRINTS: readonly FingerprintName[] = ['ua', 'sv_tag', 'sv_from', 'sv_contact', 'sv_ids', 'sv_order'];

/** Names that stand for several fingerprints. */
export const FINGERPRINT_CLASSES: Readonly<Record<string, readonly FingerprintName[]>> = {
  all: FINGERPRINTS,
  sipvicious: ['sv_tag', 'sv_from', 'sv_contact', 'sv_ids', 'sv_order'],
};

/** Bit of each fingerprint in a selection mask. */
export const FP_BIT: Readonly<Record<FingerprintName, number>> = {
  ua: 1,
  sv_tag: 2,
  sv_from: 4,
  sv_contact: 8,
  sv_ids: 16,
  sv_order: 32,
};

/**
 * Parses a fingerprint selection ("ua,sipvicious", "sv_tag sv_ids", "all") into a bit
 * mask. Throws with a message naming the bad word.
 */
export function parseFingerprints(text: string): number {
  let mask = 0;
  const words = text.split(/[\s,|]+/).filter((w) => w !== '');
  if (words.length === 0) throw new Error('empty fingerprint list (use names like ua, sipvicious, sv_tag, all)');
  for (const raw of words) {
    const w = raw.toLowerCase();
    const cls = FINGERPRINT_CLASSES[w];
    if (cls !== undefined) {
      for (const f of cls) mask |= FP_BIT[f];
      continue;
    }
    if ((FINGERPRINTS as readonly string[]).includes(w)) {
      mask |= FP_BIT[w as FingerprintName];
      continue;
    }
    throw new Error(`unknown fingerprint '${raw}' (known: ${[...Object.keys(FINGERPRINT_CLASSES), ...FINGERPRINTS].join(', ')})`);
  }
  return mask;
}

/**
 * Default User-Agent patterns (case-insensitive regular expressions, unanchored unless
 * written with ^). Only names of attack tools and of spoofs seen from them: clients that
 * are also used legitimately (sipsak, sipp, eyeBeam, X-Lite, PortSIP SDK, "Asterisk PBX")
 * are left to the operator's `ua_patterns`.
 */
export const DEFAULT_UA_PATTERNS: readonly string[] = [
  'friendly-scanner', // sipvicious default (libs/svhelper.py makeRequest useragent=)
  'friendly-request', // renamed sipvicious builds seen in the wild
  'sipvicious',
  '^sipcli', // sipcli/v1.8 brute forcer
  'sip-?scan', // sip-scan, SIPScan
  'sunday-?a?ddr', // sundayddr (and the sundayaddr spelling)
  '^iwar', // iWar war dialer
  '^vax(sip|ip)useragent', // VaxSIPUserAgent / VaxIPUserAgent SDK, a favourite of SIP brute forcers
  'pplsip',
  'siparmyknife',
  '^sivus', // SIVuS scanner
  '^smap', // smap SIP mapper
  'nmap nse', // nmap's SIP scripts ("Nmap NSE")
  '^asterix pbx', // misspelt Asterisk spoof of scanners
];

/** Compiles UA patterns (case-insensitive); throws naming the bad pattern. */
export function compileUaPatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => {
    try {
      return new RegExp(p, 'i');
    } catch (e) {
      throw new Error(`bad User-Agent pattern '${p}': ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

/** The User-Agent check: index of the first matching pattern, or -1. */
export function matchUa(ua: string, patterns: readonly RegExp[], combined: RegExp | null): number {
  if (combined !== null && !combined.test(ua)) return -1;
  for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(ua)) return i;
  return -1;
}

/** One alternation of all patterns, tested first so a clean UA costs one regex run. */
export function combinePatterns(patterns: readonly RegExp[]): RegExp | null {
  if (patterns.length === 0) return null;
  return new RegExp(patterns.map((p) => `(?:${p.source})`).join('|'), 'i');
}

// ---- sipvicious structural marks -------------------------------------------------------

/** svcrack's fixed From tag of the first (unauthenticated) REGISTER ("Embedding value"). */
const SVCRACK_TAG = '3206210844';

const TAG_RE = /;\s*tag\s*=\s*([^;,\s>]+)/i;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * sipvicious createTag(): hex of `<text>\x01<decimal random>`. True when the tag is hex
 * that decodes to at least one printable byte, a 0x01 byte, then 3..10 ASCII digits
 * (getrandbits(32) in decimal) and nothing else.
 */
export function isSipviciousTag(tag: string): boolean {
  if (tag === SVCRACK_TAG) return true;
  const n = tag.length;
  if (n < 10 || n % 2 !== 0) return false;
  let sep = -1;
  for (let i = 0; i < n; i += 2) {
    const hi = hexVal(tag.charCodeAt(i));
    const lo = hexVal(tag.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return false;
    const b = hi * 16 + lo;
    if (sep < 0) {
      if (b === 1) {
        if (i === 0) return false;
        sep = i;
      } else if (b < 0x20 || b > 0x7e) {
        return false;
      }
    } else if (b < 0x30 || b > 0x39) {
      return false;
    }
  }
  if (sep < 0) return false;
  const digits = (n - sep - 2) / 2;
  return digits >= 3 && digits <= 10;
}

/** `"sipvicious"<sip:...>` (svmap's default --fromname) as a display name. */
const SV_DISPLAY_RE = /^\s*"?\s*sipvicious\s*"?\s*</i;
/** svmap's default From address sip:100@1.1.1.1, and svcrack's Contact sip:123@1.1.1.1. */
const SV_HOST_RE = /sips?:(?:[^@>;]*@)?1\.1\.1\.1(?![\d.])/i;
/** svmap REGISTER sends `Contact: None` (Python None formatted); svwar's ACK `sip:None@host`. */
const SV_CONTACT_NONE_RE = /^\s*(?:None\s*$|<?sips?:None@)/;

export function svFrom(msg: RuntimeMessage): boolean {
  const from = msg.getHeader('From');
  if (from !== undefined && (SV_DISPLAY_RE.test(from) || SV_HOST_RE.test(from))) return true;
  const to = msg.getHeader('To');
  return to !== undefined && SV_DISPLAY_RE.test(to);
}

export function svTag(msg: RuntimeMessage): boolean {
  const from = msg.getHeader('From');
  if (from === undefined) return false;
  const m = TAG_RE.exec(from);
  return m !== null && isSipviciousTag(m[1]!);
}

export function svContact(msg: RuntimeMessage): boolean {
  const c = msg.getHeader('Contact');
  if (c === undefined) return false;
  return SV_CONTACT_NONE_RE.test(c) || SV_HOST_RE.test(c);
}

/** `branch=z9hG4bK-<getrandbits(32)>` in the top Via... */
const SV_BRANCH_RE = /;\s*branch\s*=\s*z9hG4bK-\d{1,10}(?=[;,\s]|$)/i;
/** ...together with a Call-ID that is a bare decimal number (getrandbits(32) or (80)). */
const SV_CALLID_RE = /^\s*\d{1,25}\s*$/;

export function svIds(msg: RuntimeMessage): boolean {
  const via = msg.getHeader('Via');
  if (via === undefined) return false;
  const comma = via.indexOf(',');
  const top = comma < 0 ? via : via.slice(0, comma);
  if (!SV_BRANCH_RE.test(top)) return false;
  const cid = msg.getHeader('Call-ID');
  return cid !== undefined && SV_CALLID_RE.test(cid);
}

const COMPACT: Readonly<Record<string, string>> = {
  v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type',
};

/**
 * Header order of makeRequest(): a Python dict filled in a fixed order. User-Agent is
 * skipped (a renamed UA is still where it was; a removed one leaves the rest in order),
 * an Authorization or Proxy-Authorization may follow (svcrack).
 */
const SV_ORDER_FULL = ['via', 'max-forwards', 'to', 'from', 'call-id', 'contact', 'cseq', 'accept', 'content-length'];
const SV_ORDER_COMPACT = ['via', 'to', 'from', 'call-id', 'contact', 'cseq', 'max-forwards', 'accept', 'content-length'];

export function svOrder(msg: RuntimeMessage): boolean {
  const names = msg.headerNames();
  return orderMatches(names, SV_ORDER_FULL) || orderMatches(names, SV_ORDER_COMPACT);
}

function orderMatches(names: readonly string[], expected: readonly string[]): boolean {
  let j = 0;
  for (let i = 0; i < names.length; i++) {
    const raw = names[i]!;
    let n = raw.toLowerCase();
    if (n.length === 1) n = COMPACT[n] ?? n;
    if (n === 'user-agent') continue;
    if (j < expected.length) {
      if (n !== expected[j]) return false;
      j++;
      continue;
    }
    // After Content-Length only the credentials makeRequest appends last.
    if (n !== 'authorization' && n !== 'proxy-authorization') return false;
  }
  return j === expected.length;
}

/** Structural checks in the order is_scanner() runs them (cheapest first). */
export const SV_CHECKS: readonly { name: FingerprintName; bit: number; test: (msg: RuntimeMessage) => boolean }[] = [
  { name: 'sv_tag', bit: FP_BIT.sv_tag, test: svTag },
  { name: 'sv_from', bit: FP_BIT.sv_from, test: svFrom },
  { name: 'sv_contact', bit: FP_BIT.sv_contact, test: svContact },
  { name: 'sv_ids', bit: FP_BIT.sv_ids, test: svIds },
  { name: 'sv_order', bit: FP_BIT.sv_order, test: svOrder },
];

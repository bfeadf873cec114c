/**
 * `ip.*` (OpenSIPS tr_eval_ip). Binary addresses (ip.pton output, ip.ntop
 * and ip.family input) are byte strings of 4 or 16 characters.
 */
import type { ScriptValue } from '../../values';
import { fromBytes, strArg, strOf, toBytes } from './common';
import type { TransformDef, TransformEnv } from './types';

/**
 * Dotted-quad IPv4 as OpenSIPS's str2ip reads it: four decimal parts of
 * one to three digits, no leading zeros, each at most 255.
 */
export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let k = 0; k < 4; k++) {
    const p = parts[k];
    if (p.length === 0 || p.length > 3) return null;
    if (p.length > 1 && p.charCodeAt(0) === 48) return null;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      v = v * 10 + (c - 48);
    }
    if (v > 255) return null;
    out[k] = v;
  }
  return out;
}

/**
 * IPv6 as OpenSIPS's str2ip6 reads it: optional surrounding brackets,
 * groups of one to four hex digits, at most one '::'. An embedded IPv4
 * tail (::ffff:1.2.3.4) is not accepted, as in OpenSIPS.
 */
export function parseIPv6(input: string): Uint8Array | null {
  let s = input;
  if (s.length > 0 && s[0] === '[') {
    if (s[s.length - 1] !== ']') return null;
    s = s.slice(1, -1);
  }
  if (s.length < 2) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const parseGroups = (t: string): number[] | null => {
    if (t.length === 0) return [];
    const gs = t.split(':');
    const out: number[] = [];
    for (const g of gs) {
      if (g.length === 0 || g.length > 4) return null;
      let v = 0;
      for (let i = 0; i < g.length; i++) {
        const c = g.charCodeAt(i);
        const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (h < 0) return null;
        v = (v << 4) | h;
      }
      out.push(v);
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const g = parseGroups(s);
    if (!g || g.length !== 8) return null;
    groups = g;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 255;
  }
  return out;
}

export function parseIp(s: string): Uint8Array | null {
  return parseIPv4(s) ?? parseIPv6(s);
}

/**
 * Text form as OpenSIPS prints it (ip_addr2a): IPv4 dotted decimal; IPv6 as
 * eight upper-case hex groups without leading zeros and WITHOUT '::'
 * compression ("0:0:0:0:0:0:0:1").
 */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[2 * i] << 8) | b[2 * i + 1]).toString(16).toUpperCase());
  return g.join(':');
}

const PRIVATE_V4: Array<[number, number]> = [
  [0x0a000000, 8], // 10/8 (RFC 1918)
  [0xac100000, 12], // 172.16/12 (RFC 1918)
  [0xc0a80000, 16], // 192.168/16 (RFC 1918)
  [0x64400000, 10], // 100.64/10 (RFC 6598)
  [0x7f000000, 8], // 127/8 (RFC 1122)
];

function isPrivate(s: string): boolean {
  const b = parseIPv4(s);
  if (!b) return false;
  const a = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  return PRIVATE_V4.some(([net, bits]) => (a & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0 === net);
}

function matches(ipText: string, netText: string): ScriptValue {
  const ip = parseIp(ipText);
  if (!ip) return null;
  const slash = netText.indexOf('/');
  if (slash < 0) return null;
  const net = parseIp(netText.slice(0, slash));
  if (!net) return null;
  const lenText = netText.slice(slash + 1);
  if (!/^[0-9]+$/.test(lenText)) return null;
  const bits = Number(lenText);
  if (bits > net.length * 8) return null;
  if (ip.length !== net.length) return null; // different address families: OpenSIPS errors
  for (let i = 0; i < ip.length; i++) {
    const left = Math.max(0, Math.min(8, bits - i * 8));
    const mask = left === 0 ? 0 : (0xff << (8 - left)) & 0xff;
    if ((ip[i] & mask) !== (net[i] & mask)) return 0;
  }
  return 1;
}

function nonEmpty(v: ScriptValue): string | null {
  if (v === null) return null;
  const s = strOf(v);
  return s.length > 0 ? s : null;
}

function resolve(v: ScriptValue, family: 0 | 4 | 6, env?: TransformEnv): ScriptValue {
  const s = nonEmpty(v);
  if (s === null) return null;
  // An address resolves to itself (of the requested family), as getaddrinfo does.
  const lit = parseIp(s);
  if (lit) {
    if (family === 4 && lit.length !== 4) return null;
    if (family === 6 && lit.length !== 16) return null;
    return formatIp(lit);
  }
  // The shorthand forms the resolver accepts as numbers (inet_aton: "127.2" is 127.0.0.2,
  // "0x7f.1" is 127.0.0.1, "2130706433" too): the address a peer would really reach, so a
  // script comparing it cannot be fooled by another spelling of the same address.
  const aton = family === 6 ? null : inetAton(s);
  if (aton) return formatIp(aton);
  if (!env?.resolveHost) return null;
  const r = env.resolveHost(s, family);
  if (r === null) return null;
  const b = parseIp(r);
  return b ? formatIp(b) : null;
}

/**
 * inet_aton(3): one to four parts, each decimal, octal (leading 0) or hex (0x); the last
 * part fills the remaining bytes. Null when the text is not such a number.
 */
export function inetAton(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) n = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = p.length > 1 ? parseInt(p.slice(1), 8) : 0;
    else if (/^[1-9][0-9]*$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return null;
  let value = last;
  nums.forEach((n, i) => {
    value += n * 2 ** (8 * (3 - i));
  });
  return Uint8Array.of(Math.floor(value / 2 ** 24) & 255, Math.floor(value / 2 ** 16) & 255, Math.floor(value / 256) & 255, value & 255);
}

function simple(name: string, f: (s: string) => ScriptValue): TransformDef {
  return {
    name,
    minArgs: 0,
    maxArgs: 0,
    args: [],
    apply(v) {
      const s = nonEmpty(v);
      return s === null ? null : f(s);
    },
  };
}

export const ipTransforms: TransformDef[] = [
  simple('ip.family', (s) => {
    const n = toBytes(s).length;
    return n === 4 ? 'INET' : n === 16 ? 'INET6' : null;
  }),
  simple('ip.ntop', (s) => {
    const b = toBytes(s);
    return b.length === 4 || b.length === 16 ? formatIp(b) : null;
  }),
  simple('ip.pton', (s) => {
    const b = parseIp(s);
    return b ? fromBytes(b) : null;
  }),
  simple('ip.isip', (s) => (parseIp(s) ? 1 : 0)),
  simple('ip.isip4', (s) => (parseIPv4(s) ? 1 : 0)),
  simple('ip.isip6', (s) => (parseIPv6(s) ? 1 : 0)),
  simple('ip.isprivate', (s) => (isPrivate(s) ? 1 : 0)),
  { name: 'ip.resolve', minArgs: 0, maxArgs: 0, args: [], apply: (v, _a, env) => resolve(v, 0, env) },
  { name: 'ip.resolve4', minArgs: 0, maxArgs: 0, args: [], apply: (v, _a, env) => resolve(v, 4, env) },
  { name: 'ip.resolve6', minArgs: 0, maxArgs: 0, args: [], apply: (v, _a, env) => resolve(v, 6, env) },
  {
    name: 'ip.matches',
    minArgs: 1,
    maxArgs: 1,
    args: ['str'],
    checkArgs(l) {
      const t = l[0];
      if (t === undefined) return undefined;
      const slash = t.indexOf('/');
      if (slash < 0) return `ip.matches: expected NET/BITS, got '${t}'`;
      const net = parseIp(t.slice(0, slash));
      if (!net) return `ip.matches: '${t.slice(0, slash)}' is not an IP address`;
      const bits = t.slice(slash + 1);
      if (!/^[0-9]+$/.test(bits) || Number(bits) > net.length * 8) return `ip.matches: invalid mask length '${bits}'`;
      return undefined;
    },
    apply(v, a) {
      const s = nonEmpty(v);
      const net = strArg(a[0]);
      if (s === null || net === undefined) return null;
      return matches(s, net);
    },
  },
];

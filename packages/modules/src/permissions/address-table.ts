/**
 * The cached address table of one permissions partition, shaped after OpenSIPS's
 * hash.c: groups in ascending id order; in each group a map of the entries by network
 * address (every entry, as OpenSIPS hashes them all) and, for the entries whose mask is
 * not a full host mask, a short list per address family ordered shortest prefix first
 * (the order OpenSIPS's prefix trie visits them). Later rows of the table are tried
 * before earlier ones with the same key (OpenSIPS prepends on insert).
 *
 * A table is immutable once built; a reload builds a new one and swaps it in the store.
 */
import { globToRegExp, ipText, parseIpInto } from '@tsips/script';

/** Transport names OpenSIPS's parse_proto knows (lower case). */
export const KNOWN_PROTOS: ReadonlySet<string> = new Set([
  'udp', 'tcp', 'tls', 'sctp', 'ws', 'wss', 'bin', 'bins', 'hep_udp', 'hep_tcp', 'hep_tls', 'smpp', 'msrp', 'msrps', 'ipsec',
]);

/**
 * OpenSIPS proto_char2int: '' and "any" are any protocol (null); a known name is itself
 * (lower case); anything else is undefined (an error).
 */
export function parseProto(text: string): string | null | undefined {
  if (KNOWN_PROTOS.has(text)) return text;
  const p = text.trim().toLowerCase();
  if (p === '' || p === 'any') return null;
  return KNOWN_PROTOS.has(p) ? p : undefined;
}

export interface AddressEntry {
  readonly grp: number;
  readonly family: 4 | 6;
  /** Network address (the IP with the host bits cleared), 4 or 16 bytes. */
  readonly net: Uint8Array;
  readonly mask: number;
  /** IPv4 only: network and mask as unsigned 32-bit numbers. */
  readonly net4: number;
  readonly mask4: number;
  readonly port: number;
  /** null: any protocol. */
  readonly proto: string | null;
  readonly pattern: string | null;
  readonly patternRe: RegExp | null;
  readonly info: string | null;
}

interface Group {
  readonly id: number;
  /** Entries by network address key (v4: the number; v6: hex text), latest row first. */
  readonly byNet: Map<number | string, AddressEntry[]>;
  /** Entries with a mask below the family's width, shortest prefix first, latest row first. */
  readonly sub4: AddressEntry[];
  readonly sub6: AddressEntry[];
  /** Every entry of the group in table order (for the MI dumps). */
  readonly all: AddressEntry[];
}

/** One row as read from the database (the columns of the address table). */
export interface AddressRow {
  grp: unknown;
  ip: unknown;
  mask: unknown;
  port: unknown;
  proto: unknown;
  pattern: unknown;
  info: unknown;
  id?: unknown;
}

/** An IP to look up, parsed once per call into a reused holder (see {@link lookupIp}). */
export interface LookupIp {
  family: 4 | 6;
  bytes: Uint8Array;
  v4: number;
}

/** A holder for {@link lookupIp}: one per module instance, so a lookup allocates nothing for IPv4. */
export function newLookupIp(): LookupIp {
  return { family: 4, bytes: new Uint8Array(16), v4: 0 };
}

const v6Key = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < 16; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
};

const v4Num = (b: Uint8Array): number => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;

const maskNum = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** Parses an IP text into `into`; null when it is not an IPv4/IPv6 address. */
export function lookupIp(text: string, into: LookupIp): LookupIp | null {
  const len = parseIpInto(text, into.bytes);
  if (len === 0) return null;
  into.family = len === 4 ? 4 : 6;
  into.v4 = len === 4 ? v4Num(into.bytes) : 0;
  return into;
}

/** FNM_PERIOD without FNM_PATHNAME: a leading '.' of the string must be matched by a literal '.'. */
function globMatch(pattern: string, re: RegExp, subject: string): boolean {
  if (subject.charCodeAt(0) === 46 /* . */) {
    const lead = pattern.startsWith('\\') ? pattern[1] : pattern[0];
    if (lead !== '.') return false;
  }
  return re.test(subject);
}

function entryMatches(e: AddressEntry, ip: LookupIp, port: number, proto: string | null, pattern: string | null): boolean {
  if (e.proto !== null && proto !== null && e.proto !== proto) return false;
  if (e.port !== 0 && port !== 0 && e.port !== port) return false;
  if (e.family !== ip.family) return false;
  if (ip.family === 4) {
    if (((ip.v4 & e.mask4) >>> 0) !== e.net4) return false;
  } else {
    const full = e.mask >> 3;
    for (let i = 0; i < full; i++) if (ip.bytes[i] !== e.net[i]) return false;
    const rest = e.mask & 7;
    if (rest !== 0 && ((ip.bytes[full]! & ((0xff << (8 - rest)) & 0xff)) !== e.net[full])) return false;
  }
  if (e.patternRe === null || pattern === null) return true;
  return globMatch(e.pattern!, e.patternRe, pattern);
}

export class AddressTable {
  private readonly groups: Group[];
  private readonly byId: Map<number, Group>;
  /** Rows skipped while loading, with the reason (logged by the caller). */
  readonly skipped: string[];
  readonly size: number;

  private constructor(groups: Group[], skipped: string[], size: number) {
    this.groups = groups;
    this.byId = new Map(groups.map((g) => [g.id, g]));
    this.skipped = skipped;
    this.size = size;
  }

  static empty(): AddressTable {
    return new AddressTable([], [], 0);
  }

  /** Builds a table from rows, skipping the invalid ones as OpenSIPS's reload_address_table does. */
  static fromRows(rows: readonly AddressRow[]): AddressTable {
    const skipped: string[] = [];
    const byId = new Map<number, Group>();
    const scratch = new Uint8Array(16);
    let size = 0;
    const intOf = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' ? Number(v) : null);
    rows.forEach((r, i) => {
      const where = `row ${i}${r.id !== undefined ? ` (id ${String(r.id)})` : ''}`;
      if (typeof r.ip !== 'string') return void skipped.push(`invalid IP column type on ${where}`);
      const grp = intOf(r.grp);
      if (grp === null || grp < 0) return void skipped.push(`invalid group column on ${where}`);
      const mask = intOf(r.mask);
      if (mask === null || mask < 0) return void skipped.push(`invalid mask column on ${where}`);
      const port = intOf(r.port);
      if (port === null) return void skipped.push(`invalid port column on ${where}`);
      if (typeof r.proto !== 'string') return void skipped.push(`invalid protocol column on ${where}`);
      if (r.pattern !== null && typeof r.pattern !== 'string') return void skipped.push(`invalid pattern column on ${where}`);
      if (r.info !== null && typeof r.info !== 'string') return void skipped.push(`invalid info column on ${where}`);
      if (r.ip === '') return void skipped.push(`empty ip field on ${where}`);
      const len = parseIpInto(r.ip.trim(), scratch);
      if (len === 0) return void skipped.push(`invalid ip <${r.ip}> on ${where}`);
      const width = len * 8;
      if (mask > width) return void skipped.push(`netmask ${mask} too large for <${r.ip}> on ${where}`);
      if (r.proto.trim().toLowerCase() === 'none') return void skipped.push(`protocol "none" on ${where}`);
      const proto = parseProto(r.proto);
      if (proto === undefined) return void skipped.push(`unknown protocol '${r.proto}' on ${where}`);
      const net = scratch.slice(0, len);
      for (let b = 0; b < len; b++) {
        const keep = Math.max(0, Math.min(8, mask - b * 8));
        net[b] = net[b]! & ((0xff << (8 - keep)) & 0xff);
      }
      const pattern = r.pattern === null || r.pattern === '' ? null : r.pattern;
      const entry: AddressEntry = {
        grp, family: len === 4 ? 4 : 6, net, mask,
        net4: len === 4 ? v4Num(net) : 0, mask4: len === 4 ? maskNum(mask) : 0,
        port, proto, pattern, patternRe: pattern === null ? null : globToRegExp(pattern),
        info: r.info === null || r.info === '' ? null : r.info,
      };
      let g = byId.get(grp);
      if (g === undefined) {
        g = { id: grp, byNet: new Map(), sub4: [], sub6: [], all: [] };
        byId.set(grp, g);
      }
      const key = len === 4 ? entry.net4 : v6Key(net);
      const list = g.byNet.get(key);
      if (list === undefined) g.byNet.set(key, [entry]);
      else list.unshift(entry);
      if (mask !== width) {
        const subs = len === 4 ? g.sub4 : g.sub6;
        // Shortest prefix first; among equal prefixes the later row comes first.
        let at = 0;
        while (at < subs.length && subs[at]!.mask < mask) at++;
        subs.splice(at, 0, entry);
      }
      g.all.push(entry);
      size++;
    });
    const groups = [...byId.values()].sort((a, b) => a.id - b.id);
    return new AddressTable(groups, skipped, size);
  }

  private matchInGroup(g: Group, ip: LookupIp, port: number, proto: string | null, pattern: string | null): AddressEntry | null {
    const exact = g.byNet.get(ip.family === 4 ? ip.v4 : v6Key(ip.bytes));
    if (exact !== undefined) {
      for (let i = 0; i < exact.length; i++) if (entryMatches(exact[i]!, ip, port, proto, pattern)) return exact[i]!;
    }
    const subs = ip.family === 4 ? g.sub4 : g.sub6;
    for (let i = 0; i < subs.length; i++) if (entryMatches(subs[i]!, ip, port, proto, pattern)) return subs[i]!;
    return null;
  }

  /**
   * OpenSIPS pm_hash_match: the first entry of the group (0 = any group, tried in
   * ascending order) matching ip, port (0 = any), proto (null = any) and pattern.
   * 'no-group' when a non-zero group has no entries at all.
   */
  match(group: number, ip: LookupIp, port: number, proto: string | null, pattern: string | null): AddressEntry | null | 'no-group' {
    if (group !== 0) {
      const g = this.byId.get(group);
      if (g === undefined) return 'no-group';
      return this.matchInGroup(g, ip, port, proto, pattern);
    }
    for (let i = 0; i < this.groups.length; i++) {
      const e = this.matchInGroup(this.groups[i]!, ip, port, proto, pattern);
      if (e !== null) return e;
    }
    return null;
  }

  /** OpenSIPS pm_hash_find_group: the lowest group with an entry for ip and port (any protocol, no pattern). */
  findGroup(ip: LookupIp, port: number): number {
    for (let i = 0; i < this.groups.length; i++) {
      if (this.matchInGroup(this.groups[i]!, ip, port, null, null) !== null) return this.groups[i]!.id;
    }
    return -1;
  }

  /** The entries for the MI dumps: full host masks (`subnets` false) or the others. */
  dump(subnets: boolean): Array<Record<string, string | number>> {
    const out: Array<Record<string, string | number>> = [];
    for (const g of this.groups) {
      for (const e of g.all) {
        const width = e.family === 4 ? 32 : 128;
        if ((e.mask !== width) !== subnets) continue;
        let mask = String(width);
        if (subnets) {
          const m = new Uint8Array(e.net.length);
          for (let b = 0; b < m.length; b++) m[b] = (0xff << (8 - Math.max(0, Math.min(8, e.mask - b * 8)))) & 0xff;
          mask = ipText(m);
        }
        out.push({
          grp: g.id, ip: ipText(e.net), mask, port: e.port, proto: e.proto ?? 'any',
          pattern: e.pattern ?? '', context_info: e.info ?? '',
        });
      }
    }
    return out;
  }
}

/**
 * Where the tables of the partitions live: a local map by default; a shared backend can
 * hold them for several processes later.
 */
export interface AddressStore {
  get(partition: string): AddressTable | undefined;
  set(partition: string, table: AddressTable): void;
}

export function localAddressStore(): AddressStore {
  const m = new Map<string, AddressTable>();
  return { get: (p) => m.get(p), set: (p, t) => void m.set(p, t) };
}

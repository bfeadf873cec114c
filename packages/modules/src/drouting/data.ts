/**
 * drouting's routing data: gateways, carriers and rules read from the dr_gateways /
 * dr_carriers / dr_rules tables (OpenSIPS's layouts), and the prefix lookup of rules per
 * group. A load builds a whole new {@link RoutingData}; a reload swaps it in at once.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { DbConnection, DbRow, DbValue } from '@tsips/core';
import { ipText, parseIpInto } from '@tsips/script';
import { parseTimeRec, timeRecMatches, type TimeRec } from './timerec';

const ipScratch = new Uint8Array(16);

/** One spelling per IPv6 address (2001:0db8::04 and 2001:db8::4 compare equal); IPv4 as is. */
export function canonicalIp(ip: string): string {
  if (ip.indexOf(':') < 0) return ip;
  const len = parseIpInto(ip, ipScratch);
  return len === 16 ? ipText(ipScratch.slice(0, 16)) : ip;
}

/** Gateway state bits (OpenSIPS DR_DST_STAT_* / DR_DST_PING_*). */
export const GW_DISABLED = 1;
/** Disabled by MI / db state 1: probing does not bring it back. */
export const GW_NO_ENABLE = 2;
export const GW_PROBE_WHEN_DISABLED = 4;
export const GW_PROBE_ALWAYS = 8;

export interface GwAddress {
  ip: string;
  port: number;
  proto: string;
}

export interface Gateway {
  id: string;
  type: number;
  /** The address as the table has it without "sip:" and user part: host[:port][;params]. */
  ipStr: string;
  scheme: 'sip' | 'sips';
  host: string;
  /** The port written in the address, null when none. */
  port: number | null;
  proto: string;
  /** Every address the gateway has (the host resolved at load). */
  addrs: GwAddress[];
  strip: number;
  priPrefix: string;
  attrs: string;
  probeMode: number;
  /** GW_* bits. */
  flags: number;
  socket: string | null;
  description: string;
}

export interface Carrier {
  id: string;
  gws: Array<{ gw: Gateway; weight: number }>;
  /** 0x1 use only the first usable gateway, 0x2 disabled. */
  flags: number;
  sortAlg: string;
  attrs: string;
  /** Disabled at run time (MI carrier_status, db state). */
  off: boolean;
}

export type RuleDest = { gw: Gateway; carrier: null; weight: number } | { gw: null; carrier: Carrier; weight: number };

export interface Rule {
  id: number;
  groups: number[];
  prefix: string;
  timerec: TimeRec | null;
  priority: number;
  routeId: string | null;
  dests: RuleDest[];
  sortAlg: string;
  attrs: string;
}

/** One node of the prefix tree: the rules whose prefix ends here, per group, by priority. */
interface PrefixNode {
  children: Map<string, PrefixNode>;
  rules: Map<number, Rule[]>;
}

export interface RoutingData {
  gateways: Map<string, Gateway>;
  carriers: Map<string, Carrier>;
  rules: Rule[];
  root: PrefixNode;
  /** Gateways by address (is_from_gw & co. look an IP up without walking every gateway). */
  byIp: Map<string, Gateway[]>;
  loadedAt: number;
}

export interface LoadConfig {
  gwTable: string;
  rulesTable: string;
  carriersTable: string;
  persistentState: boolean;
  extraPrefixChars: string;
  extraIdChars: string;
  log(level: number, text: string): void;
}

function text(v: DbValue | undefined): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function num(v: DbValue | undefined, dflt = 0): number {
  if (v === null || v === undefined || v === '') return dflt;
  const n = Number(v);
  return Number.isFinite(n) ? n : dflt;
}

/** Splits a gateway address into scheme, host, port and transport (OpenSIPS add_dst). */
export function parseGwAddress(address: string): { scheme: 'sip' | 'sips'; ipStr: string; host: string; port: number | null; proto: string } | string {
  let a = address.trim();
  let scheme: 'sip' | 'sips' = 'sip';
  if (/^sips:/i.test(a)) {
    scheme = 'sips';
    a = a.slice(5);
  } else if (/^sip:/i.test(a)) a = a.slice(4);
  const at = a.indexOf('@');
  if (at >= 0) a = a.slice(at + 1);
  const ipStr = a;
  const semi = a.indexOf(';');
  const hostport = semi < 0 ? a : a.slice(0, semi);
  const params = semi < 0 ? '' : a.slice(semi + 1);
  let host: string;
  let portText: string | null = null;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return `bad IPv6 reference in '${address}'`;
    host = hostport.slice(1, close);
    const rest = hostport.slice(close + 1);
    if (rest.startsWith(':')) portText = rest.slice(1);
    else if (rest !== '') return `bad address '${address}'`;
  } else {
    const colon = hostport.lastIndexOf(':');
    host = colon < 0 ? hostport : hostport.slice(0, colon);
    if (colon >= 0) portText = hostport.slice(colon + 1);
  }
  if (host === '' || /[\s/]/.test(host)) return `bad host in '${address}'`;
  let port: number | null = null;
  if (portText !== null) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `bad port in '${address}'`;
    port = Number(portText);
  }
  let proto = scheme === 'sips' ? 'tls' : 'udp';
  for (const p of params.split(';')) {
    const m = /^transport=(.+)$/i.exec(p.trim());
    if (m !== null) proto = m[1]!.toLowerCase();
  }
  return { scheme, ipStr, host, port, proto };
}

function defaultPort(proto: string): number {
  return proto === 'tls' || proto === 'wss' ? 5061 : 5060;
}

async function resolveHost(host: string, log: LoadConfig['log']): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  try {
    const r = await dns.lookup(host, { all: true });
    return r.map((x) => x.address);
  } catch (e) {
    log(-1, `drouting: cannot resolve gateway host '${host}': ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
}

/** A rule/carrier gateway list: "gw1,gw2=10,#carrier=5" (',' or ';' separated). */
export function parseGwList(list: string): Array<{ id: string; carrier: boolean; weight: number }> | string {
  const out: Array<{ id: string; carrier: boolean; weight: number }> = [];
  for (const raw of list.split(/[,;]/)) {
    let item = raw.trim();
    if (item === '') continue;
    let weight = 1;
    const eq = item.indexOf('=');
    if (eq >= 0) {
      const w = item.slice(eq + 1).trim();
      if (!/^\d+$/.test(w)) return `bad weight '${w}' in '${list}'`;
      weight = Number(w);
      item = item.slice(0, eq).trim();
    }
    const carrier = item.startsWith('#');
    if (carrier) item = item.slice(1).trim();
    if (item === '') return `empty id in '${list}'`;
    out.push({ id: item, carrier, weight });
  }
  return out;
}

function validId(id: string, extra: string): boolean {
  for (const c of id) if (!/[A-Za-z0-9]/.test(c) && !extra.includes(c)) return false;
  return id !== '';
}

const SORT_ALGS = new Set(['N', 'W', '']);

/**
 * Reads the three tables into a new RoutingData. Bad rows are skipped with an error log
 * (as OpenSIPS does); an unknown table or a query failure throws.
 */
export async function loadRoutingData(db: DbConnection, cfg: LoadConfig, previous: RoutingData | null, inheritState: boolean): Promise<RoutingData> {
  const gateways = new Map<string, Gateway>();
  const gwRows: DbRow[] = await db.query(cfg.gwTable);
  for (const row of gwRows) {
    const id = text(row.gwid);
    if (!validId(id, cfg.extraIdChars)) {
      cfg.log(-1, `drouting: gateway id '${id}' has invalid characters, skipped`);
      continue;
    }
    const addr = parseGwAddress(text(row.address));
    if (typeof addr === 'string') {
      cfg.log(-1, `drouting: gateway '${id}': ${addr}, skipped`);
      continue;
    }
    const probeMode = num(row.probe_mode);
    const state = cfg.persistentState ? num(row.state) : 0;
    if (probeMode < 0 || probeMode > 2) {
      cfg.log(-1, `drouting: gateway '${id}': bad probe_mode ${probeMode}, skipped`);
      continue;
    }
    if (state < 0 || state > 2) {
      cfg.log(-1, `drouting: gateway '${id}': bad state ${state}, skipped`);
      continue;
    }
    let flags = probeMode === 1 ? GW_PROBE_WHEN_DISABLED : probeMode === 2 ? GW_PROBE_ALWAYS : 0;
    if (state === 1) flags |= GW_DISABLED | GW_NO_ENABLE;
    else if (state === 2) flags |= GW_DISABLED;
    const old = previous?.gateways.get(id);
    if (inheritState && old !== undefined) flags = (flags & ~(GW_DISABLED | GW_NO_ENABLE)) | (old.flags & (GW_DISABLED | GW_NO_ENABLE));
    const port = addr.port ?? defaultPort(addr.proto);
    const ips = await resolveHost(addr.host, cfg.log);
    if (gateways.has(id)) cfg.log(-1, `drouting: duplicated gateway id '${id}', the last one is kept`);
    gateways.set(id, {
      id,
      type: num(row.type),
      ipStr: addr.ipStr,
      scheme: addr.scheme,
      host: addr.host,
      port: addr.port,
      proto: addr.proto,
      addrs: ips.map((ip) => ({ ip: canonicalIp(ip), port, proto: addr.proto })),
      strip: num(row.strip),
      priPrefix: text(row.pri_prefix),
      attrs: text(row.attrs),
      probeMode,
      flags,
      socket: text(row.socket) === '' ? null : text(row.socket),
      description: text(row.description),
    });
  }

  const carriers = new Map<string, Carrier>();
  const crRows: DbRow[] = await db.query(cfg.carriersTable);
  for (const row of crRows) {
    const id = text(row.carrierid);
    if (!validId(id, cfg.extraIdChars)) {
      cfg.log(-1, `drouting: carrier id '${id}' has invalid characters, skipped`);
      continue;
    }
    const list = parseGwList(text(row.gwlist));
    if (typeof list === 'string') {
      cfg.log(-1, `drouting: carrier '${id}': ${list}, skipped`);
      continue;
    }
    const sortAlg = text(row.sort_alg).toUpperCase();
    if (!SORT_ALGS.has(sortAlg)) {
      cfg.log(-1, `drouting: carrier '${id}': sort_alg '${sortAlg}' is not supported (N or W), skipped`);
      continue;
    }
    const gws: Carrier['gws'] = [];
    for (const e of list) {
      const gw = e.carrier ? undefined : gateways.get(e.id);
      if (gw === undefined) {
        cfg.log(-1, `drouting: carrier '${id}': unknown gateway '${e.id}', ignored`);
        continue;
      }
      gws.push({ gw, weight: e.weight });
    }
    const flags = num(row.flags);
    let off = (flags & 2) !== 0 || (cfg.persistentState && num(row.state) !== 0);
    const old = previous?.carriers.get(id);
    if (inheritState && old !== undefined) off = old.off;
    carriers.set(id, { id, gws, flags, sortAlg, attrs: text(row.attrs), off });
  }

  const rules: Rule[] = [];
  const root: PrefixNode = { children: new Map(), rules: new Map() };
  const ruleRows: DbRow[] = await db.query(cfg.rulesTable);
  const prefixOk = (p: string) => [...p].every((c) => (c >= '0' && c <= '9') || cfg.extraPrefixChars.includes(c));
  for (const row of ruleRows) {
    const id = num(row.ruleid);
    const groups: number[] = [];
    let bad: string | null = null;
    for (const g of text(row.groupid).split(',')) {
      const t = g.trim();
      if (t === '') continue;
      if (!/^\d+$/.test(t)) bad = `bad group '${t}'`;
      else groups.push(Number(t));
    }
    const prefix = text(row.prefix).trim();
    if (bad === null && !prefixOk(prefix)) bad = `prefix '${prefix}' has characters other than digits (see extra_prefix_chars)`;
    const tr = parseTimeRec(text(row.timerec) === '' ? null : text(row.timerec));
    if (bad === null && typeof tr === 'string') bad = tr;
    const list = parseGwList(text(row.gwlist));
    if (bad === null && typeof list === 'string') bad = list;
    const sortAlg = text(row.sort_alg).toUpperCase();
    if (bad === null && !SORT_ALGS.has(sortAlg)) bad = `sort_alg '${sortAlg}' is not supported (N or W)`;
    if (bad !== null || typeof tr === 'string' || typeof list === 'string') {
      cfg.log(-1, `drouting: rule ${id}: ${bad ?? 'invalid'}, skipped`);
      continue;
    }
    const dests: RuleDest[] = [];
    for (const e of list) {
      if (e.carrier) {
        const c = carriers.get(e.id);
        if (c === undefined) cfg.log(-1, `drouting: rule ${id}: unknown carrier '${e.id}', ignored`);
        else dests.push({ gw: null, carrier: c, weight: e.weight });
      } else {
        const gw = gateways.get(e.id);
        if (gw === undefined) cfg.log(-1, `drouting: rule ${id}: unknown gateway '${e.id}', ignored`);
        else dests.push({ gw, carrier: null, weight: e.weight });
      }
    }
    const routeId = text(row.routeid).trim();
    const rule: Rule = { id, groups, prefix, timerec: tr, priority: num(row.priority), routeId: routeId === '' ? null : routeId, dests, sortAlg, attrs: text(row.attrs) };
    rules.push(rule);
    let node = root;
    for (const c of prefix) {
      let next = node.children.get(c);
      if (next === undefined) {
        next = { children: new Map(), rules: new Map() };
        node.children.set(c, next);
      }
      node = next;
    }
    for (const g of groups) {
      let list2 = node.rules.get(g);
      if (list2 === undefined) node.rules.set(g, (list2 = []));
      list2.push(rule);
    }
  }
  // Highest priority first; equal priorities keep the table order.
  const sortNode = (n: PrefixNode): void => {
    for (const l of n.rules.values()) l.sort((a, b) => b.priority - a.priority);
    for (const c of n.children.values()) sortNode(c);
  };
  sortNode(root);
  const byIp = new Map<string, Gateway[]>();
  for (const g of gateways.values()) {
    for (const a of g.addrs) {
      const l = byIp.get(a.ip);
      if (l === undefined) byIp.set(a.ip, [g]);
      else if (!l.includes(g)) l.push(g);
    }
  }
  return { gateways, carriers, rules, root, byIp, loadedAt: Date.now() };
}

const pathScratch: PrefixNode[] = [];

/** Where a rule lookup is: the rule found, and how far up the prefix tree fallback may go. */
export interface RuleMatch {
  rule: Rule;
  /** Length of the prefix matched. */
  depth: number;
  /** Index of the rule within its node's list (for fallback to the next rule at the same length). */
  index: number;
}

/**
 * Longest-prefix rule of a group for a number at a time (OpenSIPS get_prefix): from the
 * longest prefix of `number` in the tree, the first rule (by priority) whose time
 * recurrence holds; shorter prefixes when none does. `strict` (flag L): only a prefix as
 * long as the number. `after`: continue after this match (rule fallback).
 */
export function findRule(data: RoutingData, group: number, number: string, nowSec: number, strict: boolean, after: { depth: number; index: number } | null = null): RuleMatch | null {
  // The walk down the tree goes into a reused array (lookups are synchronous).
  const path = pathScratch;
  path[0] = data.root;
  let len = 1;
  let node = data.root;
  for (let i = 0; i < number.length; i++) {
    const next = node.children.get(number[i]!);
    if (next === undefined) break;
    node = next;
    path[len++] = node;
  }
  let depth = len - 1;
  let start = 0;
  if (after !== null) {
    depth = Math.min(depth, after.depth);
    start = after.index + 1;
  }
  for (; depth >= 0; depth--, start = 0) {
    if (strict && depth !== number.length) {
      if (depth < number.length) break;
      continue;
    }
    const list = path[depth]!.rules.get(group);
    if (list === undefined) continue;
    for (let i = start; i < list.length; i++) {
      const r = list[i]!;
      if (r.timerec === null || timeRecMatches(r.timerec, nowSec)) return { rule: r, depth, index: i };
    }
  }
  return null;
}

/** Orders a weighted list (sort_alg W: a weighted random permutation; else as written). */
export function orderByAlg<T extends { weight: number }>(items: readonly T[], alg: string, rand: () => number = Math.random): T[] {
  if (alg !== 'W' || items.length < 2) return [...items];
  const pool = [...items];
  const out: T[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, x) => s + x.weight, 0);
    let pick = 0;
    if (total > 0) {
      let r = rand() * total;
      for (pick = 0; pick < pool.length - 1; pick++) {
        r -= pool[pick]!.weight;
        if (r < 0) break;
      }
    }
    out.push(pool.splice(pick, 1)[0]!);
  }
  return out;
}

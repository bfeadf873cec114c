/**
 * The core blacklists (OpenSIPS blacklists.c): named lists of (proto, IP/mask, port, pattern)
 * rules an outgoing request is checked against before it is sent. A request route turns lists
 * on for its message with use_blacklist() (a bit per list, at most 32 lists); lists written
 * `name/default:{...}` are on for every message. tm (t_relay branches) and the core's
 * stateless forward() ask {@link BlacklistStore.check} with the destination and the bytes
 * about to be sent; a match refuses the send (E_IP_BLOCKED: 473, t_relay -5).
 *
 * Matching is OpenSIPS's: port 0 = any, proto null = any, the IP masked by the rule's
 * netmask (IPv4 and IPv6; a rule never matches the other family), and the pattern a shell
 * glob (fnmatch without flags: `*` crosses line ends) matched against the WHOLE outgoing
 * request text. A `!` rule matches everything its fields do not match.
 *
 * Lives in @tsips/script because the script's core functions and the core's send paths
 * both reach it through ScriptTables; the core re-exports it.
 */
import type { CoreParam } from '../syntax/ast';

export const MAX_BLACKLISTS = 32;

export interface BlacklistRule {
  /** `!`: the rule matches what does not match its fields (an exception). */
  negated: boolean;
  /** Lower-case transport, null = any. */
  proto: string | null;
  family: 4 | 6;
  /** Network bytes (already masked) and mask bytes, 4 or 16 long. */
  net: Uint8Array;
  mask: Uint8Array;
  /** 0 = any. */
  port: number;
  /** The glob as written; null when left out or empty. */
  pattern: string | null;
  re: RegExp | null;
  /** Epoch ms the rule goes away; 0 = never. */
  expireAt: number;
}

export interface BlacklistHead {
  readonly name: string;
  /** "script" for dst_blacklist, else the module that made it ("drouting"). */
  readonly owner: string;
  readonly readonly: boolean;
  readonly expire: boolean;
  readonly byDefault: boolean;
  /** Bit of the list in a message's mask. */
  readonly bit: number;
  rules: BlacklistRule[];
  /** Rules with an expiry exist (checked lazily at match time). */
  hasExpiring: boolean;
}

export interface BlacklistFlags {
  readonly?: boolean;
  expire?: boolean;
  byDefault?: boolean;
}

export interface RuleSpec {
  negated?: boolean;
  proto?: string | null;
  /** "10.0.0.0/8", "10.0.0.1", "::1/128", "10.0.0.0/255.0.0.0". */
  net: string;
  port?: number | null;
  pattern?: string | null;
}

// ------------------------------------------------------------------ IP parsing

/** Parses an IPv4/IPv6 literal into out (16 bytes long); returns 4, 16, or 0 when not an IP. No allocation. */
export function parseIpInto(s: string, out: Uint8Array): 0 | 4 | 16 {
  let end = s.length;
  let start = 0;
  if (end > 1 && s.charCodeAt(0) === 91 /* [ */ && s.charCodeAt(end - 1) === 93) {
    start = 1;
    end--;
  }
  const pct = s.indexOf('%', start);
  if (pct >= 0 && pct < end) end = pct;
  if (s.indexOf(':', start) < 0) return parseV4(s, start, end, out, 0) ? 4 : 0;
  return parseV6(s, start, end, out) ? 16 : 0;
}

function parseV4(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let digits = 0;
  let n = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || n > 255 || part > 3) return false;
      out[at + part] = n;
      part++;
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      if (++digits > 3) return false;
    } else return false;
  }
  return part === 4;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(s: string, start: number, end: number, out: Uint8Array): boolean {
  // Groups before and after '::' are written into out; the gap is zero-filled at the end.
  let w = 0; // byte index written
  let gap = -1; // byte index of '::'
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let j = i;
    let v = 0;
    while (j < end && j - i < 5) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    const c = j < end ? s.charCodeAt(j) : -1;
    if (c === 46 /* embedded IPv4 */) {
      if (w > 12) return false;
      if (!parseV4(s, i, end, out, w)) return false;
      w += 4;
      i = end;
      break;
    }
    if (j === i || j - i > 4 || w > 14) return false;
    out[w++] = v >> 8;
    out[w++] = v & 255;
    if (j === end) {
      i = end;
      break;
    }
    if (c !== 58) return false;
    if (s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = w;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gap < 0) return w === 16;
  if (w > 14) return false;
  const tail = w - gap;
  for (let k = tail - 1; k >= 0; k--) out[16 - tail + k] = out[gap + k]!;
  for (let k = gap; k < 16 - tail; k++) out[k] = 0;
  return true;
}

/** "ip", "ip/bits" or "ip/mask-ip" -> family, masked network and mask; a text error when bad. */
export function parseNet(text: string): { family: 4 | 6; net: Uint8Array; mask: Uint8Array } | string {
  const t = text.trim();
  const slash = t.indexOf('/');
  const ipText = slash < 0 ? t : t.slice(0, slash);
  const buf = new Uint8Array(16);
  const len = parseIpInto(ipText, buf);
  if (len === 0) return `'${ipText}' is not an IP address`;
  const mask = new Uint8Array(len);
  if (slash < 0) mask.fill(255);
  else {
    const m = t.slice(slash + 1).trim();
    if (m === '') return `empty netmask in '${t}'`;
    if (/^\d+$/.test(m)) {
      const bits = Number(m);
      if (bits > len * 8) return `netmask /${bits} is too long for '${ipText}'`;
      for (let b = 0; b < len; b++) {
        const left = bits - b * 8;
        mask[b] = left >= 8 ? 255 : left <= 0 ? 0 : (0xff << (8 - left)) & 255;
      }
    } else {
      const mb = new Uint8Array(16);
      if (parseIpInto(m, mb) !== len) return `invalid netmask '${m}'`;
      mask.set(mb.subarray(0, len));
    }
  }
  const net = buf.slice(0, len);
  for (let b = 0; b < len; b++) net[b] = net[b]! & mask[b]!;
  return { family: len === 4 ? 4 : 6, net, mask };
}

/** Text of an IPv4/IPv6 byte array (for MI). */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

// ------------------------------------------------------------------ patterns

/** An fnmatch(3) glob (no flags) as an anchored RegExp: `*`, `?`, `[...]` / `[!...]`, `\x`. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!' || glob[j] === '^') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, j);
      let neg = false;
      if (body[0] === '!' || body[0] === '^') {
        neg = true;
        body = body.slice(1);
      }
      body = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]').replace(/\[/g, '\\[');
      re += `[${neg ? '^' : ''}${body}]`;
      i = j;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$');
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

// ------------------------------------------------------------------ rules

const KNOWN_PROTOS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls', 'sctp', 'ws', 'wss', 'bin', 'bins', 'hep_udp', 'hep_tcp', 'hep_tls', 'smpp', 'msrp', 'msrps', 'ipsec']);

export function makeRule(spec: RuleSpec): BlacklistRule | string {
  const n = parseNet(spec.net);
  if (typeof n === 'string') return n;
  let proto = spec.proto === undefined || spec.proto === null ? null : spec.proto.trim().toLowerCase();
  if (proto === '' || proto === 'any') proto = null;
  if (proto !== null && !KNOWN_PROTOS.has(proto)) return `unknown protocol '${spec.proto}'`;
  const port = spec.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `invalid port ${port}`;
  const pattern = spec.pattern === undefined || spec.pattern === null || spec.pattern === '' ? null : spec.pattern;
  return {
    negated: spec.negated === true,
    proto,
    family: n.family,
    net: n.net,
    mask: n.mask,
    port,
    pattern,
    re: pattern === null ? null : globToRegExp(pattern),
    expireAt: 0,
  };
}

/** The MI/script rule text: `[!][proto,]ip[/mask][,port[,pattern]]` (OpenSIPS mi_bl_get_rule). */
export function parseRuleText(text: string): BlacklistRule | string {
  let t = text.trimStart();
  let negated = false;
  if (t.startsWith('!')) {
    negated = true;
    t = t.slice(1).trimStart();
  }
  const parts = t.split(',');
  let proto: string | null = null;
  let first = parts.shift()!.trim();
  const low = first.toLowerCase();
  if (low === 'any' || KNOWN_PROTOS.has(low)) {
    proto = low === 'any' ? null : low;
    first = (parts.shift() ?? '').trim();
  }
  let port = 0;
  let pattern: string | null = null;
  if (parts.length > 0) {
    const p = parts.shift()!.trim();
    if (!/^\d+$/.test(p)) return `invalid port '${p}'`;
    port = Number(p);
    if (parts.length > 0) pattern = parts.join(',');
  }
  return makeRule({ negated, proto, net: first, port, pattern });
}

function sameRule(a: BlacklistRule, b: BlacklistRule): boolean {
  if (a.negated !== b.negated || a.port !== b.port || a.proto !== b.proto || a.family !== b.family || a.pattern !== b.pattern) return false;
  // OpenSIPS compares the masked addresses (each with its own mask).
  for (let i = 0; i < a.net.length; i++) if (a.net[i] !== b.net[i]) return false;
  return true;
}

const scratch = new Uint8Array(16);

/** Port, proto and masked IP of a rule against a destination (ip bytes in `ip`, `len` 4 or 16). */
function fieldsMatch(r: BlacklistRule, proto: string, ip: Uint8Array, len: number, port: number): boolean {
  if (!((r.port === 0 || r.port === port) && (r.proto === null || r.proto === proto) && r.family === (len === 4 ? 4 : 6))) return false;
  const net = r.net;
  const mask = r.mask;
  for (let i = 0; i < len; i++) if ((ip[i]! & mask[i]!) !== net[i]) return false;
  return true;
}

/** One rule against a destination and the request text (OpenSIPS match_bl_rule). */
function matchRule(r: BlacklistRule, proto: string, ip: Uint8Array, len: number, port: number, text: string | null): boolean {
  let m = fieldsMatch(r, proto, ip, len, port);
  if (m && r.re !== null) m = text !== null && r.re.test(text);
  return r.negated ? !m : m;
}

export interface BlacklistView {
  name: string;
  owner: string;
  flags: string[];
  Rules: Array<Record<string, string | number>>;
}

/** The blacklists of one server: made by the script (dst_blacklist) and by modules. */
export class BlacklistStore {
  private readonly heads: BlacklistHead[] = [];
  private readonly byName = new Map<string, BlacklistHead>();
  /** Bits of the `default` lists: every message starts with them on. */
  defaultMask = 0;
  /** Bits of every list. */
  allMask = 0;
  now: () => number = Date.now;

  get size(): number {
    return this.heads.length;
  }

  lists(): readonly BlacklistHead[] {
    return this.heads;
  }

  get(name: string): BlacklistHead | undefined {
    return this.byName.get(name);
  }

  /** A new list (create_bl_head): its name must be new, at most 32 lists, readonly excludes expire. */
  create(name: string, owner: string, flags: BlacklistFlags = {}, rules: readonly BlacklistRule[] = []): BlacklistHead | string {
    if (this.byName.has(name)) return `blacklist '${name}' is defined twice`;
    if (this.heads.length >= MAX_BLACKLISTS) return `too many blacklists (at most ${MAX_BLACKLISTS})`;
    if (flags.readonly === true && flags.expire === true) return `blacklist '${name}': a read-only list cannot have expiring rules`;
    const head: BlacklistHead = {
      name,
      owner,
      readonly: flags.readonly === true,
      expire: flags.expire === true,
      byDefault: flags.byDefault === true,
      bit: 1 << this.heads.length,
      rules: [],
      hasExpiring: false,
    };
    for (const r of rules) if (!head.rules.some((q) => sameRule(q, r))) head.rules.push(r);
    this.heads.push(head);
    this.byName.set(name, head);
    this.allMask |= head.bit;
    if (head.byDefault) this.defaultMask |= head.bit;
    return head;
  }

  /**
   * Adds rules (add_list_to_head): duplicates are skipped; `expireSec` > 0 on an `expire` list
   * makes them temporary. Modules may add to their own lists even when no expire flag is set
   * (expireSec 0). Returns an error text for a read-only list or an expiry the list refuses.
   */
  add(head: BlacklistHead, rules: readonly BlacklistRule[], expireSec = 0): string | undefined {
    if (head.readonly) return `blacklist '${head.name}' is read-only`;
    if (expireSec > 0 && !head.expire) return `blacklist '${head.name}' has no expire support`;
    const at = expireSec > 0 ? this.now() + expireSec * 1000 : 0;
    for (const r of rules) {
      if (head.rules.some((q) => sameRule(q, r))) continue;
      r.expireAt = at;
      head.rules.push(r);
      if (at !== 0) head.hasExpiring = true;
    }
    return undefined;
  }

  /** Replaces every rule of a module's list (reload: drouting, dispatcher). */
  replace(head: BlacklistHead, rules: readonly BlacklistRule[]): string | undefined {
    if (head.readonly) return `blacklist '${head.name}' is read-only`;
    head.rules = [];
    head.hasExpiring = false;
    return this.add(head, rules);
  }

  /** Removes the rule equal to `rule` (same fields and flags); false when there is none. */
  remove(head: BlacklistHead, rule: BlacklistRule): boolean {
    const i = head.rules.findIndex((q) => sameRule(q, rule));
    if (i < 0) return false;
    head.rules.splice(i, 1);
    return true;
  }

  private purge(head: BlacklistHead, now: number): void {
    let keep = false;
    const out: BlacklistRule[] = [];
    for (const r of head.rules) {
      if (r.expireAt !== 0 && r.expireAt <= now) continue;
      if (r.expireAt !== 0) keep = true;
      out.push(r);
    }
    head.rules = out;
    head.hasExpiring = keep;
  }

  /** The first rule of `head` matching; null when none. `address` is an IP literal. */
  matchList(head: BlacklistHead, proto: string, address: string, port: number, text: string | Buffer | null): BlacklistRule | null {
    const len = parseIpInto(address, scratch);
    if (len === 0) return null;
    return this.matchParsed(head, proto, len, port, text === null ? null : typeof text === 'string' ? text : text.toString('latin1'));
  }

  private matchParsed(head: BlacklistHead, proto: string, len: number, port: number, text: string | null): BlacklistRule | null {
    if (head.hasExpiring) this.purge(head, this.now());
    const rules = head.rules;
    for (let i = 0; i < rules.length; i++) if (matchRule(rules[i]!, proto, scratch, len, port, text)) return rules[i]!;
    return null;
  }

  /**
   * The first list among `mask` whose rules refuse this send, or null (check_against_blacklist).
   * `data` is the outgoing request (turned into text only when a pattern rule is reached).
   */
  check(mask: number, proto: string, address: string, port: number, data: string | Buffer | null): BlacklistHead | null {
    if ((mask & this.allMask) === 0) return null;
    const len = parseIpInto(address, scratch);
    if (len === 0) return null;
    let text: string | null = null;
    let converted = false;
    const heads = this.heads;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if ((mask & h.bit) === 0) continue;
      if (h.hasExpiring) this.purge(h, this.now());
      const rules = h.rules;
      for (let k = 0; k < rules.length; k++) {
        const r = rules[k]!;
        let m = fieldsMatch(r, proto, scratch, len, port);
        // The request becomes text only when a pattern has to be tried.
        if (m && r.re !== null) {
          if (!converted) {
            converted = true;
            text = data === null ? null : typeof data === 'string' ? data : data.toString('latin1');
          }
          m = text !== null && r.re.test(text);
        }
        if (r.negated ? !m : m) return h;
      }
    }
    return null;
  }

  /** MI view of one list (list_blacklists). */
  view(head: BlacklistHead): BlacklistView {
    if (head.hasExpiring) this.purge(head, this.now());
    const flags: string[] = [];
    if (head.readonly) flags.push('read-only');
    if (head.expire) flags.push('expire');
    if (head.byDefault) flags.push('default');
    const now = this.now();
    return { name: head.name, owner: head.owner, flags, Rules: head.rules.map((r) => ruleView(r, head.expire, now)) };
  }

  /** Takes over every list of `other` (a script that checked): the lists this store had go away. */
  adopt(other: BlacklistStore): void {
    if (other === this) return;
    this.heads.length = 0;
    this.byName.clear();
    for (const h of other.heads) {
      this.heads.push(h);
      this.byName.set(h.name, h);
    }
    this.defaultMask = other.defaultMask;
    this.allMask = other.allMask;
  }

  /**
   * (Re)builds the script's lists from `dst_blacklist` core parameters and the lists modules
   * declare in their modparams (drouting define_blacklist, dispatcher ds_define_blacklist,
   * load_balancer lb_define_blacklist: created empty, filled by the module). Errors as text.
   */
  loadScript(coreParams: readonly CoreParam[], modparams: readonly { module: string; param: string; value: unknown }[]): string[] {
    this.heads.length = 0;
    this.byName.clear();
    this.defaultMask = 0;
    this.allMask = 0;
    const errors: string[] = [];
    for (const p of coreParams) {
      if (p.name.toLowerCase() !== 'dst_blacklist' || p.value.kind !== 'Blacklist') continue;
      const v = p.value;
      const rules: BlacklistRule[] = [];
      for (const e of v.entries) {
        const r = makeRule({ negated: e.negated, proto: e.proto, net: e.net.mask === null ? e.net.address : `${e.net.address}/${e.net.mask}`, port: e.port, pattern: e.pattern?.value ?? null });
        if (typeof r === 'string') errors.push(`dst_blacklist ${v.name}: ${r}`);
        else rules.push(r);
      }
      // Without flags a script list is read-only (OpenSIPS cfg.y); with flags, exactly those.
      const flags: BlacklistFlags =
        v.flags.length === 0 ? { readonly: true } : { readonly: v.flags.includes('readonly'), expire: v.flags.includes('expire'), byDefault: v.flags.includes('default') };
      const h = this.create(v.name, 'script', flags, rules);
      if (typeof h === 'string') errors.push(h);
    }
    for (const m of modparams) {
      const owner = MODULE_LISTS[`${m.module}:${m.param}`];
      if (owner === undefined || typeof m.value !== 'string') continue;
      const eq = m.value.indexOf('=');
      if (eq <= 0) continue;
      let name = m.value.slice(0, eq).trim();
      const colon = name.indexOf(':');
      if (colon >= 0 && m.module === 'drouting') name = name.slice(colon + 1).trim();
      if (name === '' || this.byName.has(name)) continue;
      const h = this.create(name, owner);
      if (typeof h === 'string') errors.push(h);
    }
    return errors;
  }
}

const MODULE_LISTS: Record<string, string> = {
  'drouting:define_blacklist': 'drouting',
  'dispatcher:ds_define_blacklist': 'dispatcher',
  'load_balancer:lb_define_blacklist': 'load_balancer',
};

function ruleView(r: BlacklistRule, expire: boolean, now: number): Record<string, string | number> {
  const o: Record<string, string | number> = {
    flags: r.negated ? 1 : 0,
    IP: ipText(r.net),
    Mask: ipText(r.mask),
    Proto: r.proto ?? 'any',
    Port: r.port,
  };
  if (r.pattern !== null) o.Match = r.pattern;
  if (expire && r.expireAt !== 0) o.Expire = Math.max(0, Math.round((r.expireAt - now) / 1000));
  return o;
}

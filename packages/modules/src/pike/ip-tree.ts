/**
 * The pike IP tree (the idea of OpenSIPS's ip_tree.c, written for one JS thread).
 *
 * One tree per address family; each level holds one byte of the address (4 levels for
 * IPv4, 16 for IPv6). A node only grows a child when it is hit often enough (a quarter of
 * the density within the current or previous sampling unit), so the tree expands the
 * prefixes that carry traffic and nothing else: hits from many addresses of one subnet
 * heat the shared prefix nodes, and once the prefix is expanded every further address of
 * that subnet is tracked from its first request on (it needs only `density` hits to turn
 * red instead of up to ~3x for a cold IPv4 address, ~9x for IPv6). Only complete addresses
 * (IP leaves) turn red, as in OpenSIPS.
 *
 * Counters come in pairs (previous and current sampling unit); {@link IpTree.swap} shifts
 * them at the end of each unit and unblocks red leaves that are no longer hot.
 * Tree leaves sit in a timer list ordered by expiry; {@link IpTree.clean} removes the ones
 * not hit for `timeoutMs` (remove_latency), and a parent whose last child went becomes a
 * leaf in the list itself. Memory is bounded: at `maxNodes` the stalest leaf that is not
 * red is evicted before a node is created.
 */

/** Outcome of {@link PikeStore.hit}, with OpenSIPS's pike_check_req codes. */
export const PIKE_OK = 1;
export const PIKE_RED = -1;
export const PIKE_NEW_RED = -2;

/**
 * Where pike keeps its counters. The local implementation is {@link IpTree}; a shared
 * backend (Redis) for several tsips instances can implement the same calls later.
 */
export interface PikeStore {
  /** One hit from the address in ip[0..len) (len 4 or 16) at `now` (ms): PIKE_OK, PIKE_RED or PIKE_NEW_RED. */
  hit(ip: Uint8Array, len: number, now: number): number;
  /** End of a sampling unit: counters shift, red addresses that are no longer hot are unblocked. */
  swap(): void;
  /** Removes nodes not hit for remove_latency. */
  clean(now: number): void;
  /** Red (blocked) addresses as text. */
  red(): string[];
  /** Unblocks an address now (MI pike:rm): its counters restart from zero. */
  unblock(ip: Uint8Array, len: number): 'ok' | 'not-found' | 'not-blocked';
  /** Nodes held (for the memory bound and tests). */
  readonly size: number;
}

export interface IpTreeOptions {
  /** reqs_density_per_unit. */
  density: number;
  /** remove_latency, in ms. */
  timeoutMs: number;
  /** Most nodes the tree holds (default {@link DEFAULT_MAX_NODES}). */
  maxNodes?: number;
  /** An address stopped being red (unblock by swap, by expiry, or by pike:rm). */
  onUnblock?: (ip: string, why: 'quiet' | 'expired' | 'mi') => void;
}

/** ~130 bytes a node: about 17 MB at the bound. */
export const DEFAULT_MAX_NODES = 131072;

const MAX_COUNT = 0xfffe;
/** A node with more children than this looks them up by byte instead of walking its list. */
const INDEX_AT = 8;

// Node flags.
const F_INTIMER = 1 << 1;
const F_IPLEAF = 1 << 2;
const F_RED = 1 << 3;

// Results of marking (as OpenSIPS's mark_node flags).
const NEW_NODE = 1 << 0;
const RED_NODE = 1 << 1;
const NEWRED_NODE = 1 << 2;
const NO_UPDATE = 1 << 3;

class IpNode {
  hitsPrev = 0;
  hitsCurr = 0;
  leafPrev = 0;
  leafCurr = 0;
  flags = 0;
  expires = 0;
  /** Siblings (children of the same parent, or roots of other first bytes: unused, roots are an array). */
  next: IpNode | null = null;
  prevSib: IpNode | null = null;
  kids: IpNode | null = null;
  /** Children by byte once there are more than {@link INDEX_AT} of them (the list stays for walks). */
  kidIndex: Array<IpNode | null> | null = null;
  kidCount = 0;
  /** Timer list links (a tree leaf is in the list). */
  tNext: IpNode | null = null;
  tPrev: IpNode | null = null;
  constructor(
    readonly byte: number,
    readonly parent: IpNode | null,
    /** 4 (IPv4 tree) or 16 (IPv6 tree). */
    readonly family: number,
  ) {}
}

/** The child of `n` for byte `b`, or null. */
function childOf(n: IpNode, b: number): IpNode | null {
  const idx = n.kidIndex;
  if (idx !== null) return idx[b]!;
  let k = n.kids;
  while (k !== null && k.byte !== b) k = k.next;
  return k;
}

export class IpTree implements PikeStore {
  private readonly v4: Array<IpNode | null> = new Array<IpNode | null>(256).fill(null);
  private readonly v6: Array<IpNode | null> = new Array<IpNode | null>(256).fill(null);
  /** Timer list sentinel: head.tNext is the first to expire, head.tPrev the last. */
  private readonly head = new IpNode(0, null, 0);
  private readonly density: number;
  private readonly quarter: number;
  private readonly timeoutMs: number;
  private readonly maxNodes: number;
  private readonly onUnblock: IpTreeOptions['onUnblock'];
  private count = 0;
  /** Leaves evicted because the tree was full. */
  evictions = 0;
  private readonly scratch = new Uint8Array(16);

  constructor(opts: IpTreeOptions) {
    this.density = opts.density;
    this.quarter = opts.density >> 2;
    this.timeoutMs = opts.timeoutMs;
    this.maxNodes = Math.max(2, opts.maxNodes ?? DEFAULT_MAX_NODES);
    this.onUnblock = opts.onUnblock;
    this.head.tNext = this.head;
    this.head.tPrev = this.head;
  }

  get size(): number {
    return this.count;
  }

  hit(ip: Uint8Array, len: number, now: number): number {
    const roots = len === 4 ? this.v4 : this.v6;
    // Longest prefix of the address present in the tree.
    let node: IpNode | null = roots[ip[0]!]!;
    let pos = 0;
    if (node !== null) {
      pos = 1;
      for (let k: IpNode | null; pos < len && (k = childOf(node, ip[pos]!)) !== null; pos++) node = k;
    }
    let flags = 0;
    let father: IpNode | null = null;
    if (pos === len) {
      const n = node!;
      n.flags |= F_IPLEAF;
      if (n.leafCurr < MAX_COUNT) n.leafCurr++;
      if ((n.flags & F_RED) === 0) {
        if (this.hotLeaf(n)) {
          flags = RED_NODE | NEWRED_NODE;
          n.flags |= F_RED;
        }
      } else flags = RED_NODE;
    } else if (pos === 0) {
      const n = this.newNode(ip[0]!, null, len);
      if (n === null) return PIKE_OK;
      n.hitsCurr = 1;
      roots[ip[0]!] = n;
      node = n;
      flags = NEW_NODE;
    } else {
      const n = node!;
      if (n.hitsCurr < MAX_COUNT) n.hitsCurr++;
      if (this.hotNonLeaf(n)) {
        const k = this.newNode(ip[pos]!, n, len);
        if (k === null) return PIKE_OK;
        // The child inherits its father's hits (minus the one that split it).
        if (n.hitsCurr >= 1) k.hitsCurr = n.hitsCurr - 1;
        if (n.kids !== null) {
          n.kids.prevSib = k;
          k.next = n.kids;
        }
        n.kids = k;
        if (++n.kidCount > INDEX_AT) {
          if (n.kidIndex === null) {
            n.kidIndex = new Array<IpNode | null>(256).fill(null);
            for (let c: IpNode | null = n.kids; c !== null; c = c.next) n.kidIndex[c.byte] = c;
          } else n.kidIndex[k.byte] = k;
        }
        father = n;
        node = k;
        flags = NEW_NODE;
      } else {
        // A prefix with few hits is not refreshed, so it expires (keeps the tree small).
        flags = NO_UPDATE;
      }
    }
    const n = node!;
    if ((flags & NEW_NODE) !== 0) {
      n.expires = now + this.timeoutMs;
      this.append(n);
      // The father stops being a tree leaf with its first child: out of the timer list.
      if (father !== null && (father.flags & F_IPLEAF) === 0 && father.kids!.next === null && (father.flags & F_INTIMER) !== 0) {
        this.unlinkTimer(father);
      }
    } else if (((n.flags & F_IPLEAF) !== 0 || n.kids === null) && (flags & NO_UPDATE) === 0) {
      n.expires = now + this.timeoutMs;
      this.unlinkTimer(n);
      this.append(n);
    }
    if ((flags & RED_NODE) !== 0) return (flags & NEWRED_NODE) !== 0 ? PIKE_NEW_RED : PIKE_RED;
    return PIKE_OK;
  }

  swap(): void {
    for (let i = 0; i < 256; i++) {
      const a = this.v4[i]!;
      if (a !== null) this.refresh(a);
      const b = this.v6[i]!;
      if (b !== null) this.refresh(b);
    }
  }

  clean(now: number): void {
    const head = this.head;
    while (head.tNext !== head && head.tNext!.expires <= now) this.expire(head.tNext!, now);
  }

  red(): string[] {
    const out: string[] = [];
    const walk = (n: IpNode | null): void => {
      for (; n !== null; n = n.next) {
        if ((n.flags & F_RED) !== 0) out.push(this.text(n));
        walk(n.kids);
      }
    };
    for (let i = 0; i < 256; i++) walk(this.v4[i]!);
    for (let i = 0; i < 256; i++) walk(this.v6[i]!);
    return out;
  }

  unblock(ip: Uint8Array, len: number): 'ok' | 'not-found' | 'not-blocked' {
    const n = this.find(ip, len);
    if (n === null) return 'not-found';
    if ((n.flags & F_RED) === 0) return 'not-blocked';
    n.flags &= ~F_RED;
    n.hitsPrev = n.hitsCurr = n.leafPrev = n.leafCurr = 0;
    this.onUnblock?.(this.text(n), 'mi');
    return 'ok';
  }

  /** Whether the address is red now (tests, and the automatic mode's view). */
  isRed(ip: Uint8Array, len: number): boolean {
    const n = this.find(ip, len);
    return n !== null && (n.flags & F_RED) !== 0;
  }

  /** Depth of the longest prefix of the address held in the tree (0..len), for tests. */
  depthOf(ip: Uint8Array, len: number): number {
    let node: IpNode | null = (len === 4 ? this.v4 : this.v6)[ip[0]!]!;
    if (node === null) return 0;
    let pos = 1;
    for (let k: IpNode | null; pos < len && (k = childOf(node, ip[pos]!)) !== null; pos++) node = k;
    return pos;
  }

  private find(ip: Uint8Array, len: number): IpNode | null {
    let node: IpNode | null = (len === 4 ? this.v4 : this.v6)[ip[0]!]!;
    if (node === null) return null;
    let pos = 1;
    for (let k: IpNode | null; pos < len && (k = childOf(node, ip[pos]!)) !== null; pos++) node = k;
    return pos === len ? node : null;
  }

  private hotLeaf(n: IpNode): boolean {
    const m = this.density;
    return n.leafPrev >= m || n.leafCurr >= m || (n.leafPrev + n.leafCurr) >> 1 >= m;
  }

  private hotNonLeaf(n: IpNode): boolean {
    const q = this.quarter;
    return n.hitsPrev >= q || n.hitsCurr >= q || (n.hitsPrev + n.hitsCurr) >> 1 >= q;
  }

  private refresh(first: IpNode): void {
    for (let n: IpNode | null = first; n !== null; n = n.next) {
      n.hitsPrev = n.hitsCurr;
      n.hitsCurr = 0;
      n.leafPrev = n.leafCurr;
      n.leafCurr = 0;
      if ((n.flags & F_RED) !== 0 && !this.hotLeaf(n)) {
        n.flags &= ~F_RED;
        this.onUnblock?.(this.text(n), 'quiet');
      }
      if (n.kids !== null) this.refresh(n.kids);
    }
  }

  private newNode(byte: number, parent: IpNode | null, family: number): IpNode | null {
    if (this.count >= this.maxNodes && !this.evict(parent)) return null;
    this.count++;
    return new IpNode(byte, parent, family);
  }

  /**
   * Frees one node: the leaf closest to expiry that is not `keep`, sparing red leaves (a
   * flood of spoofed sources must not push a blocked address out) unless only they are left.
   */
  private evict(keep: IpNode | null): boolean {
    const head = this.head;
    let n = head.tNext!;
    let fallback: IpNode | null = null;
    while (n !== head && (n === keep || n.kids !== null || (n.flags & F_RED) !== 0)) {
      if (fallback === null && n !== keep && n.kids === null) fallback = n;
      n = n.tNext!;
    }
    if (n === head) {
      if (fallback === null) return false;
      n = fallback;
    }
    this.evictions++;
    this.expire(n, n.expires);
    return true;
  }

  /** A timer list node whose time came: removed (its father may become a leaf in the list). */
  private expire(n: IpNode, now: number): void {
    this.unlinkTimer(n);
    if (n.kids !== null) {
      // An IP leaf that is also a prefix (not possible with one tree per family); kept for its kids.
      n.flags &= ~F_IPLEAF;
      n.leafCurr = 0;
      return;
    }
    if ((n.flags & F_RED) !== 0) this.onUnblock?.(this.text(n), 'expired');
    const dad = n.parent;
    if (dad === null) {
      (n.family === 4 ? this.v4 : this.v6)[n.byte] = null;
    } else {
      if (dad.kids === n) dad.kids = n.next;
      else n.prevSib!.next = n.next;
      if (n.next !== null) n.next.prevSib = n.prevSib;
      dad.kidCount--;
      if (dad.kidIndex !== null) {
        if (dad.kidCount <= INDEX_AT >> 1) dad.kidIndex = null;
        else dad.kidIndex[n.byte] = null;
      }
      if (dad.kids === null && (dad.flags & F_INTIMER) === 0) {
        dad.expires = now + this.timeoutMs;
        this.append(dad);
      }
    }
    n.next = n.prevSib = null;
    this.count--;
  }

  private append(n: IpNode): void {
    const head = this.head;
    const last = head.tPrev!;
    n.tPrev = last;
    n.tNext = head;
    last.tNext = n;
    head.tPrev = n;
    n.flags |= F_INTIMER;
  }

  private unlinkTimer(n: IpNode): void {
    if ((n.flags & F_INTIMER) === 0) return;
    n.tPrev!.tNext = n.tNext;
    n.tNext!.tPrev = n.tPrev;
    n.tNext = n.tPrev = null;
    n.flags &= ~F_INTIMER;
  }

  private text(n: IpNode): string {
    const bytes = this.scratch;
    let depth = 0;
    for (let p: IpNode | null = n; p !== null; p = p.parent) depth++;
    let i = depth;
    for (let p: IpNode | null = n; p !== null; p = p.parent) bytes[--i] = p.byte;
    return formatIp(bytes, depth);
  }
}

/**
 * Parses an IP literal into out[0..16) without allocating: 4 for IPv4, 16 for IPv6 (an
 * IPv4-mapped IPv6 address stays IPv6, as the socket reports it), 0 when it is not one.
 * Brackets and a zone id (`%eth0`) are accepted.
 */
export function parseIpInto(s: string, out: Uint8Array): number {
  let start = 0;
  let end = s.length;
  if (end > 1 && s.charCodeAt(0) === 0x5b && s.charCodeAt(end - 1) === 0x5d) {
    start = 1;
    end--;
  }
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) return parseV6(s, start, end, out);
    if (c === 0x25) {
      end = i;
      break;
    }
  }
  return parseV4(s, start, end, out, 0) ? 4 : 0;
}

function parseV4(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let val = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && val === 0) return false; // no leading zeros (octal ambiguity)
      val = val * 10 + (c - 0x30);
      if (++digits > 3 || val > 255) return false;
    } else if (c === 0x2e) {
      if (digits === 0 || part === 3) return false;
      out[at + part++] = val;
      val = 0;
      digits = 0;
    } else return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[at + 3] = val;
  return true;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function parseV6(s: string, start: number, end: number, out: Uint8Array): number {
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 0x25) {
      end = i;
      break;
    }
  }
  let w = 0; // bytes written
  let gap = -1; // byte index of "::"
  let i = start;
  if (end - start >= 2 && s.charCodeAt(i) === 0x3a) {
    if (s.charCodeAt(i + 1) !== 0x3a) return 0;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0, 0, 16);
      return 16;
    }
  }
  while (i < end) {
    if (w >= 16) return 0;
    let val = 0;
    let digits = 0;
    const groupStart = i;
    while (i < end) {
      const h = hexVal(s.charCodeAt(i));
      if (h < 0) break;
      val = (val << 4) | h;
      if (++digits > 4) return 0;
      i++;
    }
    if (i < end && s.charCodeAt(i) === 0x2e) {
      // Embedded IPv4 in the last 32 bits.
      if (w > 12 || !parseV4(s, groupStart, end, out, w)) return 0;
      w += 4;
      i = end;
      break;
    }
    if (digits === 0) return 0;
    out[w++] = val >> 8;
    out[w++] = val & 0xff;
    if (i === end) break;
    if (s.charCodeAt(i) !== 0x3a) return 0;
    i++;
    if (i < end && s.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return 0;
      gap = w;
      i++;
      if (i === end) break;
    } else if (i === end) return 0;
  }
  if (gap < 0) return w === 16 ? 16 : 0;
  if (w >= 16) return 0;
  const tail = w - gap;
  out.copyWithin(16 - tail, gap, w);
  out.fill(0, gap, 16 - tail);
  return 16;
}

/** Text of an address in bytes[0..len): dotted IPv4, RFC 5952 IPv6. */
export function formatIp(bytes: Uint8Array, len: number): string {
  if (len === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number): string => groups.slice(a, b).map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

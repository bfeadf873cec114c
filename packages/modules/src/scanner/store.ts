/**
 * Behaviour state of the scanner module: per source address, the distinct users that
 * failed (unknown user or failed authentication) and the times of authentication failures,
 * both in a sliding window; and the blocked sources. Behind {@link ScannerStore} so a shared
 * backend (Redis) can replace the local one; every method may answer with a promise.
 *
 * Memory is bounded: watched sources live in an LRU of `maxSources` entries (the least
 * recently reporting one is forgotten first), blocked sources in a separate LRU of
 * `maxBlocked`, so a spray of reports from fresh addresses cannot push a blocked source out.
 * Per source at most `distinctUsers + 1` user names and `authFailures + 1` timestamps are
 * kept: one more and the source is blocked and its counters dropped.
 */
import { LRUCache } from 'lru-cache';

export type ReportKind = 'unknown_user' | 'auth_failure';
export type BlockReason = 'distinct_users' | 'auth_failures' | string;

export interface ScannerLimits {
  /** More distinct failing users than this in the window blocks; 0: not checked. */
  distinctUsers: number;
  /** More authentication failures than this in the window blocks; 0: not checked. */
  authFailures: number;
  windowMs: number;
  blockMs: number;
  maxSources: number;
  maxBlocked: number;
}

export interface BlockInfo {
  ip: string;
  reason: BlockReason;
  /** Distinct users seen in the window up to the block, oldest first. */
  users: string[];
  /** Authentication failures counted in the window up to the block. */
  failures: number;
  /** When the block started / ends (ms since the epoch). */
  since: number;
  until: number;
}

export interface WatchInfo {
  ip: string;
  users: string[];
  failures: number;
  /** Last report (ms). */
  last: number;
}

export type ReportOutcome =
  | { kind: 'counted'; users: number; failures: number }
  | { kind: 'blocked'; block: BlockInfo }
  | { kind: 'already_blocked'; block: BlockInfo };

type Maybe<T> = T | Promise<T>;

export interface ScannerStore {
  report(ip: string, kind: ReportKind, user: string, now: number): Maybe<ReportOutcome>;
  /** The block of the source, undefined when it is not (or no longer) blocked. */
  blocked(ip: string, now: number): Maybe<BlockInfo | undefined>;
  /** Blocks now; `fresh` false when it was already blocked (its block is then extended). */
  block(ip: string, reason: BlockReason, now: number): Maybe<{ block: BlockInfo; fresh: boolean }>;
  /** Lifts a block and forgets the source's counters; false when it was not blocked. */
  unblock(ip: string, now: number): Maybe<boolean>;
  listBlocked(now: number): Maybe<BlockInfo[]>;
  watched(ip: string, now: number): Maybe<WatchInfo | undefined>;
  counts(now: number): Maybe<{ watched: number; blocked: number }>;
}

/** User names are cut to this length before they are kept. */
const MAX_USER_LEN = 64;

interface SourceState {
  /** user -> last time it was reported; Map keeps insertion order (refreshed on re-report). */
  users: Map<string, number>;
  /** Times of authentication failures, oldest first. */
  failures: number[];
  last: number;
}

/** Local, in-process store. */
export class LocalScannerStore implements ScannerStore {
  private readonly watch: LRUCache<string, SourceState>;
  private readonly blocks: LRUCache<string, BlockInfo>;

  constructor(private readonly limits: ScannerLimits) {
    this.watch = new LRUCache({ max: Math.max(1, limits.maxSources) });
    this.blocks = new LRUCache({ max: Math.max(1, limits.maxBlocked) });
  }

  report(ip: string, kind: ReportKind, user: string, now: number): ReportOutcome {
    const current = this.blocked(ip, now);
    if (current !== undefined) return { kind: 'already_blocked', block: current };
    const { distinctUsers, authFailures, windowMs } = this.limits;
    let s = this.watch.get(ip);
    if (s === undefined) {
      s = { users: new Map(), failures: [], last: now };
      this.watch.set(ip, s);
    }
    s.last = now;
    const horizon = now - windowMs;
    for (const [u, t] of s.users) {
      // Oldest first: stop at the first user still inside the window.
      if (t > horizon) break;
      s.users.delete(u);
    }
    const f = s.failures;
    let old = 0;
    while (old < f.length && f[old]! <= horizon) old++;
    if (old > 0) f.splice(0, old);

    const name = user.length > MAX_USER_LEN ? user.slice(0, MAX_USER_LEN) : user;
    s.users.delete(name);
    s.users.set(name, now);
    if (kind === 'auth_failure') f.push(now);

    let reason: BlockReason | null = null;
    if (distinctUsers > 0 && s.users.size > distinctUsers) reason = 'distinct_users';
    else if (authFailures > 0 && f.length > authFailures) reason = 'auth_failures';
    if (reason === null) {
      // Keep the per-source state bounded even with a check switched off.
      if (distinctUsers === 0 && s.users.size > MAX_USERS_UNCHECKED) s.users.delete(s.users.keys().next().value!);
      if (authFailures === 0 && f.length > 0) f.length = 0;
      return { kind: 'counted', users: s.users.size, failures: f.length };
    }
    const block: BlockInfo = { ip, reason, users: [...s.users.keys()], failures: f.length, since: now, until: now + this.limits.blockMs };
    this.watch.delete(ip);
    this.blocks.set(ip, block);
    return { kind: 'blocked', block };
  }

  blocked(ip: string, now: number): BlockInfo | undefined {
    const b = this.blocks.get(ip);
    if (b === undefined) return undefined;
    if (b.until <= now) {
      this.blocks.delete(ip);
      return undefined;
    }
    return b;
  }

  block(ip: string, reason: BlockReason, now: number): { block: BlockInfo; fresh: boolean } {
    const current = this.blocked(ip, now);
    if (current !== undefined) {
      current.until = now + this.limits.blockMs;
      return { block: current, fresh: false };
    }
    const s = this.watch.get(ip);
    const horizon = now - this.limits.windowMs;
    const users = s === undefined ? [] : [...s.users].filter(([, t]) => t > horizon).map(([u]) => u);
    const failures = s === undefined ? 0 : s.failures.filter((t) => t > horizon).length;
    const block: BlockInfo = { ip, reason, users, failures, since: now, until: now + this.limits.blockMs };
    this.watch.delete(ip);
    this.blocks.set(ip, block);
    return { block, fresh: true };
  }

  unblock(ip: string, now: number): boolean {
    const was = this.blocked(ip, now) !== undefined;
    this.blocks.delete(ip);
    this.watch.delete(ip);
    return was;
  }

  listBlocked(now: number): BlockInfo[] {
    const out: BlockInfo[] = [];
    const expired: string[] = [];
    for (const [ip, b] of this.blocks.entries()) {
      if (b.until <= now) expired.push(ip);
      else out.push(b);
    }
    for (const ip of expired) this.blocks.delete(ip);
    return out.sort((a, b) => a.since - b.since || (a.ip < b.ip ? -1 : 1));
  }

  watched(ip: string, now: number): WatchInfo | undefined {
    const s = this.watch.peek(ip);
    if (s === undefined) return undefined;
    const horizon = now - this.limits.windowMs;
    const users = [...s.users].filter(([, t]) => t > horizon).map(([u]) => u);
    const failures = s.failures.filter((t) => t > horizon).length;
    if (users.length === 0 && failures === 0) return undefined;
    return { ip, users, failures, last: s.last };
  }

  counts(now: number): { watched: number; blocked: number } {
    return { watched: this.watch.size, blocked: this.listBlocked(now).length };
  }
}

/** Users kept per source when the distinct-user check is off (auth failures still need a name). */
const MAX_USERS_UNCHECKED = 16;

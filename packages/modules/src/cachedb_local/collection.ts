/**
 * One cachedb_local collection: keys with string values and an optional expiry, bounded
 * by a least-recently-used cap. Answers as OpenSIPS's hash.c does: fetch 1 / -2 missing or
 * expired, counter fetch -3 for a value that is not an integer, add keeps the expiry of an
 * existing key and creates a missing (or expired) one with the increment and the given
 * expiry. Expiry is in whole seconds ("ticks"): a key stored at second T with expiry E is
 * valid through second T+E and gone from T+E+1, as `expires < get_ticks()` in OpenSIPS.
 */
import { LRUCache } from 'lru-cache';
import type { CacheCounterOut, CacheDbEngine } from '@tsips/script';
import { globToRegExp } from './glob';

interface Entry {
  value: string;
  /** Second at which the key stops being valid (after it); 0 never. */
  expires: number;
}

export interface CollectionOptions {
  name: string;
  /** Most keys kept; storing one more drops the least recently used. */
  maxEntries: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Slow-operation warning threshold in microseconds (exec_threshold; 0: off). */
  execThresholdUs?: number;
  log?: (level: number, text: string) => void;
  /** Marked "/r" in cache_collections (replicated in OpenSIPS; tsips has no cluster). */
  replicated?: boolean;
}

const L_ERR = -1;
const L_WARN = 1;

/** OpenSIPS str2sint: optional sign then digits only ("" fails, "-" reads 0); wraps like a C int. */
export function strToSint(s: string): number | undefined {
  if (s.length === 0) return undefined;
  let i = 0;
  let sign = 1;
  if (s.charCodeAt(0) === 45) {
    sign = -1;
    i = 1;
  } else if (s.charCodeAt(0) === 43) i = 1;
  let r = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    r = (Math.imul(r, 10) + c) | 0;
  }
  return Math.imul(r, sign) | 0;
}

export class LocalCollection implements CacheDbEngine {
  readonly name: string;
  readonly replicated: boolean;
  readonly maxEntries: number;
  private readonly lru: LRUCache<string, Entry>;
  private readonly now: () => number;
  private readonly thresholdUs: number;
  private readonly log: (level: number, text: string) => void;
  /** Keys dropped to honour maxEntries since start. */
  evictions = 0;
  private lastGlob: { text: string; re: RegExp } | null = null;

  constructor(opts: CollectionOptions) {
    this.name = opts.name;
    this.replicated = opts.replicated ?? false;
    this.maxEntries = opts.maxEntries;
    this.now = opts.now;
    this.thresholdUs = opts.execThresholdUs ?? 0;
    this.log = opts.log ?? (() => undefined);
    this.lru = new LRUCache<string, Entry>({
      max: opts.maxEntries,
      disposeAfter: (_v, _k, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  /** Current second (OpenSIPS get_ticks()). */
  private ticks(): number {
    return Math.floor(this.now() / 1000);
  }

  private expiryOf(expires: number): number {
    return expires !== 0 ? this.ticks() + expires : 0;
  }

  private isExpired(e: Entry): boolean {
    return e.expires !== 0 && e.expires < this.ticks();
  }

  /** The live entry of a key (an expired one is deleted on the way, as OpenSIPS does). */
  private live(key: string): Entry | undefined {
    const e = this.lru.get(key);
    if (e === undefined) return undefined;
    if (this.isExpired(e)) {
      this.lru.delete(key);
      return undefined;
    }
    return e;
  }

  private timed<T>(op: string, key: string, f: () => T): T {
    const t0 = process.hrtime.bigint();
    const r = f();
    const us = Number((process.hrtime.bigint() - t0) / 1000n);
    if (us > this.thresholdUs) this.log(L_WARN, `opensips exec threshold exceeded : cachedb_local ${op} took too long - ${us} us. Source : ${key}`);
    return r;
  }

  get size(): number {
    return this.lru.size;
  }

  store(key: string, value: string, expires: number): number {
    return this.thresholdUs > 0 ? this.timed('insert', key, () => this.do_store(key, value, expires)) : this.do_store(key, value, expires);
  }

  private do_store(key: string, value: string, expires: number): number {
    this.lru.set(key, { value, expires: this.expiryOf(expires) });
    return 1;
  }

  remove(key: string): number {
    return this.thresholdUs > 0 ? this.timed('remove', key, () => this.do_remove(key)) : this.do_remove(key);
  }

  private do_remove(key: string): number {
    this.lru.delete(key);
    return 0;
  }

  fetch(key: string): string | number {
    return this.thresholdUs > 0 ? this.timed('fetch', key, () => this.do_fetch(key)) : this.do_fetch(key);
  }

  private do_fetch(key: string): string | number {
    const e = this.live(key);
    return e === undefined ? -2 : e.value;
  }

  fetchCounter(key: string, out: CacheCounterOut): number {
    return this.thresholdUs > 0 ? this.timed('fetch_counter', key, () => this.do_fetchCounter(key, out)) : this.do_fetchCounter(key, out);
  }

  private do_fetchCounter(key: string, out: CacheCounterOut): number {
    const e = this.live(key);
    if (e === undefined) return -2;
    const n = strToSint(e.value);
    if (n === undefined) {
      this.log(L_ERR, `Not a counter key: '${key}'`);
      return -3;
    }
    out.value = n;
    return 1;
  }

  add(key: string, delta: number, expires: number, out: CacheCounterOut): number {
    return this.thresholdUs > 0 ? this.timed('add', key, () => this.do_add(key, delta, expires, out)) : this.do_add(key, delta, expires, out);
  }

  private do_add(key: string, delta: number, expires: number, out: CacheCounterOut): number {
    const d = delta | 0;
    const e = this.live(key);
    if (e === undefined) {
      this.lru.set(key, { value: String(d), expires: this.expiryOf(expires) });
      out.value = d;
      return 0;
    }
    const old = strToSint(e.value);
    if (old === undefined) {
      this.log(L_ERR, `not an integer: key '${key}'`);
      return -1;
    }
    // The key keeps the expiry it was created with: a counter window is not sliding.
    const v = (old + d) | 0;
    e.value = String(v);
    out.value = v;
    return 0;
  }

  sub(key: string, delta: number, expires: number, out: CacheCounterOut): number {
    return this.add(key, -(delta | 0), expires, out);
  }

  private globRe(glob: string): RegExp {
    if (this.lastGlob === null || this.lastGlob.text !== glob) this.lastGlob = { text: glob, re: globToRegExp(glob) };
    return this.lastGlob.re;
  }

  /** Deletes every key matching the glob; returns how many went. */
  removeChunk(glob: string): number {
    return this.thresholdUs > 0 ? this.timed('remove_chunk', glob, () => this.do_removeChunk(glob)) : this.do_removeChunk(glob);
  }

  private do_removeChunk(glob: string): number {
    const re = this.globRe(glob);
    const doomed: string[] = [];
    for (const k of this.lru.keys()) if (re.test(k)) doomed.push(k);
    for (const k of doomed) this.lru.delete(k);
    return doomed.length;
  }

  /** The live keys matching the glob with their values (most recently used first). */
  fetchChunk(glob: string): Array<{ name: string; value: string }> {
    return this.timed('fetch_chunk', glob, () => {
      const re = this.globRe(glob);
      const out: Array<{ name: string; value: string }> = [];
      for (const [k, e] of this.lru.entries()) if (!this.isExpired(e) && re.test(k)) out.push({ name: k, value: e.value });
      return out;
    });
  }

  /** Drops the expired keys (the cache_clean_period sweep); returns how many went. */
  clean(): number {
    const now = this.ticks();
    const doomed: string[] = [];
    for (const [k, e] of this.lru.entries()) if (e.expires !== 0 && e.expires < now) doomed.push(k);
    for (const k of doomed) this.lru.delete(k);
    return doomed.length;
  }
}

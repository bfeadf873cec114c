/**
 * The core cache_* script functions and the core `cache:*` MI commands (OpenSIPS
 * core_cmds.c w_cache_* over cachedb/cachedb.c, and mi/mi_core.c). They resolve the
 * engine id per call and return what the backend returns, with OpenSIPS's mapping:
 * a backend 0 becomes 1 (success), negative codes pass through (-2 not found, ...).
 */
import { ALL_ROUTES, type FunctionExport, type MiExport, type ParamSpec, type PvRef } from '../exports/types';
import type { ScriptContext } from '../runtime/context';
import { type CacheCounterOut, type CacheDbEngine, type CacheDbProviders, CacheMiError, MI_INVALID_PARAMS, resolveCacheDb } from './engine';

type Code = number | Promise<number>;

function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Applies `f` to a value that may still be on its way. */
function then<T>(ctx: ScriptContext, fn: string, r: T | Promise<T>, f: (v: T) => number): Code {
  return isThenable(r) ? later(ctx, fn, r, f) : f(r);
}

/** OpenSIPS cachedb_*: a backend answer of 0 counts as success (1). */
function ok(code: number): number {
  return code === 0 ? 1 : code;
}

function failed(ctx: ScriptContext, fn: string, e: unknown): number {
  ctx.logError(`${fn}: ${e instanceof Error ? e.message : String(e)}`);
  return -1;
}

/** A pending engine answer: `f` on its value, a rejection (or a throw in `f`) becomes -1 with a log line. */
function later<T>(ctx: ScriptContext, fn: string, r: Promise<T>, f: (v: T) => number): Promise<number> {
  return r.then(f).catch((e: unknown) => failed(ctx, fn, e));
}

function setVar(ctx: ScriptContext, fn: string, ref: PvRef, value: string | number): number {
  try {
    ref.set(ctx, value);
    return 1;
  } catch (e) {
    ctx.logError(`${fn}: cannot set the variable value: ${e instanceof Error ? e.message : String(e)}`);
    return -1;
  }
}

const s = (name: string): ParamSpec => ({ name, kind: 'string' });
const outVar = (name: string, optional = false): ParamSpec => (optional ? { name, kind: 'var', writable: true, optional } : { name, kind: 'var', writable: true });

/** The core cache_* functions over the given engines. */
export function cacheFunctions(providers: CacheDbProviders): FunctionExport[] {
  /** The connection, or null after logging why there is none (the call then returns -1). */
  const engineOf = (ctx: ScriptContext, id: string): CacheDbEngine | null => {
    const r = resolveCacheDb(providers, id);
    if (typeof r === 'string') {
      ctx.logError(r);
      return null;
    }
    return r;
  };
  const emptyKey = (ctx: ScriptContext, key: string): boolean => {
    if (key !== '') return false;
    ctx.logError('attribute cannot be empty');
    return true;
  };
  const counterOp = (op: 'add' | 'sub') => (ctx: ScriptContext, id: string, key: string, delta: number, expires: number, out: PvRef | null): Code => {
    const fn = `cache_${op}`;
    if (emptyKey(ctx, key)) return -1;
    const e = engineOf(ctx, id);
    if (e === null) return -1;
    const call = e[op];
    if (call === undefined) {
      ctx.logError(`Engine ${id.split(':')[0]} does not support ${op} ops`);
      return -1;
    }
    const res: CacheCounterOut = { value: 0 };
    const done = (code: number): number => {
      const r = ok(code);
      if (r > 0 && out !== null) return setVar(ctx, fn, out, res.value) < 0 ? -1 : r;
      return r;
    };
    try {
      return then(ctx, fn, call.call(e, key, delta, expires, res), done);
    } catch (err) {
      return failed(ctx, fn, err);
    }
  };

  return [
    {
      name: 'cache_store',
      params: [s('storage_id'), s('attribute'), s('value'), { name: 'timeout', kind: 'int-or-var', optional: true }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, id: string, key: string, value: string, expires: number | null): Code => {
        if (emptyKey(ctx, key)) return -1;
        const e = engineOf(ctx, id);
        if (e === null) return -1;
        try {
          return then(ctx, 'cache_store', e.store(key, value, expires ?? 0), ok);
        } catch (err) {
          return failed(ctx, 'cache_store', err);
        }
      },
      doc: 'cache_store(storage_id, attribute, value[, timeout]): sets a key (timeout seconds, 0 or none: never expires)',
    },
    {
      name: 'cache_remove',
      params: [s('storage_id'), s('attribute')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, id: string, key: string): Code => {
        if (emptyKey(ctx, key)) return -1;
        const e = engineOf(ctx, id);
        if (e === null) return -1;
        try {
          return then(ctx, 'cache_remove', e.remove(key), ok);
        } catch (err) {
          return failed(ctx, 'cache_remove', err);
        }
      },
      doc: 'cache_remove(storage_id, attribute): deletes a key; false only for a bad storage_id',
    },
    {
      name: 'cache_fetch',
      params: [s('storage_id'), s('attribute'), outVar('result')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, id: string, key: string, out: PvRef): Code => {
        if (emptyKey(ctx, key)) return -1;
        const e = engineOf(ctx, id);
        if (e === null) return -1;
        try {
          const r = e.fetch(key);
          if (typeof r === 'string') return setVar(ctx, 'cache_fetch', out, r);
          if (typeof r === 'number') return ok(r);
          return later(ctx, 'cache_fetch', r, (v) => (typeof v === 'string' ? setVar(ctx, 'cache_fetch', out, v) : ok(v)));
        } catch (err) {
          return failed(ctx, 'cache_fetch', err);
        }
      },
      doc: 'cache_fetch(storage_id, attribute, result): reads a key into a variable; -2 when missing or expired',
    },
    {
      name: 'cache_counter_fetch',
      params: [s('storage_id'), s('attribute'), outVar('result')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, id: string, key: string, out: PvRef): Code => {
        if (emptyKey(ctx, key)) return -1;
        const e = engineOf(ctx, id);
        if (e === null) return -1;
        const res: CacheCounterOut = { value: 0 };
        const done = (code: number): number => {
          const r = ok(code);
          return r > 0 ? (setVar(ctx, 'cache_counter_fetch', out, res.value) < 0 ? -1 : r) : r;
        };
        try {
          return then(ctx, 'cache_counter_fetch', e.fetchCounter(key, res), done);
        } catch (err) {
          return failed(ctx, 'cache_counter_fetch', err);
        }
      },
      doc: 'cache_counter_fetch(storage_id, attribute, result): reads an integer key; -2 missing, -3 not an integer',
    },
    {
      name: 'cache_add',
      params: [s('storage_id'), s('attribute'), { name: 'increment', kind: 'int-or-var' }, { name: 'expire', kind: 'int-or-var' }, outVar('new_val', true)],
      routes: ALL_ROUTES,
      impl: counterOp('add'),
      doc: 'cache_add(storage_id, attribute, increment, expire[, new_val]): adds to a counter (created when missing)',
    },
    {
      name: 'cache_sub',
      params: [s('storage_id'), s('attribute'), { name: 'decrement', kind: 'int-or-var' }, { name: 'expire', kind: 'int-or-var' }, outVar('new_val', true)],
      routes: ALL_ROUTES,
      impl: counterOp('sub'),
      doc: 'cache_sub(storage_id, attribute, decrement, expire[, new_val]): subtracts from a counter',
    },
  ];
}

/** MI string parameter that must be present and not empty (mi_core.c checks). */
function required(p: Record<string, string>, name: string, what: string): string {
  const v = p[name];
  if (v === undefined) throw new CacheMiError(MI_INVALID_PARAMS, `Invalid params: missing '${name}'`);
  if (v === '') throw new CacheMiError(MI_INVALID_PARAMS, `Invalid params: ${what}`);
  return v;
}

function miEngine(providers: CacheDbProviders, system: string): CacheDbEngine {
  const e = resolveCacheDb(providers, system);
  if (typeof e === 'string') throw new CacheMiError(500, e);
  return e;
}

async function settle<T>(r: T | Promise<T>): Promise<T> {
  return r;
}

/** The core MI commands cache:store, cache:fetch, cache:remove (3.x names as aliases). */
export function cacheMi(providers: CacheDbProviders): MiExport[] {
  return [
    {
      name: 'cache:store',
      aliases: ['cache_store'],
      params: [{ name: 'system' }, { name: 'attr' }, { name: 'value' }, { name: 'expire', optional: true }],
      handler: async (p) => {
        const system = required(p, 'system', 'Empty memory cache id');
        let expires = 0;
        if (p['expire'] !== undefined) {
          if (!/^[+-]?\d+$/.test(p['expire'].trim())) throw new CacheMiError(MI_INVALID_PARAMS, "Invalid params: 'expire' is not an integer");
          expires = Number(p['expire'].trim());
          if (expires < 0) throw new CacheMiError(MI_INVALID_PARAMS, 'Invalid params: Negative expire value');
        }
        const attr = required(p, 'attr', 'Empty attribute name');
        const value = required(p, 'value', 'Empty value');
        const code = await settle(miEngine(providers, system).store(attr, value, expires));
        if (code < 0) throw new CacheMiError(500, 'Cache store command failed');
        return 'OK';
      },
      doc: 'Stores a string value under a key of a cache engine (optional expire in seconds).',
    },
    {
      name: 'cache:fetch',
      aliases: ['cache_fetch'],
      params: [{ name: 'system' }, { name: 'attr' }],
      handler: async (p) => {
        const system = required(p, 'system', 'Empty memory cache id');
        const attr = required(p, 'attr', 'Empty attribute name');
        const v = await settle(miEngine(providers, system).fetch(attr));
        if (v === -2 || v === '') throw new CacheMiError(400, 'Value not found');
        if (typeof v === 'number') throw new CacheMiError(500, 'Cache fetch command failed');
        return { key: attr, value: v };
      },
      doc: 'Reads the value of a key of a cache engine.',
    },
    {
      name: 'cache:remove',
      aliases: ['cache_remove'],
      params: [{ name: 'system' }, { name: 'attr' }],
      handler: async (p) => {
        const system = required(p, 'system', 'Empty memory cache id');
        const attr = required(p, 'attr', 'Empty attribute name');
        const code = await settle(miEngine(providers, system).remove(attr));
        if (code < 0) throw new CacheMiError(500, 'Cache remove command failed');
        return 'OK';
      },
      doc: 'Deletes a key of a cache engine.',
    },
  ];
}

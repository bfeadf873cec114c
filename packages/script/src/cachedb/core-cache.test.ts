/**
 * The core cache_* functions against a fake asynchronous engine (as a network backend
 * answers): results come through promises, the 0 -> 1 mapping, error paths.
 */
import { ModuleRegistry, ModuleTableError } from '../exports/registry';
import type { ModuleExports } from '../exports/types';
import { createCoreModule, createModuleRegistry } from '../runtime/core-module';
import { ScriptTestKit } from '../testkit/testkit';
import type { CacheCounterOut, CacheDbEngine } from './engine';
import { parseCacheDbId, resolveCacheDb } from './engine';

const MSG = `
OPTIONS sip:a@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
From: <sip:b@example.com>;tag=1
To: <sip:a@example.com>
Call-ID: c1
CSeq: 1 OPTIONS
Content-Length: 0
`;

/** A Map behind promises; "boom" keys throw, "reject" keys reject. */
function asyncEngine(withCounters: boolean): { engine: CacheDbEngine; data: Map<string, string>; calls: string[] } {
  const data = new Map<string, string>();
  const calls: string[] = [];
  const later = <T>(v: T): Promise<T> => new Promise((r) => setImmediate(() => r(v)));
  const engine: CacheDbEngine = {
    store: (k, v, exp) => {
      calls.push(`store ${k}=${v} ${exp}`);
      if (k === 'boom') throw new Error('connection lost');
      if (k === 'reject') return Promise.reject(new Error('timeout'));
      data.set(k, v);
      return later(0);
    },
    remove: (k) => {
      calls.push(`remove ${k}`);
      data.delete(k);
      return later(0);
    },
    fetch: (k) => later(data.get(k) ?? -2),
    fetchCounter: (k, out: CacheCounterOut) => {
      const v = data.get(k);
      if (v === undefined) return later(-2);
      out.value = Number(v);
      return later(1);
    },
  };
  if (withCounters) {
    engine.add = (k, d, exp, out) => {
      calls.push(`add ${k} ${d} ${exp}`);
      const v = Number(data.get(k) ?? 0) + d;
      data.set(k, String(v));
      out.value = v;
      return later(0);
    };
    engine.sub = (k, d, exp, out) => engine.add!(k, -d, exp, out);
  }
  return { engine, data, calls };
}

function fakeModule(name: string, scheme: string, groups: Record<string, CacheDbEngine>): ModuleExports {
  return { name, cachedb: { scheme, connection: (g) => groups[g ?? ''] } };
}

describe('core cache functions with an asynchronous engine', () => {
  it('store, fetch, counters and remove go through promises and set the variables', async () => {
    const main = asyncEngine(true);
    const other = asyncEngine(true);
    const registry = createModuleRegistry([fakeModule('cachedb_fake', 'fake', { '': main.engine, c1: other.engine })]);
    const kit = ScriptTestKit.fromText(`loadmodule "cachedb_fake.so"
route {
  cache_store("fake", "k", "v$ci", 30); $var(s) = $rc;
  cache_store("fake:c1", "k", "other"); $var(s2) = $rc;
  cache_fetch("fake", "k", $var(v)); $var(f) = $rc;
  cache_fetch("fake", "missing", $var(m)); $var(fm) = $rc;
  cache_add("fake", "n", 5, 10, $var(a)); $var(ra) = $rc;
  cache_sub("fake", "n", 2, 10, $var(b));
  cache_counter_fetch("fake", "n", $var(c)); $var(rc) = $rc;
  cache_remove("fake", "k"); $var(r) = $rc;
}`, registry);
    const out = await kit.run(MSG);
    expect(out.vars).toEqual({ s: 1, s2: 1, v: 'vc1', f: 1, fm: -2, a: 5, ra: 1, b: 3, c: 3, rc: 1, r: 1 });
    expect(main.calls).toEqual(['store k=vc1 30', 'add n 5 10', 'add n -2 10', 'remove k']);
    expect(other.data.get('k')).toBe('other');
  });

  it('a throwing or rejecting engine makes the call return -1 with a log line', async () => {
    const e = asyncEngine(true);
    const kit = ScriptTestKit.fromText(`loadmodule "cachedb_fake.so"
route { cache_store("fake", "boom", "v"); $var(a) = $rc; cache_store("fake", "reject", "v"); $var(b) = $rc; }`,
    createModuleRegistry([fakeModule('cachedb_fake', 'fake', { '': e.engine })]));
    const out = await kit.run(MSG);
    expect(out.vars).toEqual({ a: -1, b: -1 });
    expect(out.logs.map((l) => l.text)).toEqual([expect.stringContaining('cache_store: connection lost'), expect.stringContaining('cache_store: timeout')]);
  });

  it('an engine without add/sub refuses cache_add and cache_sub', async () => {
    const e = asyncEngine(false);
    const kit = ScriptTestKit.fromText(`loadmodule "cachedb_fake.so"
route { cache_add("fake", "n", 1, 0); $var(a) = $rc; cache_sub("fake:", "n", 1, 0); $var(b) = $rc; }`,
    createModuleRegistry([fakeModule('cachedb_fake', 'fake', { '': e.engine })]));
    const out = await kit.run(MSG);
    expect(out.vars).toEqual({ a: -1, b: -1 });
    expect(out.logs.map((l) => l.text)).toEqual([expect.stringContaining('Engine fake does not support add ops'), expect.stringContaining('Engine fake does not support sub ops')]);
  });

  it('the core MI commands reach the same engines', async () => {
    const e = asyncEngine(true);
    const registry = createModuleRegistry([fakeModule('cachedb_fake', 'fake', { '': e.engine })]);
    const mi = (n: string) => registry.module('core')!.mi!.find((m) => m.name === n)!.handler;
    expect(await mi('cache:store')({ system: 'fake', attr: 'x', value: '1' })).toBe('OK');
    expect(await mi('cache:fetch')({ system: 'fake', attr: 'x' })).toEqual({ key: 'x', value: '1' });
    await expect(mi('cache:fetch')({ system: 'fake', attr: 'y' })).rejects.toMatchObject({ code: 400 });
    await expect(mi('cache:store')({ system: 'fake', attr: 'reject', value: '1' })).rejects.toThrow('timeout');
  });
});

describe('engine ids and registration', () => {
  it('splits the id at the first colon; an empty group is the default connection', () => {
    expect(parseCacheDbId('local')).toEqual({ engine: 'local', group: null });
    expect(parseCacheDbId('local:')).toEqual({ engine: 'local', group: null });
    expect(parseCacheDbId('redis:cluster1')).toEqual({ engine: 'redis', group: 'cluster1' });
    expect(parseCacheDbId('a:b:c')).toEqual({ engine: 'a', group: 'b:c' });
    expect(resolveCacheDb(new Map(), 'x')).toBe('Wrong argument <x> - no cachedb system with this name registered');
  });

  it('two modules exporting the same engine scheme are a table error', () => {
    const a = fakeModule('cachedb_a', 'same', {});
    const b = fakeModule('cachedb_b', 'same', {});
    expect(() => new ModuleRegistry([createCoreModule(), a, b])).toThrow(ModuleTableError);
    expect(() => new ModuleRegistry([createCoreModule(), a, b])).toThrow("cachedb engine 'same' of cachedb_b is also exported by cachedb_a");
  });

  it('the cache functions are real core functions, not declarations', () => {
    const core = createCoreModule();
    for (const n of ['cache_store', 'cache_fetch', 'cache_counter_fetch', 'cache_add', 'cache_sub', 'cache_remove']) {
      const f = core.functions!.find((x) => x.name === n)!;
      expect(f.notImplemented).toBeUndefined();
    }
  });
});

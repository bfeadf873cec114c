import * as fs from 'node:fs';
import {
  CacheMiError, checkText, createModuleRegistry, type MiExport, type ModuleExports, type ModuleRegistry, type RunOutcome,
  ScriptTestKit, type ScriptContext, Services,
} from '@tsips/script';
import { sharedDir } from '@tsips/test-support';
import { createCachedbLocal, type CachedbLocalModule } from './index';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
let clock = T0;
const advance = (sec: number): void => {
  clock += sec * 1000;
};
beforeEach(() => {
  clock = T0;
});

const REQUEST = `
OPTIONS sip:example.com SIP/2.0
Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKc1
To: <sip:example.com>
From: <sip:alice@example.com>;tag=1
Call-ID: cache-1
CSeq: 1 OPTIONS
Content-Length: 0
`;

interface Harness {
  kit: ScriptTestKit;
  mod: CachedbLocalModule;
  registry: ModuleRegistry;
  logs: string[];
  run(route?: string, rcv?: { srcIp: string }): Promise<RunOutcome>;
  coreMi(name: string): MiExport;
  localMi(name: string): MiExport;
}

/** The script compiled against a fresh cachedb_local (and any extra modules), modparams applied and init run. */
async function harness(body: string, opts: { modparams?: string; routes?: string; extra?: ModuleExports[]; loads?: string[] } = {}): Promise<Harness> {
  const mod = createCachedbLocal({ now: () => clock });
  const extra = opts.extra ?? [];
  const registry = createModuleRegistry([mod, ...extra]);
  const loads = ['cachedb_local', ...(opts.loads ?? [])].map((m) => `loadmodule "${m}.so"`).join('\n');
  const text = `${loads}\n${opts.modparams ?? ''}\nroute {\n${body}\n}\n${opts.routes ?? ''}`;
  const kit = ScriptTestKit.fromText(text, registry, { clock: { now: () => clock, sleep: async () => undefined } });
  kit.script.applyModparams();
  const logs: string[] = [];
  await mod.init!({ services: new Services(), log: (_l, t) => logs.push(t) });
  const run = async (route?: string, rcv?: { srcIp: string }) => {
    const out = await kit.run(REQUEST, { ...(route !== undefined ? { route: { name: route } } : {}), ...(rcv !== undefined ? { rcv } : {}) });
    logs.push(...out.logs.map((l) => l.text));
    return out;
  };
  const findMi = (m: ModuleExports | undefined, name: string): MiExport => {
    const found = m?.mi?.find((x) => x.name === name);
    if (found === undefined) throw new Error(`no MI ${name}`);
    return found;
  };
  return { kit, mod, registry, logs, run, coreMi: (n) => findMi(registry.module('core'), n), localMi: (n) => findMi(mod, n) };
}

afterEach(() => {
  jest.useRealTimers();
});

describe('core cache functions over cachedb_local', () => {
  it('cache_store then cache_fetch: 1 and the value; a missing key is -2 and leaves the variable alone', async () => {
    const h = await harness(`
      $var(v) = "untouched";
      cache_store("local", "k_$si", "hello");
      $var(store) = $rc;
      cache_fetch("local", "k_$si", $var(got));
      $var(fetch) = $rc;
      cache_fetch("local", "nope", $var(v));
      $var(missing) = $rc;
    `);
    const out = await h.run();
    expect(out.vars).toEqual({ v: 'untouched', store: 1, got: 'hello', fetch: 1, missing: -2 });
  });

  it('a stored key with a timeout is valid through its last second and -2 after (as OpenSIPS ticks)', async () => {
    const h = await harness(`
      if ($param(1) == "store") { cache_store("local", "k", "v", 10); exit; }
      cache_fetch("local", "k", $var(got));
      $var(rc) = $rc;
    `, { routes: '' });
    await h.kit.run(REQUEST, { params: ['store'] });
    advance(10);
    expect((await h.kit.run(REQUEST)).vars).toEqual({ got: 'v', rc: 1 });
    advance(1);
    expect((await h.kit.run(REQUEST)).vars).toEqual({ rc: -2 });
    // The expired key was deleted on the way.
    expect(h.mod.collections().get('default')!.size).toBe(0);
  });

  it('cache_store with timeout 0 or none never expires; storing again replaces value and expiry', async () => {
    const h = await harness(`
      if ($param(1) == "a") { cache_store("local", "a", "1", 0); cache_store("local", "b", "2"); cache_store("local", "c", "x", 5); cache_store("local", "c", "y"); exit; }
      cache_fetch("local", "a", $var(a)); cache_fetch("local", "b", $var(b)); cache_fetch("local", "c", $var(c));
    `);
    await h.kit.run(REQUEST, { params: ['a'] });
    advance(100_000);
    expect((await h.kit.run(REQUEST)).vars).toEqual({ a: '1', b: '2', c: 'y' });
  });

  it('cache_counter_fetch: 1 with an integer, -2 missing, -3 for a value that is not an integer', async () => {
    const h = await harness(`
      cache_store("local", "n", "-42");
      cache_store("local", "s", "12abc");
      cache_counter_fetch("local", "n", $var(n)); $var(rc_n) = $rc;
      cache_counter_fetch("local", "s", $var(s)); $var(rc_s) = $rc;
      cache_counter_fetch("local", "none", $var(x)); $var(rc_none) = $rc;
    `);
    const out = await h.run();
    expect(out.vars).toEqual({ n: -42, rc_n: 1, rc_s: -3, rc_none: -2 });
    expect(h.logs).toContain("Not a counter key: 's'");
  });

  it('cache_add on a missing key creates it with the increment; on an existing key adds and reports the new value', async () => {
    const h = await harness(`
      cache_add("local", "c", 5, 0, $var(first)); $var(rc1) = $rc;
      cache_add("local", "c", 3, 0, $var(second)); $var(rc2) = $rc;
      cache_sub("local", "c", 10, 0, $var(third)); $var(rc3) = $rc;
      cache_add("local", "c", 1, 0);
      cache_fetch("local", "c", $var(text));
    `);
    const out = await h.run();
    expect(out.vars).toEqual({ first: 5, rc1: 1, second: 8, rc2: 1, third: -2, rc3: 1, text: '-1' });
  });

  it('cache_add keeps the ORIGINAL expiry of an existing key (the window is not sliding)', async () => {
    const h = await harness(`
      cache_add("local", "w", 1, 60, $var(n));
      cache_fetch("local", "w", $var(seen));
    `);
    expect((await h.run()).vars).toEqual({ n: 1, seen: '1' });
    advance(30);
    expect((await h.run()).vars).toEqual({ n: 2, seen: '2' });
    advance(30); // second 60 after the first add: still valid
    expect((await h.run()).vars).toEqual({ n: 3, seen: '3' });
    advance(1); // second 61: the key made at 0 with 60 s is gone, so add starts over
    expect((await h.run()).vars).toEqual({ n: 1, seen: '1' });
  });

  it('cache_add on an expired key recreates it with the new expiry', async () => {
    const h = await harness(`
      if ($param(1) == "old") { cache_store("local", "e", "100", 5); exit; }
      cache_add("local", "e", 1, 20, $var(n));
    `);
    await h.kit.run(REQUEST, { params: ['old'] });
    advance(6);
    expect((await h.run()).vars).toEqual({ n: 1 });
    advance(20);
    expect(h.mod.collections().get('default')!.fetch('e')).toBe('1');
    advance(1);
    expect(h.mod.collections().get('default')!.fetch('e')).toBe(-2);
  });

  it('cache_add on a value that is not an integer fails with -1 and changes nothing', async () => {
    const h = await harness(`
      cache_store("local", "t", "text");
      $var(n) = "unset";
      cache_add("local", "t", 1, 0, $var(n)); $var(rc) = $rc;
      cache_fetch("local", "t", $var(after));
    `);
    expect((await h.run()).vars).toEqual({ n: 'unset', rc: -1, after: 'text' });
  });

  it('cache_add and cache_sub take the increment and expiry from variables', async () => {
    const h = await harness(`
      $var(inc) = 7; $var(exp) = "2";
      cache_add("local", "v", $var(inc), $var(exp), $var(n));
    `);
    expect((await h.run()).vars).toMatchObject({ n: 7 });
    advance(3);
    expect(h.mod.collections().get('default')!.fetch('v')).toBe(-2);
  });

  it('cache_remove: 1 for a present and for a missing key, the key is gone', async () => {
    const h = await harness(`
      cache_store("local", "r", "x");
      cache_remove("local", "r"); $var(rc1) = $rc;
      cache_remove("local", "r"); $var(rc2) = $rc;
      cache_fetch("local", "r", $var(v)); $var(rc3) = $rc;
    `);
    expect((await h.run()).vars).toEqual({ rc1: 1, rc2: 1, rc3: -2 });
  });

  it('an unknown engine, an unknown group and an empty key make every function return -1 with a log line', async () => {
    const h = await harness(`
      $var(k) = "";
      cache_store("redis", "k", "v"); $var(a) = $rc;
      cache_fetch("local:nogroup", "k", $var(x)); $var(b) = $rc;
      cache_remove("memcached", "k"); $var(c) = $rc;
      cache_add("local", $var(k), 1, 0); $var(d) = $rc;
      cache_counter_fetch("nosuch", "k", $var(x)); $var(e) = $rc;
      cache_sub("nosuch", "k", 1, 0); $var(f) = $rc;
    `);
    const out = await h.run();
    expect(out.vars).toEqual({ k: '', a: -1, b: -1, c: -1, d: -1, e: -1, f: -1 });
    const texts = out.logs.map((l) => l.text);
    expect(texts).toEqual(expect.arrayContaining([
      expect.stringContaining('Wrong argument <redis> - no cachedb system with this name registered'),
      expect.stringContaining('failed to get connection for grp name [nogroup] : check db_url'),
      expect.stringContaining('attribute cannot be empty'),
    ]));
  });

  it('a reload (a new registry over the same module instance) keeps the cache', async () => {
    const h = await harness('cache_store("local", "k", "kept");');
    await h.run();
    const again = ScriptTestKit.fromText(`loadmodule "cachedb_local.so"\nroute { cache_fetch("local", "k", $var(v)); }`, createModuleRegistry([h.mod]));
    expect((await again.run(REQUEST)).vars).toEqual({ v: 'kept' });
  });

  it('before cachedb_local is initialised (not loaded), "local" is no engine', async () => {
    const mod = createCachedbLocal({ now: () => clock });
    const kit = ScriptTestKit.fromText(`loadmodule "cachedb_local.so"\nroute { cache_store("local", "k", "v"); $var(rc) = $rc; }`, createModuleRegistry([mod]));
    const out = await kit.run(REQUEST);
    expect(out.vars).toEqual({ rc: -1 });
    expect(out.logs[0]!.text).toContain('failed to get connection for grp name []');
  });
});

describe('collections and URLs', () => {
  const MODPARAMS = `
modparam("cachedb_local", "cache_collections", "col1 = 10; col2")
modparam("cachedb_local", "cachedb_url", "local://")
modparam("cachedb_local", "cachedb_url", "local:g1:///col1")
modparam("cachedb_local", "cachedb_url", "local:g2:///col2")
`;

  it('each group reaches its own collection; "local" reaches the default collection', async () => {
    const h = await harness(`
      cache_store("local:g1", "k", "one");
      cache_store("local:g2", "k", "two");
      cache_fetch("local", "k", $var(d)); $var(rc_default) = $rc;
      cache_fetch("local:g1", "k", $var(a));
      cache_fetch("local:g2", "k", $var(b));
      cache_fetch("local:", "k", $var(e)); $var(rc_empty_group) = $rc;
    `, { modparams: MODPARAMS });
    expect((await h.run()).vars).toEqual({ rc_default: -2, a: 'one', b: 'two', rc_empty_group: -2 });
    expect([...h.mod.collections().keys()]).toEqual(['default', 'col1', 'col2']);
  });

  it('a URL without a group and with a collection makes "local" use it (the last URL of a group wins)', async () => {
    const h = await harness(`cache_store("local", "k", "v");`, {
      modparams: `modparam("cachedb_local", "cache_collections", "col1")\nmodparam("cachedb_local", "cachedb_url", "local://")\nmodparam("cachedb_local", "cachedb_url", "local:///col1")`,
    });
    await h.run();
    expect(h.mod.collections().get('col1')!.fetch('k')).toBe('v');
    expect(h.mod.collections().get('default')!.size).toBe(0);
  });

  it('with URLs that all have a group, plain "local" has no connection (-1)', async () => {
    const h = await harness(`cache_store("local", "k", "v"); $var(rc) = $rc; cache_store("local:g", "k", "v"); $var(rc2) = $rc;`, {
      modparams: `modparam("cachedb_local", "cachedb_url", "local:g://")`,
    });
    expect((await h.run()).vars).toEqual({ rc: -1, rc2: 1 });
  });

  it('cache_remove_chunk removes the matching keys of one collection (default when omitted), -1 for an unknown one', async () => {
    const h = await harness(`
      cache_store("local", "authF_1", "1"); cache_store("local", "authF_2", "2"); cache_store("local", "other", "3");
      cache_store("local:g1", "authF_1", "1");
      cache_remove_chunk(, "authF_*"); $var(rc1) = $rc;
      cache_fetch("local", "other", $var(other));
      cache_fetch("local", "authF_2", $var(x)); $var(rc_gone) = $rc;
      cache_fetch("local:g1", "authF_1", $var(kept));
      cache_remove_chunk("col1", "auth?_[0-9]"); $var(rc2) = $rc;
      cache_fetch("local:g1", "authF_1", $var(x)); $var(rc_gone2) = $rc;
      cache_remove_chunk("nosuch", "*"); $var(rc3) = $rc;
    `, { modparams: MODPARAMS });
    const out = await h.run();
    expect(out.vars).toEqual({ rc1: 1, other: '3', rc_gone: -2, kept: '1', rc2: 1, rc_gone2: -2, rc3: -1 });
    expect(out.logs.map((l) => l.text)).toEqual([expect.stringContaining('collection <nosuch> not defined!')]);
  });

  it('refuses at load a malformed cache_collections or cachedb_url', () => {
    const mod = createCachedbLocal();
    const registry = createModuleRegistry([mod]);
    const check = (mp: string) => checkText(`loadmodule "cachedb_local.so"\n${mp}\nroute { exit; }`, registry).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    expect(check('modparam("cachedb_local", "cache_collections", "a = x")')).toEqual([expect.stringContaining('invalid hash size <x>')]);
    expect(check('modparam("cachedb_local", "cachedb_url", "redis://127.0.0.1/")')).toEqual([expect.stringContaining('is not a local:// URL')]);
    expect(check('modparam("cachedb_local", "cachedb_url", "local://host/col")')).toEqual([expect.stringContaining('a local cache has no host')]);
    expect(check('modparam("cachedb_local", "cache_clean_period", 0)')).toEqual([expect.stringContaining('positive')]);
    expect(check('modparam("cachedb_local", "cache_max_entries", 0)')).toEqual([expect.stringContaining('positive integer')]);
    expect(check('modparam("cachedb_local", "cachedb_url", "local:g:///col1")\nmodparam("cachedb_local", "cache_collections", "col1/r; col2=4")')).toEqual([]);
  });

  it.each([
    ['an undefined collection in a URL', 'modparam("cachedb_local", "cachedb_url", "local:///missing")', 'collection <missing> of cachedb_url'],
    ['a collection defined twice', 'modparam("cachedb_local", "cache_collections", "a")\nmodparam("cachedb_local", "cache_collections", "b; a")', 'collection <a> defined more than once'],
    ['restart persistency', 'modparam("cachedb_local", "enable_restart_persistency", 1)', 'enable_restart_persistency is not supported'],
    ['a cluster id', 'modparam("cachedb_local", "cluster_id", 1)', 'tsips has no clusterer'],
  ])('fails to start with %s', async (_what, modparams, message) => {
    await expect(harness('exit;', { modparams })).rejects.toThrow(message);
  });

  it('a "/r" collection works locally and warns that nothing replicates it', async () => {
    const h = await harness('cache_store("local:r", "k", "v");', {
      modparams: 'modparam("cachedb_local", "cache_collections", "rep/r")\nmodparam("cachedb_local", "cachedb_url", "local:r:///rep")',
    });
    await h.run();
    expect(h.mod.collections().get('rep')!.fetch('k')).toBe('v');
    expect(h.logs).toContain("collection <rep> is replicated but no 'cluster_id' defined!");
  });
});

describe('memory bound and expiry sweeps', () => {
  it('cache_max_entries caps each collection: one more key drops the least recently used', async () => {
    const h = await harness(`
      cache_store("local", "a", "1"); cache_store("local", "b", "2"); cache_store("local", "c", "3");
      cache_fetch("local", "a", $var(a));
      cache_store("local", "d", "4");
      cache_fetch("local", "b", $var(b)); $var(rc_b) = $rc;
      cache_fetch("local", "a", $var(a2)); cache_fetch("local", "c", $var(c)); cache_fetch("local", "d", $var(d));
    `, { modparams: 'modparam("cachedb_local", "cache_max_entries", 3)' });
    expect((await h.run()).vars).toEqual({ a: '1', rc_b: -2, a2: '1', c: '3', d: '4' });
    const col = h.mod.collections().get('default')!;
    expect(col.size).toBe(3);
    expect(col.evictions).toBe(1);
  });

  it('100000 distinct keys into a 1000-key collection keep it at 1000', async () => {
    const h = await harness('exit;', { modparams: 'modparam("cachedb_local", "cache_max_entries", 1000)' });
    const col = h.mod.collections().get('default')!;
    const out = { value: 0 };
    for (let i = 0; i < 100_000; i++) col.add(`authF_198.51.${i >> 8}.${i & 255}`, 1, 60, out);
    expect(col.size).toBe(1000);
    expect(col.fetch('authF_198.51.390.159')).toBe('1'); // the last key (i = 99999) is kept
    expect(col.fetch('authF_198.51.0.0')).toBe(-2);
  });

  it('every cache_clean_period seconds the sweep drops expired keys of every collection', async () => {
    jest.useFakeTimers();
    const h = await harness(`
      cache_store("local", "short", "x", 5); cache_store("local", "long", "y", 100); cache_store("local", "forever", "z");
      cache_store("local:g", "short", "x", 5);
    `, {
      modparams: 'modparam("cachedb_local", "cache_clean_period", 30)\nmodparam("cachedb_local", "cache_collections", "c2")\nmodparam("cachedb_local", "cachedb_url", "local://")\nmodparam("cachedb_local", "cachedb_url", "local:g:///c2")',
    });
    await h.run();
    const def = h.mod.collections().get('default')!;
    const c2 = h.mod.collections().get('c2')!;
    advance(10);
    jest.advanceTimersByTime(29_000);
    expect(def.size).toBe(3); // no sweep yet
    jest.advanceTimersByTime(1_000);
    expect(def.size).toBe(2);
    expect(c2.size).toBe(0);
    advance(100);
    expect(h.mod.clean()).toBe(1);
    expect(def.fetch('forever')).toBe('z');
    h.mod.destroy!();
  });
});

describe('talk snippet auth-failures.cfg', () => {
  // www_authorize answers from a queue of results (-2: wrong password); send_reply records the reply.
  let authResults: number[] = [];
  const fakeAuth: ModuleExports = {
    name: 'auth',
    functions: [
      { name: 'www_authorize', params: [{ name: 'realm', kind: 'string' }, { name: 'table', kind: 'string' }], routes: ['REQUEST_ROUTE'], impl: () => authResults.shift() ?? -2 },
      { name: 'www_challenge', params: [{ name: 'realm', kind: 'string' }, { name: 'qop', kind: 'string' }], routes: ['REQUEST_ROUTE'], impl: (ctx: ScriptContext) => ctx.sinks.reply(ctx, 401, 'Unauthorized') },
    ],
  };
  const fakeSignaling: ModuleExports = {
    name: 'signaling',
    functions: [{
      name: 'send_reply', params: [{ name: 'code', kind: 'int-or-var' }, { name: 'reason', kind: 'string' }], routes: ['REQUEST_ROUTE'],
      impl: ((ctx: ScriptContext, code: number, reason: string) => ctx.sinks.reply(ctx, code, reason)) as never,
    }],
  };
  const snippet = () => fs.readFileSync(sharedDir('seed', 'snippets', 'auth-failures.cfg'), 'utf8');
  const talk = () => harness(snippet(), { extra: [fakeAuth, fakeSignaling], loads: ['auth', 'signaling'] });

  beforeEach(() => {
    authResults = [];
  });

  it('the 21st failure from one address within the window sees a count >= 20 and gets 403', async () => {
    const h = await talk();
    const ip = { srcIp: '203.0.113.66' };
    for (let i = 1; i <= 20; i++) {
      const out = await h.run(undefined, ip);
      expect(out.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
      advance(2);
    }
    expect(h.mod.collections().get('default')!.fetch('authF_203.0.113.66')).toBe('20');
    const last = await h.run(undefined, ip);
    expect(last.replies).toEqual([{ status: 403, reason: 'Forbidden' }]);
    expect(last.logs.map((l) => l.text)).toContain('SCRIPT: SECURITY ALERT: 20 failed auth from 203.0.113.66\n');
    expect(last.avps['failed_no']).toEqual(['20']);
    // Another address is still challenged.
    expect((await h.run(undefined, { srcIp: '203.0.113.67' })).replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
  });

  it('the window is 60 s from the FIRST failure: failures spread over more than 60 s never reach 403', async () => {
    const h = await talk();
    const ip = { srcIp: '203.0.113.70' };
    for (let i = 1; i <= 30; i++) {
      const out = await h.run(undefined, ip);
      expect(out.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
      advance(4); // 15 failures per 60 s window
    }
    // The counter restarted when the first window expired (the 17th failure at t=64 s stored "1").
    expect(h.mod.collections().get('default')!.fetch('authF_203.0.113.70')).toBe('14');
  });

  it('a successful authorisation neither counts nor resets', async () => {
    const h = await talk();
    authResults = [-2, -2, 1, -2];
    for (let i = 0; i < 4; i++) await h.run(undefined, { srcIp: '203.0.113.80' });
    expect(h.mod.collections().get('default')!.fetch('authF_203.0.113.80')).toBe('3');
  });
});

describe('MI commands', () => {
  it('cache:store / cache:fetch / cache:remove reach the engine, with the 3.x names as aliases', async () => {
    const h = await harness(`cache_fetch("local", "mi_key", $var(v));`);
    const store = h.coreMi('cache:store');
    expect(store.aliases).toEqual(['cache_store']);
    expect(h.coreMi('cache:fetch').aliases).toEqual(['cache_fetch']);
    expect(h.coreMi('cache:remove').aliases).toEqual(['cache_remove']);
    expect(await store.handler({ system: 'local', attr: 'mi_key', value: 'from mi', expire: '10' })).toBe('OK');
    expect((await h.run()).vars).toEqual({ v: 'from mi' });
    expect(await h.coreMi('cache:fetch').handler({ system: 'local', attr: 'mi_key' })).toEqual({ key: 'mi_key', value: 'from mi' });
    advance(11);
    await expect(h.coreMi('cache:fetch').handler({ system: 'local', attr: 'mi_key' })).rejects.toMatchObject({ code: 400, message: 'Value not found' });
    await store.handler({ system: 'local', attr: 'mi_key', value: 'again' });
    expect(await h.coreMi('cache:remove').handler({ system: 'local', attr: 'mi_key' })).toBe('OK');
    expect(await h.coreMi('cache:remove').handler({ system: 'local', attr: 'mi_key' })).toBe('OK');
    await expect(h.coreMi('cache:fetch').handler({ system: 'local', attr: 'mi_key' })).rejects.toBeInstanceOf(CacheMiError);
  });

  it('cache:* refuse empty or bad parameters as OpenSIPS does', async () => {
    const h = await harness('exit;');
    const store = h.coreMi('cache:store').handler;
    await expect(store({ system: '', attr: 'a', value: 'v' })).rejects.toMatchObject({ code: -32602, message: 'Invalid params: Empty memory cache id' });
    await expect(store({ system: 'local', attr: '', value: 'v' })).rejects.toMatchObject({ code: -32602, message: 'Invalid params: Empty attribute name' });
    await expect(store({ system: 'local', attr: 'a', value: '' })).rejects.toMatchObject({ code: -32602, message: 'Invalid params: Empty value' });
    await expect(store({ system: 'local', attr: 'a', value: 'v', expire: '-1' })).rejects.toMatchObject({ code: -32602, message: 'Invalid params: Negative expire value' });
    await expect(store({ system: 'redis', attr: 'a', value: 'v' })).rejects.toMatchObject({ code: 500 });
    await expect(h.coreMi('cache:fetch').handler({ system: 'local' })).rejects.toMatchObject({ code: -32602 });
  });

  it('cachedb_local:fetch_chunk lists the live matching keys; remove_chunk deletes them', async () => {
    const h = await harness(`
      cache_store("local", "user_1", "a"); cache_store("local", "user_2", "b", 5); cache_store("local", "admin", "c");
      cache_store("local:g", "user_9", "z");
    `, { modparams: 'modparam("cachedb_local", "cache_collections", "other")\nmodparam("cachedb_local", "cachedb_url", "local://")\nmodparam("cachedb_local", "cachedb_url", "local:g:///other")' });
    await h.run();
    const fetch = h.localMi('cachedb_local:fetch_chunk');
    const remove = h.localMi('cachedb_local:remove_chunk');
    expect(fetch.aliases).toEqual(['cache_fetch_chunk']);
    expect(remove.aliases).toEqual(['cache_remove_chunk']);
    expect(fetch.notImplemented).toBeUndefined();
    const sorted = (r: unknown) => (r as { keys: Array<{ name: string }> }).keys.sort((a, b) => a.name.localeCompare(b.name));
    expect(sorted(await fetch.handler({ glob: 'user_*' }))).toEqual([{ name: 'user_1', value: 'a' }, { name: 'user_2', value: 'b' }]);
    expect(sorted(await fetch.handler({ glob: '*', collection: 'other' }))).toEqual([{ name: 'user_9', value: 'z' }]);
    advance(6);
    expect(sorted(await fetch.handler({ glob: 'user_*' }))).toEqual([{ name: 'user_1', value: 'a' }]);
    expect(await remove.handler({ glob: 'user_?' })).toBe('OK');
    expect(await fetch.handler({ glob: '*' })).toEqual({ keys: [{ name: 'admin', value: 'c' }] });
    expect(() => fetch.handler({ glob: '*', collection: 'nosuch' })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => remove.handler({ glob: '*', collection: 'nosuch' })).toThrow(expect.objectContaining({ code: 500, message: 'Internal error' }));
    expect(await remove.handler({ glob: '*', collection: 'other' })).toBe('OK');
    expect(h.mod.collections().get('other')!.size).toBe(0);
  });
});

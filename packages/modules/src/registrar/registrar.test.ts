import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMessage } from '@tsips/sip';
import {
  checkScript, createModuleRegistry, type ModuleExports, parseScript, type RaisedEvent, type ReceiveInfo, type ScriptContext,
  Services, type CompiledScript, messageFromText,
} from '@tsips/script';
import { CORE, createSchema, DbManager, selectTables, SqliteDriver, type DbConnection, type SipCoreApi } from '@tsips/core';
import { createDbSqlite } from '../db_sqlite';
import { createUsrloc } from '../usrloc';
import { signaling } from '../signaling';
import { sl } from '../sl';
import { TM, type TmApi } from '../tm/api';
import { createRegistrar } from './index';

interface Reply { status: number; reason: string; headers: string[] }

let dir: string;
let clock: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-reg-'));
  clock = Date.UTC(2026, 0, 1, 12, 0, 0);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One server: the script compiled against fresh module instances, initialised with a fake core. */
async function server(script: string, tm?: TmApi) {
  // Only this helper's modules are initialised: sl/signaling are loaded for the checker.
  const mods: ModuleExports[] = [createDbSqlite(), createUsrloc(), createRegistrar()];
  const registry = createModuleRegistry([...mods, signaling, sl]);
  const loaded = parseScript(script, 'test.cfg');
  const checked = checkScript(loaded.script, registry);
  const errors = [...loaded.diagnostics, ...checked.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length > 0 || checked.compiled === null) throw new Error(errors.map((d) => d.message).join('\n'));
  const compiled: CompiledScript = checked.compiled;
  compiled.applyModparams();
  const services = new Services();
  const logs: string[] = [];
  const routeRuns: Array<{ name: string | null; params: unknown }> = [];
  const core: Partial<SipCoreApi> = {
    now: () => clock,
    stat: () => undefined,
    log: (_l, t) => { logs.push(t); },
    localSocket: () => ({ proto: 'udp', address: '198.51.100.1', port: 5060, name: 'udp:198.51.100.1:5060', advertisedAddress: null, advertisedPort: null }),
    runRoute: (type, name, _msg, _rcv, setup) => {
      const fake = { namedParams: null as unknown } as unknown as ScriptContext;
      setup?.(fake);
      routeRuns.push({ name: `${type}:${name}`, params: fake.namedParams });
      return Promise.reject(new Error('no such route in this test'));
    },
  };
  services.provide(CORE, core as SipCoreApi);
  if (tm !== undefined) services.provide(TM, tm);
  for (const m of mods) await m.init?.({ services, log: (_l, t) => logs.push(t) });
  const run = async (text: string, rcv: Partial<ReceiveInfo> = {}, route: string | null = null, prepare?: (ctx: ScriptContext) => void) => {
    const replies: Reply[] = [];
    const events: RaisedEvent[] = [];
    const ctx: ScriptContext = compiled.createContext({
      msg: parseMessage(messageFromText(text)),
      rcv: { srcIp: '203.0.113.5', srcPort: 5060, proto: 'udp', dstIp: '198.51.100.1', dstPort: 5060, ...rcv },
      sinks: {
        reply: (c, status, reason) => { replies.push({ status, reason, headers: [...c.replyHeaders] }); return 1; },
        forward: () => 1,
        log: (_l, t) => { logs.push(t); },
        event: (ev) => { events.push(ev); },
      },
      clock: { now: () => clock, sleep: async () => undefined },
    });
    prepare?.(ctx);
    const result = await compiled.run(ctx, 'request', route);
    return { ctx, replies, events, result };
  };
  const stop = async () => { for (const m of [...mods].reverse()) await m.destroy?.(); };
  return { run, stop, logs, mods, routeRuns };
}

const SCRIPT = (db: string, extra = '') => `
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "db_sqlite.so"
loadmodule "usrloc.so"
modparam("usrloc", "working_mode_preset", "single-instance-sql-write-through")
modparam("usrloc", "db_url", "${db}")
modparam("usrloc", "nat_bflag", "NAT")
loadmodule "registrar.so"
modparam("registrar", "min_expires", 60)
modparam("registrar", "max_expires", 7200)
${extra}
route {
  if ($rm == "REGISTER") {
    if ($si == "203.0.113.9") setbflag("NAT");
    save("location");
    exit;
  }
  if (!lookup("location", "method-filtering")) { $var(rc) = $retcode; exit; }
  $var(rc) = $retcode;
}`;

function register(user: string, contact: string, opts: { callid?: string; cseq?: number; expires?: number | null; extra?: string } = {}): string {
  return `
    REGISTER sip:example.com SIP/2.0
    Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-${Math.random().toString(36).slice(2)}
    From: <sip:${user}@example.com>;tag=1
    To: <sip:${user}@example.com>
    Call-ID: ${opts.callid ?? `reg-${user}`}
    CSeq: ${opts.cseq ?? 1} REGISTER
    Contact: ${contact}
    ${opts.expires === null ? '' : `Expires: ${opts.expires ?? 3600}`}
    ${(opts.extra ?? '').split('\n').join('\n    ')}
    Content-Length: 0
  `.replace(/\n\s*\n(?=\s*\S)/g, '\n');
}

const invite = (user: string, method = 'INVITE') => `
  ${method} sip:${user}@example.com SIP/2.0
  Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-call
  From: <sip:carol@example.com>;tag=9
  To: <sip:${user}@example.com>
  Call-ID: call-1
  CSeq: 1 ${method}
  Content-Length: 0
`;

async function freshDb(name = 'a.db'): Promise<string> {
  const m = new DbManager(dir);
  m.registerDriver(new SqliteDriver());
  const db = (await m.open(`sqlite://${name}`)) as DbConnection;
  await createSchema(db, selectTables(['usrloc']));
  await db.close();
  return `sqlite://${path.join(dir, name)}`;
}

function rows(url: string): Array<Record<string, unknown>> {
  const m = new DbManager(dir);
  m.registerDriver(new SqliteDriver());
  const db = m.open(url) as DbConnection;
  const r = db.query('location', { order: 'contact_id' }) as Array<Record<string, unknown>>;
  void db.close();
  return r;
}

describe('registrar save()', () => {
  it('refuses to start on a database without the location table', async () => {
    await expect(server(SCRIPT(`sqlite://${path.join(dir, 'none.db')}`))).rejects.toThrow(/table 'location' does not exist/);
  });

  it('answers 200 OK listing the contacts with their expires; refresh, Expires: 0 and * remove', async () => {
    const url = await freshDb();
    const s = await server(SCRIPT(url));
    let r = await s.run(register('alice', '<sip:alice@203.0.113.5:5060>;q=0.5'));
    expect(r.replies).toEqual([{ status: 200, reason: 'OK', headers: ['Contact: <sip:alice@203.0.113.5:5060>;q=0.5;expires=3600'] }]);
    expect(r.events.map((e) => e.name)).toEqual(['E_UL_AOR_INSERT', 'E_UL_CONTACT_INSERT']);
    expect(rows(url)).toMatchObject([{ username: 'alice', domain: 'example.com', contact: 'sip:alice@203.0.113.5:5060', q: 0.5, callid: 'reg-alice', cseq: 1, socket: 'udp:198.51.100.1:5060' }]);

    clock += 100_000;
    r = await s.run(register('alice', '<sip:alice@192.0.2.44:5062>', { callid: 'other', expires: 30 }));
    // min_expires raises 30 to 60; the first binding lost 100 s.
    expect(r.replies[0]!.headers).toEqual(['Contact: <sip:alice@203.0.113.5:5060>;q=0.5;expires=3500, <sip:alice@192.0.2.44:5062>;expires=60']);

    r = await s.run(register('alice', '<sip:alice@203.0.113.5:5060>', { cseq: 2, expires: 99999 }));
    expect(r.events.map((e) => e.name)).toEqual(['E_UL_CONTACT_UPDATE']);
    // max_expires lowers to 7200; without q both are unspecified and keep their registration order.
    expect(r.replies[0]!.headers[0]).toBe('Contact: <sip:alice@203.0.113.5:5060>;expires=7200, <sip:alice@192.0.2.44:5062>;expires=60');
    expect(rows(url).map((x) => x['expires'])).toEqual([Math.floor(clock / 1000) + 7200, Math.floor(clock / 1000) + 60]);

    r = await s.run(register('alice', '<sip:alice@192.0.2.44:5062>', { callid: 'other', cseq: 5, expires: 0 }));
    expect(r.replies[0]!.headers).toEqual(['Contact: <sip:alice@203.0.113.5:5060>;expires=7200']);
    expect(rows(url)).toHaveLength(1);

    r = await s.run(register('alice', '*', { cseq: 9, expires: 0 }));
    expect(r.replies).toEqual([{ status: 200, reason: 'OK', headers: [] }]);
    expect(r.events.map((e) => e.name)).toEqual(['E_UL_CONTACT_DELETE', 'E_UL_AOR_DELETE']);
    expect(rows(url)).toHaveLength(0);
    await s.stop();
  });

  it('ignores an older CSeq of the same Call-ID (RFC 3261 10.3) and answers 400', async () => {
    const s = await server(SCRIPT(await freshDb()));
    await s.run(register('bob', '<sip:bob@203.0.113.5>', { cseq: 10 }));
    // allow_dup_cseq (default on) accepts the same CSeq again; a lower one is refused.
    expect((await s.run(register('bob', '<sip:bob@203.0.113.5>', { cseq: 10, expires: 120 }))).replies[0]!.headers).toEqual(['Contact: <sip:bob@203.0.113.5>;expires=120']);
    const r = await s.run(register('bob', '<sip:bob@203.0.113.5>', { cseq: 5, expires: 0 }));
    expect(r.replies[0]).toMatchObject({ status: 400, reason: 'Bad Request', headers: ['P-Registrar-Error: Invalid CSeq number'] });
    expect((await s.run(invite('bob'))).ctx.ruri()).toBe('sip:bob@203.0.113.5');
    await s.stop();
  });

  it('refuses * with a non-zero Expires', async () => {
    const s = await server(SCRIPT(await freshDb()));
    const r = await s.run(register('bob', '*', { expires: 60 }));
    expect(r.replies[0]).toMatchObject({ status: 400, headers: ['P-Registrar-Error: * used in contact and expires is not zero'] });
    await s.stop();
  });

  it('enforces max_contacts with 503, changing nothing', async () => {
    const url = await freshDb();
    const s = await server(SCRIPT(url, 'modparam("registrar", "max_contacts", 2)'));
    await s.run(register('carl', '<sip:c1@203.0.113.5>', { callid: 'a' }));
    await s.run(register('carl', '<sip:c2@203.0.113.5>', { callid: 'b' }));
    const r = await s.run(register('carl', '<sip:c3@203.0.113.5>', { callid: 'c' }));
    expect(r.replies[0]).toMatchObject({ status: 503, reason: 'Service Unavailable', headers: ['P-Registrar-Error: Too many registered contacts'] });
    expect(rows(url).map((x) => x['contact'])).toEqual(['sip:c1@203.0.113.5', 'sip:c2@203.0.113.5']);
    await s.stop();
  });

  it('stores Path and the NAT flag; lookup uses them', async () => {
    const s = await server(SCRIPT(await freshDb(), '').replace('save("location");', 'save("location", "path-lazy");'));
    await s.run(register('dan', '<sip:dan@10.0.0.5:5060>', { extra: 'Path: <sip:edge.example.net;lr>\nSupported: path' }), { srcIp: '203.0.113.9' });
    const r = await s.run(invite('dan'));
    expect(r.ctx.ruri()).toBe('sip:dan@10.0.0.5:5060');
    expect(r.ctx.dstUri).toBe('sip:edge.example.net;lr');
    expect(r.ctx.branchFlags[0]).toBe((1 << r.ctx.flagBit('NAT')) >>> 0);
    await s.stop();
  });
});

describe('registrar lookup()', () => {
  it('puts the best contact in the RURI and the others in branches ordered by q', async () => {
    const s = await server(SCRIPT(await freshDb()));
    await s.run(register('eve', '<sip:eve@192.0.2.1>;q=0.2', { callid: 'a' }));
    await s.run(register('eve', '<sip:eve@192.0.2.2>;q=0.9', { callid: 'b' }));
    await s.run(register('eve', '<sip:eve@192.0.2.3>;q=0.5', { callid: 'c' }), { srcIp: '203.0.113.9' });
    const r = await s.run(invite('eve'));
    expect(r.ctx.getVar(0)).toBe(1);
    expect(r.ctx.ruri()).toBe('sip:eve@192.0.2.2');
    expect(r.ctx.branches.map((b) => [b.uri, b.q])).toEqual([['sip:eve@192.0.2.3', 0.5], ['sip:eve@192.0.2.1', 0.2]]);
    expect(r.ctx.branches[0]!.flags).toBe((1 << r.ctx.flagBit('NAT')) >>> 0);
    expect(r.ctx.branches[1]!.flags).toBe(0);
    expect(r.ctx.branches[0]!.socket).toBe('udp:198.51.100.1:5060');
    await s.stop();
  });

  it('returns -1 for an unknown AOR and -2 when no contact allows the method', async () => {
    const s = await server(SCRIPT(await freshDb()));
    expect((await s.run(invite('nobody'))).ctx.getVar(0)).toBe(-1);
    await s.run(register('fay', '<sip:fay@192.0.2.1>', { extra: 'Allow: INVITE, ACK, BYE, CANCEL' }));
    expect((await s.run(invite('fay', 'MESSAGE'))).ctx.getVar(0)).toBe(-2);
    expect((await s.run(invite('fay'))).ctx.getVar(0)).toBe(1);
    await s.stop();
  });

  it('accepts the 2.x letter flags ("m" = method-filtering)', async () => {
    const s = await server(SCRIPT(await freshDb()).replace('lookup("location", "method-filtering")', 'lookup("location", "m")'));
    expect(s.logs).toContain('lookup() flags "m" use the OpenSIPS 2.x letter form (OpenSIPS 4.x refuses it); write "method-filtering"');
    await s.run(register('gus', '<sip:gus@192.0.2.1>', { extra: 'Allow: INVITE' }));
    expect((await s.run(invite('gus', 'MESSAGE'))).ctx.getVar(0)).toBe(-2);
    await s.stop();
  });
});

describe('usrloc persistence and expiry', () => {
  it('registrations survive a restart (new instances on the same database)', async () => {
    const url = await freshDb();
    const a = await server(SCRIPT(url));
    await a.run(register('hal', '<sip:hal@192.0.2.8:5070>;q=0.7'));
    await a.stop();
    const b = await server(SCRIPT(url));
    const r = await b.run(invite('hal'));
    expect(r.ctx.ruri()).toBe('sip:hal@192.0.2.8:5070');
    expect(b.logs.some((l) => /loaded 1 contact\(s\) of 1 AOR\(s\)/.test(l))).toBe(true);
    await b.stop();
  });

  it('write-back keeps changes in memory until the shutdown flush', async () => {
    const url = await freshDb();
    const script = SCRIPT(url).replace('single-instance-sql-write-through', 'single-instance-sql-write-back');
    const a = await server(script);
    await a.run(register('ida', '<sip:ida@192.0.2.9>'));
    expect(rows(url)).toHaveLength(0);
    await a.stop();
    expect(rows(url).map((x) => x['contact'])).toEqual(['sip:ida@192.0.2.9']);
  });

  it('expired contacts disappear from lookups and, on the next load, from the database', async () => {
    const url = await freshDb();
    const a = await server(SCRIPT(url));
    await a.run(register('jo', '<sip:jo@192.0.2.9>', { expires: 60 }));
    clock += 61_000;
    expect((await a.run(invite('jo'))).ctx.getVar(0)).toBe(-1);
    await a.stop();
    const b = await server(SCRIPT(url));
    expect(rows(url)).toHaveLength(0);
    await b.stop();
  });
});

const ROUTES = `
route[is_reg] { $var(rc) = 0; if (is_registered("location", "sip:kim@example.com")) $var(rc) = 1; else $var(rc) = -1; }
route[ct_reg] { if (is_contact_registered("location", "sip:kim@example.com", "sip:kim@192.0.2.1")) $var(rc) = 1; else $var(rc) = -1; }
route[cid_reg] { if (is_contact_registered("location", "sip:kim@example.com", , "reg-kim")) $var(rc) = 1; else $var(rc) = -1; }
route[rm_one] { remove("location", "sip:kim@example.com", "sip:kim@192.0.2.1"); $var(rc) = $retcode; }
route[rm_ip] { remove_ip_port("192.0.2.2", 5070, "location"); $var(rc) = $retcode; }
route[fork_branch] { lookup("location", "branch"); $var(rc) = $retcode; }
`;

describe('registrar helpers', () => {
  it('is_registered, is_contact_registered, remove and remove_ip_port', async () => {
    const s = await server(SCRIPT(await freshDb()) + ROUTES);
    const rc = async (route: string) => (await s.run(invite('kim'), {}, route)).ctx.getVar(0);
    expect(await rc('is_reg')).toBe(-1);
    await s.run(register('kim', '<sip:kim@192.0.2.1>, <sip:kim@192.0.2.2:5070>'));
    expect(await rc('is_reg')).toBe(1);
    expect(await rc('ct_reg')).toBe(1);
    expect(await rc('cid_reg')).toBe(1);
    expect(await rc('rm_one')).toBe(1);
    expect(await rc('ct_reg')).toBe(-1);
    expect(await rc('rm_one')).toBe(-1);
    expect(await rc('is_reg')).toBe(1);
    expect(await rc('rm_ip')).toBe(1);
    expect(await rc('is_reg')).toBe(-1);
    await s.stop();
  });
});

describe('lookup flags', () => {
  it('"branch" expands AORs found in the branch set and drops the ones without contacts', async () => {
    const s = await server(SCRIPT(await freshDb()) + ROUTES);
    await s.run(register('kim', '<sip:kim@192.0.2.1>'));
    await s.run(register('lea', '<sip:lea@192.0.2.5>;q=0.1, <sip:lea@192.0.2.6>;q=0.9'));
    const r = await s.run(invite('kim'), {}, 'fork_branch', (ctx) => {
      ctx.branches.push({ uri: 'sip:lea@example.com', dstUri: null, q: null, path: null, flags: 0, socket: null });
      ctx.branches.push({ uri: 'sip:nobody@example.com', dstUri: null, q: null, path: null, flags: 0, socket: null });
    });
    expect(r.ctx.getVar(0)).toBe(1);
    expect(r.ctx.ruri()).toBe('sip:kim@192.0.2.1');
    expect(r.ctx.branches.map((b) => b.uri)).toEqual(['sip:lea@192.0.2.6', 'sip:lea@192.0.2.5']);
    await s.stop();
  });
});

describe('save flags and working modes', () => {
  it('memory-only keeps a binding out of the database', async () => {
    const url = await freshDb();
    const s = await server(SCRIPT(url).replace('save("location");', 'save("location", "memory-only,max-contacts=1");'));
    expect((await s.run(register('max', '<sip:max@192.0.2.1>'))).replies[0]!.status).toBe(200);
    expect(rows(url)).toHaveLength(0);
    expect((await s.run(invite('max'))).ctx.ruri()).toBe('sip:max@192.0.2.1');
    expect((await s.run(register('max', '<sip:max@192.0.2.2>', { callid: 'x' }))).replies[0]!.status).toBe(503);
    await s.stop();
  });

  it('no-reply leaves the answer to the script; no-db mode needs no database', async () => {
    const script = SCRIPT('unused').replace(/modparam\("usrloc", "(working_mode_preset|db_url)".*\n/g, '').replace('save("location");', 'save("location", "no-reply");');
    const s = await server(script);
    const r = await s.run(register('ned', '<sip:ned@192.0.2.1>'));
    expect(r.replies).toEqual([]);
    expect((await s.run(invite('ned'))).ctx.ruri()).toBe('sip:ned@192.0.2.1');
    await s.stop();
  });
});

describe('usrloc MI and timer', () => {
  it('ul_dump / ul_show_contact / ul_rm', async () => {
    const s = await server(SCRIPT(await freshDb()));
    await s.run(register('oli', '<sip:oli@192.0.2.1>;q=0.5', { expires: 600 }));
    const ul = s.mods[1]!;
    const mi = (name: string) => ul.mi!.find((m) => m.name === name)!.handler;
    expect(await mi('usrloc:show_contact')({ table_name: 'location', aor: 'oli@example.com' })).toMatchObject({
      AOR: 'oli@example.com', Contacts: [{ Contact: 'sip:oli@192.0.2.1', Expires: 600, Q: 0.5, Callid: 'reg-oli', Cseq: 1, State: 'CS_SYNC' }],
    });
    expect(await mi('usrloc:dump')({ brief: '1' })).toEqual({
      Domains: [{ name: 'location', hash_size: 512, AORs: [{ AOR: 'oli@example.com', Contacts: [{ Contact: 'sip:oli@192.0.2.1', Expires: 600 }] }] }],
    });
    expect(await mi('usrloc:rm')({ table_name: 'location', aor: 'oli@example.com' })).toBe('OK');
    expect(() => mi('usrloc:show_contact')({ table_name: 'location', aor: 'oli@example.com' })).toThrow('AOR not found');
    await s.stop();
  });

  it('the timer expires contacts and raises E_UL_CONTACT_DELETE through event routes', async () => {
    jest.useFakeTimers();
    try {
      const url = await freshDb();
      const s = await server(SCRIPT(url, 'modparam("usrloc", "timer_interval", 10)'));
      await s.run(register('pat', '<sip:pat@192.0.2.1>', { expires: 60 }));
      clock += 61_000;
      jest.advanceTimersByTime(10_000);
      expect(s.routeRuns.map((r) => r.name)).toEqual(['event:E_UL_CONTACT_DELETE', 'event:E_UL_AOR_DELETE']);
      expect(s.routeRuns[0]!.params).toMatchObject({ aor: 'pat@example.com', uri: 'sip:pat@192.0.2.1', domain: 'location' });
      expect(rows(url)).toHaveLength(0);
      await s.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('stateful replies', () => {
  it('answers through tm when the REGISTER has a transaction', async () => {
    const sent: Array<{ status: number; headers: string[] }> = [];
    const tm = {
      transactionOf: () => ({ id: 'x', method: 'REGISTER', ruri: null, lastStatus: 0, cancelled: false, branchCount: 0 }),
      reply: async (ctx: ScriptContext, status: number) => { sent.push({ status, headers: [...ctx.replyHeaders] }); return 1; },
    } as unknown as TmApi;
    const s = await server(SCRIPT(await freshDb()), tm);
    const r = await s.run(register('quin', '<sip:quin@192.0.2.1>'));
    expect(r.replies).toEqual([]);
    expect(sent).toEqual([{ status: 200, headers: ['Contact: <sip:quin@192.0.2.1>;expires=3600'] }]);
    expect(r.ctx.replyHeaders).toEqual([]);
    await s.stop();
  });
});

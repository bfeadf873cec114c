import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, createSchema, selectTables, type DbConnection } from '@tsips/core';
import { createModuleRegistry, ScriptTestKit, Services, type ModuleExports } from '@tsips/script';
import { createDbSqlite } from '../db_sqlite';
import { createUserblacklist, digitsOf, longestOfRows, PrefixTree, treeFromRows, UserblacklistMiError } from './index';

let dir: string;
let url: string;

const withDb = <T>(fn: (db: DbConnection) => Promise<T>): Promise<T> => coreTesting.withSqlite(dir, url, fn);

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-ubl-'));
  url = `sqlite://${path.join(dir, 'ubl.db')}`;
  await withDb(async (db) => {
    await createSchema(db, selectTables(['userblacklist', 'globalblacklist']));
    // The example rows of the OpenSIPS README.
    const users: Array<[string, string, string, number]> = [
      ['49721123456788', '', '1234', 0],
      ['49721123456788', '', '123456788', 1],
      ['49721123456789', '', '12345', 0],
      ['494675231', '', '499034133', 1],
      ['494675231', 'test', '499034132', 0],
      ['494675453', 'test.domain', '49901', 0],
      ['494675454', '', '49900', 0],
      ['494675454', '', '49x1', 0],
    ];
    for (const [username, domain, prefix, whitelist] of users) await db.insert('userblacklist', { username, domain, prefix, whitelist });
    for (const [prefix, whitelist] of [['', 0], ['1', 1], ['123456', 0], ['123455787', 0]] as const) await db.insert('globalblacklist', { prefix, whitelist });
    await db.exec('CREATE TABLE vip_blacklist (id INTEGER PRIMARY KEY, username TEXT, domain TEXT, prefix TEXT, whitelist INTEGER)');
    await db.insert('vip_blacklist', { username: 'boss', domain: 'example.com', prefix: '900', whitelist: 0 });
  });
});

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = (params = '') => `
loadmodule "db_sqlite.so"
loadmodule "userblacklist.so"
modparam("userblacklist", "db_url", "${url}")
${params}
route {
  check_user_blacklist($hdr(X-User), "");
  $var(rc) = $retcode;
}
route[dom] {
  check_user_blacklist($hdr(X-User), $hdr(X-Domain));
  $var(rc) = $retcode;
}
route[num] {
  check_user_blacklist($hdr(X-User), $hdr(X-Domain), $hdr(X-Num));
  $var(rc) = $retcode;
}
route[table] {
  check_user_blacklist($hdr(X-User), $hdr(X-Domain), $rU, "vip_blacklist");
  $var(rc) = $retcode;
}
route[global] {
  check_blacklist("globalblacklist");
  $var(rc) = $retcode;
}
`;

async function server(text: string): Promise<{ kit: ScriptTestKit; ubl: ModuleExports }> {
  const ubl = createUserblacklist();
  const mods = [createDbSqlite(), ubl];
  const kit = ScriptTestKit.fromText(text, createModuleRegistry(mods));
  kit.script.applyModparams();
  const services = new Services();
  stops.push(async () => { for (const m of [...mods].reverse()) await m.destroy?.(); });
  for (const m of mods) await m.init?.({ services, log: () => undefined });
  return { kit, ubl };
}

function invite(ruser: string, h: Record<string, string> = {}): string {
  return [
    `INVITE sip:${ruser === '' ? '' : `${ruser}@`}example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-u1',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:bob@example.com>',
    'Call-ID: ubl-1',
    'CSeq: 1 INVITE',
    ...Object.entries(h).map(([k, v]) => `X-${k}: ${v}`),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

const run = async (kit: ScriptTestKit, ruser: string, h: Record<string, string>, route?: string) => {
  const out = await kit.run(invite(ruser, h), route === undefined ? {} : { route: { name: route } });
  return out.vars['rc'];
};

describe('check_user_blacklist', () => {
  it('longest prefix of the user wins; a whitelisted longer prefix allows, no match allows', async () => {
    const { kit } = await server(SCRIPT('modparam("userblacklist", "use_domain", 0)'));
    const u = { User: '49721123456788' };
    expect(await run(kit, '1234999', u)).toBe(-1);
    expect(await run(kit, '123456788', u)).toBe(1);
    expect(await run(kit, '1234567889', u)).toBe(1);
    expect(await run(kit, '12345678', u)).toBe(-1);
    expect(await run(kit, '999', u)).toBe(1);
    // Another user's entries do not count.
    expect(await run(kit, '12345', { User: '49721123456789' })).toBe(-1);
    expect(await run(kit, '1234', { User: '49721123456789' })).toBe(1);
    // Non-digits of the number are dropped before matching.
    expect(await run(kit, '+1-234-999', u)).toBe(-1);
    // A prefix with a non-digit is ignored ("49x1"); "49900" still applies.
    expect(await run(kit, '4991', { User: '494675454' })).toBe(1);
    expect(await run(kit, '4990012', { User: '494675454' })).toBe(-1);
  });

  it('use_domain (default on) matches the domain column too', async () => {
    const { kit } = await server(SCRIPT());
    expect(await run(kit, '49901555', { User: '494675453', Domain: 'test.domain' }, 'dom')).toBe(-1);
    expect(await run(kit, '49901555', { User: '494675453', Domain: 'other.domain' }, 'dom')).toBe(1);
    expect(await run(kit, '1234999', { User: '49721123456788' })).toBe(-1);
    const off = await server(SCRIPT('modparam("userblacklist", "use_domain", 0)'));
    expect(await run(off.kit, '49901555', { User: '494675453', Domain: 'other.domain' }, 'dom')).toBe(-1);
  });

  it('the number argument replaces the Request-URI user; the table argument another table', async () => {
    const { kit } = await server(SCRIPT());
    expect(await run(kit, '555', { User: '494675231', Domain: 'test', Num: '4990341329' }, 'num')).toBe(-1);
    expect(await run(kit, '4990341329', { User: '494675231', Domain: 'test', Num: '555' }, 'num')).toBe(1);
    expect(await run(kit, '900123', { User: 'boss', Domain: 'example.com' }, 'table')).toBe(-1);
    expect(await run(kit, '901123', { User: 'boss', Domain: 'example.com' }, 'table')).toBe(1);
  });

  it('-1 with an error for a number longer than 31 characters or a Request-URI without user', async () => {
    const { kit } = await server(SCRIPT());
    const long = await kit.run(invite('1', { User: 'x', Domain: 'y', Num: '1'.repeat(32) }), { route: { name: 'num' } });
    expect(long.vars['rc']).toBe(-1);
    expect(long.logs.some((l) => /number to long/.test(l.text))).toBe(true);
    expect(await run(kit, '1'.repeat(31), { User: 'x', Domain: 'y', Num: '1'.repeat(31) }, 'num')).toBe(1);
    const nouser = await kit.run(invite('', { User: 'x' }));
    expect(nouser.vars['rc']).toBe(-1);
    expect(nouser.logs.some((l) => /cannot parse msg URI/.test(l.text))).toBe(true);
  });
});

describe('check_blacklist (global table)', () => {
  it('the README example: everything blocked but "1", with longer blacklisted prefixes inside it', async () => {
    const { kit } = await server(SCRIPT());
    expect(await run(kit, '4930123', {}, 'global')).toBe(-1);
    expect(await run(kit, '1555', {}, 'global')).toBe(1);
    expect(await run(kit, '1234567', {}, 'global')).toBe(-1);
    expect(await run(kit, '12345578', {}, 'global')).toBe(1);
    expect(await run(kit, '1234557870', {}, 'global')).toBe(-1);
  });

  it('is loaded at start; userblacklist:reload (alias reload_blacklist) picks up changes', async () => {
    const { kit, ubl } = await server(SCRIPT());
    await withDb(async (db) => { await db.insert('globalblacklist', { prefix: '49', whitelist: 1 }); });
    expect(await run(kit, '4930123', {}, 'global')).toBe(-1);
    const reload = ubl.mi!.find((m) => m.name === 'userblacklist:reload')!;
    expect(reload.aliases).toEqual(['reload_blacklist']);
    expect(await reload.handler({})).toBe('OK');
    expect(await run(kit, '4930123', {}, 'global')).toBe(1);
    await withDb(async (db) => { await db.exec('DROP TABLE globalblacklist'); });
    await expect(reload.handler({})).rejects.toThrow(UserblacklistMiError);
    // The cached tree survives a failed reload.
    expect(await run(kit, '4930123', {}, 'global')).toBe(1);
  });

  it('start fails when the per-user table has no version row', async () => {
    await withDb(async (db) => { await db.delete('version', { keys: ['table_name'], values: ['userblacklist'] }); });
    await expect(server(SCRIPT())).rejects.toThrow(/userblacklist/);
  });
});

describe('PrefixTree', () => {
  it('longest match, empty prefix, replacement, refusal of non-digits', () => {
    const t = new PrefixTree();
    expect(t.longestMatch('123')).toBeNull();
    t.insert('', false);
    t.insert('12', true);
    expect(t.insert('1a', false)).toBe(false);
    expect(t.longestMatch('9')).toBe('black');
    expect(t.longestMatch('129')).toBe('white');
    t.insert('12', false);
    expect(t.longestMatch('129')).toBe('black');
    expect(t.size).toBe(2);
    expect(digitsOf('+49 (30) 1-2')).toBe('493012');
  });

  it('longestOfRows gives the answer of the tree built from the same rows', () => {
    const rows = [
      { prefix: '', whitelist: 1 }, { prefix: '49', whitelist: 0 }, { prefix: '4930', whitelist: 1 }, { prefix: '49', whitelist: 1 },
      { prefix: '4a', whitelist: 0 }, { prefix: null, whitelist: 0 }, { prefix: '4931', whitelist: 0 },
    ];
    const tree = treeFromRows(rows, () => undefined);
    for (const n of ['', '4', '49', '491', '4930', '49301', '4931', '5']) {
      expect([n, longestOfRows(rows, n, () => undefined)]).toEqual([n, tree.longestMatch(n)]);
    }
    expect(longestOfRows(rows, '4912', () => undefined)).toBe('white');
    expect(longestOfRows(rows.slice(1, 2), '5', () => undefined)).toBeNull();
  });
});

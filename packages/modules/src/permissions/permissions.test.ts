import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, createSchema, selectTables, type DbConnection } from '@tsips/core';
import { createModuleRegistry, ScriptTestKit, Services, type ModuleExports, type ReceiveInfo } from '@tsips/script';
import { createDbSqlite } from '../db_sqlite';
import { AddressTable, createPermissions, parsePartition, PermissionsMiError } from './index';
import { lookupIp, newLookupIp } from './address-table';

let dir: string;
let url: string;

type Row = { grp: number; ip: string; mask?: number; port?: number; proto?: string; pattern?: string | null; context_info?: string | null };
const ROWS: Row[] = [
  { grp: 1, ip: '192.0.2.10', mask: 32, context_info: 'pbx-a' },
  { grp: 1, ip: '192.0.2.0', mask: 24, context_info: 'doc-net' },
  { grp: 1, ip: '10.0.0.0', mask: 8, port: 5060, proto: 'udp', context_info: 'ten-net' },
  { grp: 2, ip: '10.1.0.0', mask: 16, pattern: 'sip:*@example.com', context_info: 'ten-one' },
  { grp: 2, ip: '2001:db8::', mask: 32, proto: 'tcp', context_info: 'v6-net' },
  { grp: 3, ip: '2001:DB8::1', mask: 128, port: 5070, context_info: 'v6-host' },
  { grp: 3, ip: '198.51.100.0', mask: 24, proto: 'TLS' },
  // Skipped at load, as OpenSIPS does: proto "none", an unknown protocol, not an IP, a mask too long.
  { grp: 4, ip: '203.0.113.1', proto: 'none' },
  { grp: 4, ip: '203.0.113.2', proto: 'carrier-pigeon' },
  { grp: 4, ip: 'not-an-ip' },
  { grp: 4, ip: '203.0.113.3', mask: 33 },
];

const withDb = <T>(fn: (db: DbConnection) => Promise<T>): Promise<T> => coreTesting.withSqlite(dir, url, fn);
const insert = (table: string, rows: Row[]) => withDb(async (db) => { for (const r of rows) await db.insert(table, { ...r }); });

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-perms-'));
  url = `sqlite://${path.join(dir, 'perms.db')}`;
  await withDb(async (db) => {
    await createSchema(db, selectTables(['permissions']));
    // A second address table for a partition, with its version row.
    await db.exec('CREATE TABLE trusted AS SELECT * FROM address WHERE 0');
    await db.insert('version', { table_name: 'trusted', table_version: 5 });
  });
  await insert('address', ROWS);
  await insert('trusted', [{ grp: 7, ip: '0.0.0.0', mask: 0, port: 0, proto: 'any', context_info: 'anything-v4', pattern: '.h*' }]);
});

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  fs.rmSync(dir, { recursive: true, force: true });
});

const HEAD = (params: string) => `
loadmodule "db_sqlite.so"
loadmodule "permissions.so"
modparam("permissions", "db_url", "${url}")
${params}
`;
const INBOUND = 'modparam("permissions", "partition", "inbound: table_name=trusted")';
const SCRIPT = (params = INBOUND) => `${HEAD(params)}
route {
  check_source_address($hdr(X-Grp), $var(ctx));
  $var(rc) = $retcode;
}
route[addr] {
  check_address($hdr(X-Grp), $hdr(X-Ip), $hdr(X-Port), $hdr(X-Proto), $var(ctx));
  $var(rc) = $retcode;
}
route[pat] {
  check_address($hdr(X-Grp), $hdr(X-Ip), $hdr(X-Port), $hdr(X-Proto), $var(ctx), $hdr(X-Pat));
  $var(rc) = $retcode;
}
route[srcpat] {
  check_source_address($hdr(X-Grp), $avp(ctx), $hdr(X-Pat), "inbound");
  $var(rc) = $retcode;
}
route[group] {
  get_source_group($var(g));
  $var(rc) = $retcode;
}
route[nocontext] {
  check_source_address($hdr(X-Grp));
  $var(rc) = $retcode;
}
`;

async function server(text: string): Promise<{ kit: ScriptTestKit; perms: ModuleExports }> {
  const perms = createPermissions();
  const mods = [createDbSqlite(), perms];
  const kit = ScriptTestKit.fromText(text, createModuleRegistry(mods));
  kit.script.applyModparams();
  const services = new Services();
  stops.push(async () => { for (const m of [...mods].reverse()) await m.destroy?.(); });
  for (const m of mods) await m.init?.({ services, log: () => undefined });
  return { kit, perms };
}

function invite(h: Record<string, string | number> = {}): string {
  return [
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-p1',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:bob@example.com>',
    'Call-ID: perms-1',
    'CSeq: 1 INVITE',
    ...Object.entries(h).map(([k, v]) => `X-${k}: ${v}`),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

type Kit = ScriptTestKit;
const src = async (kit: Kit, grp: number, rcv: Partial<ReceiveInfo>, route?: string, extra: Record<string, string> = {}) => {
  const out = await kit.run(invite({ Grp: grp, ...extra }), { rcv, ...(route !== undefined ? { route: { name: route } } : {}) });
  return { rc: out.vars['rc'], ctx: out.vars['ctx'], avp: out.avps['ctx'], g: out.vars['g'] };
};
const addr = async (kit: Kit, grp: number, ip: string, port: number, proto: string, pat?: string) => {
  const h: Record<string, string | number> = { Grp: grp, Ip: ip, Port: port, Proto: proto };
  if (pat !== undefined) h['Pat'] = pat;
  const out = await kit.run(invite(h), { route: { name: pat === undefined ? 'addr' : 'pat' } });
  return [out.vars['rc'], out.vars['ctx'] ?? null];
};
const mi = (m: ModuleExports, name: string) => m.mi!.find((c) => c.name === name)!;

describe('check_source_address', () => {
  it('matches the source IP, port and protocol; exact entries before subnets; context into the variable', async () => {
    const { kit } = await server(SCRIPT());
    expect(await src(kit, 1, { srcIp: '192.0.2.10' })).toMatchObject({ rc: 1, ctx: 'pbx-a' });
    expect(await src(kit, 1, { srcIp: '192.0.2.11' })).toMatchObject({ rc: 1, ctx: 'doc-net' });
    expect(await src(kit, 1, { srcIp: '10.200.3.4', srcPort: 5060 })).toMatchObject({ rc: 1, ctx: 'ten-net' });
    // 10/8 of group 1 is port 5060 and UDP only.
    expect((await src(kit, 1, { srcIp: '10.200.3.4', srcPort: 5070 })).rc).toBe(-1);
    expect((await src(kit, 1, { srcIp: '10.200.3.4', proto: 'tcp' })).rc).toBe(-1);
    expect((await src(kit, 1, { srcIp: '11.0.0.1' })).rc).toBe(-1);
    // A group without entries is -2; group 0 is any group, tried in ascending order.
    expect((await src(kit, 9, { srcIp: '192.0.2.10' })).rc).toBe(-2);
    expect(await src(kit, 0, { srcIp: '10.1.2.3' })).toMatchObject({ rc: 1, ctx: 'ten-net' });
    expect(await src(kit, 0, { srcIp: '10.1.2.3', srcPort: 5999 })).toMatchObject({ rc: 1, ctx: 'ten-one' });
    expect(await src(kit, 3, { srcIp: '198.51.100.9', proto: 'tls' })).toMatchObject({ rc: 1, ctx: '' });
    expect((await src(kit, 3, { srcIp: '198.51.100.9', proto: 'udp' })).rc).toBe(-1);
    expect((await src(kit, 1, { srcIp: '192.0.2.10' }, 'nocontext')).rc).toBe(1);
  });

  it('IPv6 sources against /128 and /32 entries', async () => {
    const { kit } = await server(SCRIPT());
    expect(await src(kit, 3, { srcIp: '2001:db8::1', srcPort: 5070 })).toMatchObject({ rc: 1, ctx: 'v6-host' });
    expect((await src(kit, 3, { srcIp: '2001:db8::1', srcPort: 5071 })).rc).toBe(-1);
    expect(await src(kit, 2, { srcIp: '2001:db8:ffff::9', proto: 'tcp' })).toMatchObject({ rc: 1, ctx: 'v6-net' });
    expect((await src(kit, 2, { srcIp: '2001:db9::9', proto: 'tcp' })).rc).toBe(-1);
    // An IPv4 subnet never matches an IPv6 source (and 0.0.0.0/0 of "inbound" is IPv4 only).
    expect((await src(kit, 7, { srcIp: '::1' }, 'srcpat', { Pat: '.hidden' })).rc).toBe(-1);
  });
});

describe('check_address', () => {
  it('port 0 and proto "any" match anything; the pattern is an fnmatch glob of the entry', async () => {
    const { kit } = await server(SCRIPT());
    expect(await addr(kit, 1, '10.9.9.9', 0, 'any')).toEqual([1, 'ten-net']);
    expect(await addr(kit, 1, '10.9.9.9', 5060, 'UDP')).toEqual([1, 'ten-net']);
    expect(await addr(kit, 1, '10.9.9.9', 5060, 'tcp')).toEqual([-1, null]);
    expect(await addr(kit, 3, '2001:db8:0::1', 0, 'any')).toEqual([1, 'v6-host']);
    expect(await addr(kit, 2, '10.1.0.1', 0, 'any', 'sip:bob@example.com')).toEqual([1, 'ten-one']);
    expect(await addr(kit, 2, '10.1.0.1', 0, 'any', 'sip:bob@example.org')).toEqual([-1, null]);
    // Without a pattern argument the entry's pattern is not checked.
    expect(await addr(kit, 2, '10.1.0.1', 0, 'any')).toEqual([1, 'ten-one']);
    // Bad arguments: not an IP, an unknown protocol from a variable.
    expect(await addr(kit, 1, '10.9.9', 0, 'any')).toEqual([-1, null]);
    expect(await addr(kit, 1, '10.9.9.9', 0, 'pigeon')).toEqual([-1, null]);
  });

  it('FNM_PERIOD: a leading dot must be matched literally', async () => {
    const { kit } = await server(SCRIPT());
    expect(await src(kit, 7, { srcIp: '203.0.113.50' }, 'srcpat', { Pat: '.hidden' })).toMatchObject({ rc: 1, avp: ['anything-v4'] });
    expect((await src(kit, 7, { srcIp: '203.0.113.50' }, 'srcpat', { Pat: 'hidden' })).rc).toBe(-1);
    const t = AddressTable.fromRows([{ grp: 1, ip: '10.0.0.1', mask: 32, port: 0, proto: 'any', pattern: '*x', info: null }]);
    const ip = lookupIp('10.0.0.1', newLookupIp())!;
    expect(t.match(1, ip, 0, null, 'abx')).not.toBeNull();
    expect(t.match(1, ip, 0, null, '.x')).toBeNull();
  });

  it('a literal unknown protocol is refused when the script loads', async () => {
    expect(() => ScriptTestKit.fromText(`${HEAD('')}route { check_address(1, "10.0.0.1", 0, "pigeon"); }`, createModuleRegistry([createDbSqlite(), createPermissions()])))
      .toThrow(/unknown protocol <pigeon>/);
  });
});

describe('get_source_group', () => {
  it('stores the lowest group of the source (any protocol), -1 when none', async () => {
    const { kit } = await server(SCRIPT());
    expect(await src(kit, 0, { srcIp: '192.0.2.10' }, 'group')).toMatchObject({ rc: 1, g: 1 });
    expect(await src(kit, 0, { srcIp: '198.51.100.3', proto: 'udp' }, 'group')).toMatchObject({ rc: 1, g: 3 });
    expect(await src(kit, 0, { srcIp: '2001:db8::7' }, 'group')).toMatchObject({ rc: 1, g: 2 });
    expect((await src(kit, 0, { srcIp: '203.0.113.1' }, 'group')).rc).toBe(-1);
  });
});

describe('partitions', () => {
  it('parses "name: db_url=...; table_name=..." and refuses unknown attributes', () => {
    expect(parsePartition('inbound: db_url = sqlite:///x.db; table_name = trusted')).toEqual({ name: 'inbound', url: 'sqlite:///x.db', table: 'trusted' });
    expect(parsePartition('solo')).toEqual({ name: 'solo', url: null, table: null });
    expect(() => parsePartition('p: colour=red')).toThrow(/invalid token 'colour'/);
  });

  it('a partition named in the script must be defined', async () => {
    await expect(server(SCRIPT(''))).rejects.toThrow(/invoked partition <inbound> not defined/);
  });
});

describe('MI', () => {
  it('address_reload picks up table changes; address_dump and subnet_dump list the cache', async () => {
    const { kit, perms } = await server(SCRIPT());
    expect((await src(kit, 5, { srcIp: '203.0.113.9' })).rc).toBe(-2);
    await insert('address', [{ grp: 5, ip: '203.0.113.9', context_info: 'new' }]);
    expect((await src(kit, 5, { srcIp: '203.0.113.9' })).rc).toBe(-2);
    expect(await mi(perms, 'permissions:address_reload').handler({})).toBe('OK');
    expect(await src(kit, 5, { srcIp: '203.0.113.9' })).toMatchObject({ rc: 1, ctx: 'new' });
    await withDb(async (db) => { await db.delete('address', { keys: ['grp'], values: [5] }); });
    expect(await mi(perms, 'permissions:address_reload').handler({ partition: 'default' })).toBe('OK');
    expect((await src(kit, 5, { srcIp: '203.0.113.9' })).rc).toBe(-2);
    await expect(mi(perms, 'permissions:address_reload').handler({ partition: 'nope' })).rejects.toThrow(PermissionsMiError);

    const dump = (await mi(perms, 'permissions:address_dump').handler({})) as { Partitions: Array<{ name: string; Destinations: Array<Record<string, unknown>> }> };
    expect(dump.Partitions.map((p) => p.name)).toEqual(['default', 'inbound']);
    const def = dump.Partitions[0]!.Destinations;
    expect(def).toEqual([
      { grp: 1, ip: '192.0.2.10', mask: '32', port: 0, proto: 'any', pattern: '', context_info: 'pbx-a' },
      { grp: 3, ip: '2001:db8::1', mask: '128', port: 5070, proto: 'any', pattern: '', context_info: 'v6-host' },
    ]);
    const subnets = (await mi(perms, 'permissions:subnet_dump').handler({ partition: 'default' })) as { part: string; Destinations: Array<Record<string, unknown>> };
    expect(subnets.part).toBe('default');
    expect(subnets.Destinations.map((d) => `${d['grp']} ${d['ip']}/${d['mask']} ${d['proto']}`)).toEqual([
      '1 192.0.2.0/255.255.255.0 any', '1 10.0.0.0/255.0.0.0 udp', '2 10.1.0.0/255.255.0.0 any', '2 2001:db8::/ffff:ffff:: tcp', '3 198.51.100.0/255.255.255.0 tls',
    ]);
    expect(perms.mi!.find((c) => c.aliases?.includes('address_dump'))!.name).toBe('permissions:address_dump');
    expect(() => mi(perms, 'permissions:address_dump').handler({ partition: 'x' })).toThrow(/No such partition/);
  });

  it('a failed reload answers 400 and keeps the cached table', async () => {
    const { kit, perms } = await server(SCRIPT());
    await withDb(async (db) => { await db.exec('ALTER TABLE address RENAME TO address_old'); });
    await expect(mi(perms, 'permissions:address_reload').handler({})).rejects.toMatchObject({ code: 400, message: 'failed to reload partition  default!' });
    expect(await src(kit, 1, { srcIp: '192.0.2.10' })).toMatchObject({ rc: 1, ctx: 'pbx-a' });
  });
});

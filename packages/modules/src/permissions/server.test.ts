/**
 * permissions in a running server: UDP requests on 127.0.0.1 through the real core, the
 * address table in SQLite, a reload through the module's MI command.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, createSchema, selectTables, SipServer, type DbConnection } from '@tsips/core';
import { createAllModules } from '../index';

const { sipText, UdpPeer, writeScript } = coreTesting;

const OPTIONS = (port: number, n: number): string =>
  sipText(`OPTIONS sip:tsips@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-pm-${n}
From: <sip:alice@example.com>;tag=a${n}
To: <sip:tsips@127.0.0.1>
Call-ID: pm-${n}@example.com
CSeq: ${n} OPTIONS
Max-Forwards: 70
Content-Length: 0

`);

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-perm-srv-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const withDb = <T>(url: string, fn: (db: DbConnection) => Promise<T>): Promise<T> => coreTesting.withSqlite(dir, url, fn);

describe('permissions over UDP', () => {
  it('answers by the source port listed in the address table; address_reload applies changes', async () => {
    const url = `sqlite://${path.join(dir, 'perm.db')}`;
    const a = await UdpPeer.open();
    const b = await UdpPeer.open();
    await withDb(url, async (db) => {
      await createSchema(db, selectTables(['permissions']));
      await db.insert('address', { grp: 1, ip: '127.0.0.1', mask: 32, port: a.port, proto: 'udp', context_info: 'peer-a' });
    });
    const SCRIPT = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "db_sqlite.so"
loadmodule "sl.so"
loadmodule "permissions.so"
modparam("permissions", "db_url", "${url}")

route {
  if (!check_source_address(1, $var(ctx))) {
    sl_send_reply(403, "Forbidden");
    exit;
  }
  sl_send_reply(200, "$var(ctx)");
}
`;
    const modules = createAllModules();
    const server = await SipServer.start(writeScript(SCRIPT, 'permissions.cfg'), { modules, logWriter: () => undefined });
    try {
      const port = server.sockets[0]!.port;
      const answer = async (ua: InstanceType<typeof UdpPeer>, n: number) => {
        await ua.send(OPTIONS(ua.port, n), port);
        return /^SIP\/2\.0 (\d{3} [^\r]*)/.exec((await ua.next()).text)![1];
      };
      expect(await answer(a, 1)).toBe('200 peer-a');
      expect(await answer(b, 2)).toBe('403 Forbidden');
      await withDb(url, async (db) => { await db.update('address', { keys: ['grp'], values: [1] }, { port: 0, context_info: 'any-port' }); });
      const perms = modules.find((m) => m.name === 'permissions')!;
      await perms.mi!.find((m) => m.aliases?.includes('address_reload'))!.handler({});
      expect(await answer(b, 3)).toBe('200 any-port');
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  });
});

/** cachedb_local inside a real server: init from modparams, the core clock, reload, start-up errors. */
import { coreTesting, SipServer, ServerStartError } from '@tsips/core';
import { parseMessage } from '@tsips/sip';
import { proto_udp } from '../proto_udp';
import { createSl } from '../sl';
import { createSignaling } from '../signaling';
import { createCachedbLocal } from '.';

const { sipText, UdpPeer, writeScript } = coreTesting;

const servers: SipServer[] = [];
const peers: InstanceType<typeof UdpPeer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const p of peers.splice(0)) await p.close();
});

const SCRIPT = (head: string) => `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "cachedb_local.so"
${head}
route {
    if (cache_fetch("local:auth", "fail_$si", $avp(n))) {
        if ($(avp(n){s.int}) >= 3) { sl_send_reply(403, "Forbidden"); exit; }
        cache_add("local:auth", "fail_$si", 1, 60);
    } else {
        cache_store("local:auth", "fail_$si", "1", 60);
    }
    sl_send_reply(401, "Unauthorized");
}
`;

const HEAD = `modparam("cachedb_local", "cache_collections", "auth")
modparam("cachedb_local", "cachedb_url", "local:auth:///auth")`;

const req = (port: number, n: number): string =>
  sipText(`REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-cache-${n};rport
From: <sip:alice@example.com>;tag=a${n}
To: <sip:alice@example.com>
Call-ID: cache-${n}@example.com
CSeq: ${n} REGISTER
Max-Forwards: 70
Content-Length: 0

`);

describe('cachedb_local in a server', () => {
  it('counts failures per source address and keeps the counters across a reload', async () => {
    const mod = createCachedbLocal();
    const file = writeScript(SCRIPT(HEAD));
    const server = await SipServer.start(file, { modules: [proto_udp, createSl(), createSignaling(), mod], logWriter: () => undefined });
    servers.push(server);
    const port = server.sockets[0]!.port;
    const ua = await UdpPeer.open();
    peers.push(ua);
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await ua.send(req(ua.port, i), port);
      statuses.push(parseMessage((await ua.next()).data).status!);
    }
    expect(statuses).toEqual([401, 401, 401]);
    expect(mod.collections().get('auth')!.fetch('fail_127.0.0.1')).toBe('3');
    expect(server.reload().ok).toBe(true);
    await ua.send(req(ua.port, 4), port);
    expect(parseMessage((await ua.next()).data).status).toBe(403);
  });

  it('refuses to start with enable_restart_persistency', async () => {
    const file = writeScript(SCRIPT(`${HEAD}\nmodparam("cachedb_local", "enable_restart_persistency", 1)`));
    await expect(SipServer.start(file, { modules: [proto_udp, createSl(), createSignaling(), createCachedbLocal()], logWriter: () => undefined }))
      .rejects.toThrow(ServerStartError);
    await expect(SipServer.start(file, { modules: [proto_udp, createSl(), createSignaling(), createCachedbLocal()], logWriter: () => undefined }))
      .rejects.toThrow('enable_restart_persistency is not supported');
  });
});

import { coreTesting, SipServer } from '@tsips/core';
import { parseMessage } from '@tsips/sip';
import type { ModuleExports } from '@tsips/script';
import { proto_udp } from '../proto_udp';
import { createSl } from '.';
import { createSignaling } from '../signaling';
import { TM, type TmApi } from '../tm/api';

const { sipText, UdpPeer, writeScript } = coreTesting;

const servers: SipServer[] = [];
const peers: InstanceType<typeof UdpPeer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const p of peers.splice(0)) await p.close();
});

async function start(body: string, extra: ModuleExports[] = [], head = ''): Promise<{ server: SipServer; port: number; ua: InstanceType<typeof UdpPeer>; logs: string[] }> {
  const logs: string[] = [];
  const script = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
${extra.map((m) => `loadmodule "${m.name}.so"`).join('\n')}
${head}
${body}`;
  const server = await SipServer.start(writeScript(script), {
    modules: [proto_udp, createSl(), createSignaling(), ...extra],
    logWriter: (l) => logs.push(l),
  });
  servers.push(server);
  const ua = await UdpPeer.open();
  peers.push(ua);
  return { server, port: server.sockets[0]!.port, ua, logs };
}

const req = (port: number, method = 'INVITE', extra = ''): string =>
  sipText(`${method} sip:bob@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-sl-1;rport
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>${extra}
Call-ID: sl-1@example.com
CSeq: 1 ${method}
Max-Forwards: 70
Content-Length: 0

`);

describe('sl_send_reply', () => {
  it('sends the reply and counts it per class', async () => {
    const { server, port, ua } = await start('route { sl_send_reply(486, "Busy Here"); }');
    await ua.send(req(ua.port), port);
    const r = parseMessage((await ua.next()).data);
    expect(r.status).toBe(486);
    expect(r.reason).toBe('Busy Here');
    expect(r.toTag()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect(r.getHeader('Server')).toBe('tsips');
    expect(server.core.statValue('sl:4xx_replies')).toBe(1);
    expect(server.core.statValue('sl:sent_replies')).toBe(1);
    expect(server.core.statValue('sl:2xx_replies')).toBe(0);
  });

  it('rejects a code out of range read from a variable (-1, logged, nothing sent)', async () => {
    const { port, ua, logs } = await start('route { $var(c) = 99; if (!sl_send_reply($var(c), "Bad")) sl_send_reply(500, "fallback"); }');
    await ua.send(req(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 500 fallback');
    expect(logs.some((l) => l.includes('reply code 99 is out of range'))).toBe(true);
  });

  it('does not answer an ACK (returns true, sends nothing)', async () => {
    const { port, ua } = await start('route { if (sl_send_reply(404, "No")) xlog("L_ERR", "ack-ok\\n"); }');
    await ua.send(req(ua.port, 'ACK'), port);
    expect(await ua.silentFor(200)).toBe(true);
  });

  it('lists the destination set as Contact in a 3xx', async () => {
    const { port, ua } = await start('route { $ru = "sip:bob@192.0.2.50:5062"; sl_send_reply(302, "Moved Temporarily"); }');
    await ua.send(req(ua.port), port);
    const r = parseMessage((await ua.next()).data);
    expect(r.status).toBe(302);
    expect(r.getHeader('Contact')).toBe('<sip:bob@192.0.2.50:5062>');
  });

  it('absorbs the ACK of its own non-2xx reply (received_ACKs), the script never sees it', async () => {
    const { server, port, ua, logs } = await start('route { xlog("L_ERR", "script saw $rm\\n"); sl_send_reply(404, "Not Found"); }');
    await ua.send(req(ua.port), port);
    const r = parseMessage((await ua.next()).data);
    await ua.send(req(ua.port, 'ACK', `;tag=${r.toTag()}`), port);
    await new Promise((res) => setTimeout(res, 100));
    expect(server.core.statValue('sl:received_ACKs')).toBe(1);
    expect(logs.filter((l) => l.includes('script saw')).map((l) => l.slice(l.indexOf('script saw')).trim())).toEqual(['script saw INVITE']);
    // An ACK with another To-tag (end-to-end, for a 2xx) goes to the script.
    await ua.send(req(ua.port, 'ACK', ';tag=someone-else'), port);
    await new Promise((res) => setTimeout(res, 100));
    expect(logs.filter((l) => l.includes('script saw ACK'))).toHaveLength(1);
  });

  it('keeps no counters with enable_stats = 0', async () => {
    const { server, port, ua } = await start('route { sl_send_reply(200, "OK"); }', [], 'modparam("sl", "enable_stats", 0)');
    await ua.send(req(ua.port), port);
    await ua.next();
    expect(server.core.statValue('sl:sent_replies')).toBe(0);
  });
});

describe('sl_reply_error', () => {
  it('error_route can answer a parse error with $err.rcode/$err.rreason', async () => {
    const { server, port, ua } = await start('route { exit; }\nerror_route { sl_send_reply($err.rcode, "$err.rreason"); }');
    await ua.send(req(ua.port).replace('CSeq: 1 INVITE', 'CSeq: one INVITE'), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 400 bad CSeq header');
    expect(server.core.statValue('sl:4xx_replies')).toBe(1);
  });

  it('sends 500 when no error was reported, and counts sent_err_replies', async () => {
    const { server, port, ua } = await start('route { sl_reply_error(); }');
    await ua.send(req(ua.port), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 500 Server Internal Error');
    expect(server.core.statValue('sl:sent_err_replies')).toBe(1);
  });
});

describe('signaling send_reply', () => {
  it('replies statelessly when there is no transaction, with $sig_local_totag as the To-tag', async () => {
    const { port, ua } = await start('route { $var(t) = $sig_local_totag; send_reply(480, "Later $var(t)"); }');
    await ua.send(req(ua.port), port);
    const r = parseMessage((await ua.next()).data);
    expect(r.status).toBe(480);
    expect(r.reason).toBe(`Later ${r.toTag()}`);
  });

  it('goes through tm when the request has a transaction', async () => {
    const calls: string[] = [];
    const fakeTm: ModuleExports = {
      name: 'faketm',
      init: (env) => {
        const api: TmApi = {
          transactionOf: (ctx) => (ctx.msg?.method === 'INVITE' ? { id: 't1', method: 'INVITE', ruri: null, lastStatus: 0, cancelled: false, branchCount: 0 } : null),
          reply: async (_ctx, status, reason) => {
            calls.push(`${status} ${reason}`);
            return 1;
          },
          replyWithBody: async () => -1,
          relay: async () => -1,
          transactionCount: () => 0,
          drain: async () => undefined,
        };
        env.services.provide(TM, api);
      },
    };
    const { port, ua } = await start('route { send_reply(486, "Busy"); }', [fakeTm]);
    await ua.send(req(ua.port), port);
    await new Promise((res) => setTimeout(res, 100));
    expect(calls).toEqual(['486 Busy']);
    expect(await ua.silentFor(100)).toBe(true);
    // OPTIONS has no transaction in the fake: stateless.
    await ua.send(req(ua.port, 'OPTIONS'), port);
    expect((await ua.next()).text.split('\r\n')[0]).toBe('SIP/2.0 486 Busy');
  });
});

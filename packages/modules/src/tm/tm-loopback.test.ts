/**
 * tm in a real server on loopback: a caller peer (UDP, or TCP), tsips (core + tm), a callee
 * peer on UDP.
 */
import * as net from 'node:net';
import { coreTesting, SipServer } from '@tsips/core';
import { buildReply, parseMessage, StreamFramer, type SipMessage } from '@tsips/sip';
import { proto_tcp } from '../proto_tcp';
import { proto_udp } from '../proto_udp';
import { createTm } from './index';

const { UdpPeer, sipText, writeScript } = coreTesting;
type Peer = Awaited<ReturnType<typeof UdpPeer.open>>;

const servers: SipServer[] = [];
const peers: Peer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const p of peers.splice(0)) await p.close();
});

async function setup(): Promise<{ proxyPort: number; uac: Peer; uas: Peer }> {
  const uac = await UdpPeer.open();
  const uas = await UdpPeer.open();
  peers.push(uac, uas);
  const script = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "tm.so"
modparam("tm", "fr_timeout", 2)

route {
  if ($rm == "ACK") {
    t_relay();
    exit;
  }
  t_relay();
}
`;
  const server = await SipServer.start(writeScript(script), { modules: [proto_udp, createTm()], logWriter: () => undefined, shutdownTimeoutMs: 200 });
  servers.push(server);
  return { proxyPort: server.sockets[0]!.port, uac, uas };
}

function invite(uacPort: number, uasPort: number, branch: string): string {
  return sipText(`INVITE sip:bob@127.0.0.1:${uasPort} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=${branch};rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: ${branch}@127.0.0.1
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:${uacPort}>
Content-Length: 0

`);
}

async function nextMessage(p: Peer): Promise<SipMessage> {
  return parseMessage((await p.next(2000)).data);
}

describe('tm over loopback UDP', () => {
  it('relays a call: 100 Trying, INVITE downstream, 180/200 upstream, a retransmitted INVITE gets the 200 again', async () => {
    const { proxyPort, uac, uas } = await setup();
    await uac.send(invite(uac.port, uas.port, 'z9hG4bKudp1'), proxyPort);
    const trying = await nextMessage(uac);
    expect(trying.status).toBe(100);
    const inv = await nextMessage(uas);
    expect(inv.method).toBe('INVITE');
    expect(inv.vias()).toHaveLength(2);
    expect(inv.vias()[1]!.rport).toBe(uac.port);

    await uas.send(buildReply(inv, 180, 'Ringing', { toTag: 'b1' }), proxyPort);
    const ringing = await nextMessage(uac);
    expect(ringing.status).toBe(180);
    expect(ringing.vias().map((v) => v.branch)).toEqual(['z9hG4bKudp1']);

    await uas.send(buildReply(inv, 200, 'OK', { toTag: 'b1' }), proxyPort);
    const ok = await nextMessage(uac);
    expect(ok.status).toBe(200);
    expect(ok.to().tag).toBe('b1');

    await uac.send(invite(uac.port, uas.port, 'z9hG4bKudp1'), proxyPort);
    expect((await nextMessage(uac)).status).toBe(200);
    // The retransmission was absorbed: the callee sees nothing new.
    expect(await uas.silentFor(200)).toBe(true);
  });

  it('ACKs a 486 toward the callee, relays it, and absorbs the caller ACK', async () => {
    const { proxyPort, uac, uas } = await setup();
    await uac.send(invite(uac.port, uas.port, 'z9hG4bKudp2'), proxyPort);
    await nextMessage(uac); // 100
    const inv = await nextMessage(uas);
    await uas.send(buildReply(inv, 486, 'Busy Here', { toTag: 'b2' }), proxyPort);
    const ack = await nextMessage(uas);
    expect(ack.method).toBe('ACK');
    expect(ack.topViaBranch()).toBe(inv.topViaBranch());
    const busy = await nextMessage(uac);
    expect(busy.status).toBe(486);
    await uac.send(
      sipText(`ACK sip:bob@127.0.0.1:${uas.port} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${uac.port};branch=z9hG4bKudp2;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>;tag=b2
Call-ID: z9hG4bKudp2@127.0.0.1
CSeq: 1 ACK
Content-Length: 0

`),
      proxyPort,
    );
    // Absorbed by tm: no ACK reaches the callee, and the 486 is not repeated (timer G stopped).
    expect(await uas.silentFor(700)).toBe(true);
    expect(await uac.silentFor(700)).toBe(true);
  });
});

describe('tm with a TCP caller', () => {
  it('answers on the caller connection and never retransmits over TCP', async () => {
    const uas = await UdpPeer.open();
    peers.push(uas);
    const script = `
socket = udp:127.0.0.1:0
socket = tcp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "tm.so"

route {
  t_relay();
}
`;
    const server = await SipServer.start(writeScript(script), { modules: [proto_udp, proto_tcp, createTm()], logWriter: () => undefined, shutdownTimeoutMs: 200 });
    servers.push(server);
    const tcpPort = server.sockets.find((s) => s.proto === 'tcp')!.port;
    const udpPort = server.sockets.find((s) => s.proto === 'udp')!.port;
    const sock = net.connect(tcpPort, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    const framer = new StreamFramer();
    const got: SipMessage[] = [];
    sock.on('data', (chunk) => {
      for (const m of framer.push(chunk)) got.push(parseMessage(m, { transport: 'stream' }));
    });
    const waitFor = async (n: number): Promise<void> => {
      for (let i = 0; i < 100 && got.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      const local = sock.localPort!;
      sock.write(
        sipText(`INVITE sip:bob@127.0.0.1:${uas.port} SIP/2.0
Via: SIP/2.0/TCP 127.0.0.1:${local};branch=z9hG4bKtcp1
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: tcp1@127.0.0.1
CSeq: 1 INVITE
Content-Length: 0

`),
      );
      const inv = await nextMessage(uas);
      expect(inv.method).toBe('INVITE');
      await waitFor(1);
      expect(got.map((m) => m.status)).toEqual([100]);
      await uas.send(buildReply(inv, 486, 'Busy Here', { toTag: 'b3' }), udpPort);
      expect((await nextMessage(uas)).method).toBe('ACK');
      await waitFor(2);
      expect(got.map((m) => m.status)).toEqual([100, 486]);
      // No ACK from the caller: over TCP the 486 is not repeated (no timer G).
      await new Promise((r) => setTimeout(r, 1200));
      expect(got.map((m) => m.status)).toEqual([100, 486]);
    } finally {
      sock.destroy();
    }
  });
});

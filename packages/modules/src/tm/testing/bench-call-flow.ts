/**
 * CPU cost of tm per call, in memory (no sockets): INVITE -> 100 (local) + relayed INVITE,
 * 180 and 200 relayed up, ACK forwarded statelessly, BYE relayed, its 200 relayed up.
 * Incoming messages are parsed as the core would; sends cost nothing. Run after a build:
 *   node packages/modules/dist/tm/testing/bench-call-flow.js [calls]
 * Not a test: it prints microseconds of CPU per call.
 */
import { CORE, type Destination, type LocalSocket, type SipCoreApi } from '@tsips/core';
import { checkScript, createModuleRegistry, parseScript, Services, type ReceiveInfo, type ScriptContext, type ScriptSinks } from '@tsips/script';
import { parseMessage, type SipMessage } from '@tsips/sip';
import { createTm } from '../index';

const SCRIPT = `
loadmodule "tm.so"
route {
  if ($rm == "ACK") { t_relay(); exit; }
  t_relay();
}
`;

const SOCK: LocalSocket = { proto: 'udp', address: '127.0.0.1', port: 5060, name: 'udp:127.0.0.1:5060', advertisedAddress: null, advertisedPort: null };
const UAC: ReceiveInfo = { srcIp: '192.0.2.10', srcPort: 5062, proto: 'udp', dstIp: '127.0.0.1', dstPort: 5060 };
const UAS: ReceiveInfo = { srcIp: '10.0.0.2', srcPort: 5060, proto: 'udp', dstIp: '127.0.0.1', dstPort: 5060 };
const DEST: Destination = { proto: 'udp', address: '10.0.0.2', port: 5060 };

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 20000);
  const tm = createTm();
  const registry = createModuleRegistry([tm]);
  const checked = checkScript(parseScript(SCRIPT, 'bench.cfg').script, registry);
  const script = checked.compiled!;
  const requestHooks: Array<(m: SipMessage, r: ReceiveInfo) => boolean | Promise<boolean>> = [];
  const replyHooks: Array<(m: SipMessage, r: ReceiveInfo) => boolean | Promise<boolean>> = [];
  let lastSent: Buffer = Buffer.alloc(0);
  let sends = 0;
  const sinks: ScriptSinks = { reply: () => 1, forward: () => 1, log: () => undefined, event: () => undefined };
  const core = {
    sockets: [SOCK],
    send: (_d: Destination, data: Buffer) => {
      lastSent = data;
      sends++;
      return Promise.resolve();
    },
    socketFor: () => SOCK,
    localSocket: () => SOCK,
    resolve: () => Promise.resolve([DEST]),
    viaFor: (s: LocalSocket, branch: string) => `SIP/2.0/UDP ${s.address}:${s.port};branch=${branch}`,
    isMyself: () => false,
    onRawMessage: () => undefined,
    onRequest: (h: (m: SipMessage, r: ReceiveInfo) => boolean) => requestHooks.push(h),
    onReply: (h: (m: SipMessage, r: ReceiveInfo) => boolean) => replyHooks.push(h),
    onShutdown: () => undefined,
    runRoute: async (type: 'onreply', name: string | null, msg: SipMessage | null, rcv: ReceiveInfo | null, setup?: (c: ScriptContext) => void) => {
      const ctx = script.createContext({ msg, rcv: rcv ?? UAC, sinks });
      setup?.(ctx);
      return { result: await script.run(ctx, type, name), ctx };
    },
    hasRoute: (type: 'onreply', name: string | null) => script.hasRoute(type, name),
    sendReply: () => Promise.resolve(),
    forwardStateless: () => Promise.resolve(1),
    requestBytes: (msg: SipMessage, _rcv: ReceiveInfo, via: string) => {
      const b = msg.toBuffer();
      const eol = b.indexOf(10) + 1;
      return Buffer.concat([b.subarray(0, eol), Buffer.from(`Via: ${via}\r\n`), b.subarray(eol)]);
    },
    toTagFor: () => 'x',
    disableStats: () => undefined,
    serverHeader: 'Server: tsips',
    userAgentHeader: null,
    log: () => undefined,
    stat: () => undefined,
    statValue: () => 0,
    now: () => Date.now(),
  } as unknown as SipCoreApi;
  const services = new Services();
  services.provide(CORE, core);
  await tm.init!({ services, log: () => undefined });

  const request = async (text: string): Promise<void> => {
    const msg = parseMessage(Buffer.from(text, 'latin1'));
    for (const h of requestHooks) if (await h(msg, UAC)) return;
    const ctx = script.createContext({ msg, rcv: UAC, sinks });
    await script.run(ctx);
  };
  const reply = async (text: string): Promise<void> => {
    const msg = parseMessage(Buffer.from(text, 'latin1'));
    for (const h of replyHooks) if (await h(msg, UAS)) return;
  };
  const ourBranch = (): string => /branch=([^;\r\n]+)/.exec(lastSent.toString('latin1'))![1]!;

  const oneCall = async (i: number): Promise<void> => {
    const callVia = `SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-c${i};rport`;
    const common = `From: <sip:alice@example.com>;tag=a${i}\r\nCall-ID: call${i}@192.0.2.10\r\n`;
    await request(`INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: ${callVia}\r\nMax-Forwards: 70\r\n${common}To: <sip:bob@example.com>\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@192.0.2.10:5062>\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n`);
    const b1 = ourBranch();
    const vias = `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${b1}\r\nVia: ${callVia};received=192.0.2.10\r\n`;
    await reply(`SIP/2.0 180 Ringing\r\n${vias}${common}To: <sip:bob@example.com>;tag=b${i}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`);
    await reply(`SIP/2.0 200 OK\r\n${vias}${common}To: <sip:bob@example.com>;tag=b${i}\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@10.0.0.2>\r\nContent-Length: 0\r\n\r\n`);
    await request(`ACK sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-a${i};rport\r\nMax-Forwards: 70\r\n${common}To: <sip:bob@example.com>;tag=b${i}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`);
    const byeVia = `SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-b${i};rport`;
    await request(`BYE sip:bob@10.0.0.2 SIP/2.0\r\nVia: ${byeVia}\r\nMax-Forwards: 70\r\n${common}To: <sip:bob@example.com>;tag=b${i}\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`);
    const b2 = ourBranch();
    await reply(`SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=${b2}\r\nVia: ${byeVia};received=192.0.2.10\r\n${common}To: <sip:bob@example.com>;tag=b${i}\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`);
  };

  for (let i = 0; i < 2000; i++) await oneCall(-i - 1); // warm-up
  sends = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await oneCall(i);
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const us = (cpu.user + cpu.system) / calls;
  console.log(`${calls} calls, ${sends} sends, ${wall.toFixed(0)} ms wall, ${us.toFixed(1)} us CPU per call (tm + script + parsing, no sockets)`);
  await tm.destroy?.();
}

void main();

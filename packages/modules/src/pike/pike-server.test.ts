/**
 * pike's automatic mode in a real server on loopback: sources 127.0.0.5 .. 127.0.0.9 send
 * over UDP (and TCP) to tsips on 127.0.0.1; check_route exempts 127.0.0.7.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { coreTesting, EVENTS, SipServer } from '@tsips/core';
import type { RaisedEvent } from '@tsips/script';
import type { ModuleExports } from '@tsips/script';
import { proto_tcp } from '../proto_tcp';
import { proto_udp } from '../proto_udp';
import { createSl } from '../sl';
import { createPike } from './index';

jest.setTimeout(20_000);
const { writeScript, sipText } = coreTesting;

const SCRIPT = `
socket = udp:127.0.0.1:0
socket = tcp:127.0.0.1:0
log_level = 3
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "sl.so"
loadmodule "pike.so"
modparam("pike", "sampling_time_unit", 1)
modparam("pike", "reqs_density_per_unit", 10)
modparam("pike", "remove_latency", 2)
modparam("pike", "check_route", "pike")
modparam("pike", "pike_log_level", 2)

route[pike] {
  if ($si == "127.0.0.7") drop;
}

route {
  if ($rm == "PUBLISH") {
    subscribe_event("E_PIKE_BLOCKED", "$hdr(X-Socket)", 60);
    $var(rc) = $retcode;
    sl_send_reply(200, "subscribed $var(rc)");
    exit;
  }
  xlog("L_NOTICE", "script: $rm $ci from $si\\n");
  sl_send_reply(200, "OK");
}

event_route[E_PIKE_BLOCKED] {
  xlog("L_NOTICE", "event: E_PIKE_BLOCKED ip=$param(ip)\\n");
}
`;

function options(from: string, port: number, n: number, proto = 'UDP'): string {
  return sipText(`OPTIONS sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/${proto} ${from}:${port};branch=z9hG4bK-${from}-${n}
Max-Forwards: 70
From: <sip:flood@example.com>;tag=${n}
To: <sip:tsips@example.com>
Call-ID: c${n}-${from}
CSeq: 1 OPTIONS
Content-Length: 0

`);
}

/** A UDP source bound to one loopback address, counting the replies it gets. */
class Source {
  readonly sock = dgram.createSocket('udp4');
  replies = 0;
  port = 0;
  constructor(readonly ip: string) {}
  async open(): Promise<this> {
    await new Promise<void>((resolve) => this.sock.bind(0, this.ip, () => resolve()));
    this.port = this.sock.address().port;
    this.sock.on('message', (d) => {
      if (d.toString('latin1').startsWith('SIP/2.0 200')) this.replies++;
    });
    return this;
  }
  send(data: string | Buffer, to: number): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, to, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: SipServer | null = null;
const sources: Source[] = [];
afterEach(async () => {
  await server?.stop();
  server = null;
  for (const s of sources.splice(0)) await s.close();
});

async function start(): Promise<{ pike: ModuleExports; lines: string[]; udp: number; tcp: number; file: string }> {
  const pike = createPike();
  const lines: string[] = [];
  const file = writeScript(SCRIPT);
  server = await SipServer.start(file, { modules: [proto_udp, proto_tcp, createSl(), pike], logWriter: (l) => lines.push(l.trimEnd()), shutdownTimeoutMs: 200 });
  const udp = server.sockets.find((s) => s.proto === 'udp')!.port;
  const tcp = server.sockets.find((s) => s.proto === 'tcp')!.port;
  return { pike, lines, udp, tcp, file };
}

async function source(ip: string): Promise<Source> {
  const s = await new Source(ip).open();
  sources.push(s);
  return s;
}

const matching = (lines: string[], re: RegExp) => lines.filter((l) => re.test(l));

describe('pike automatic mode (check_route) on loopback', () => {
  it('blocks a 10x flood within one sampling unit, raises E_PIKE_BLOCKED once, drops the source before the script, spares others, unblocks after quiet', async () => {
    const { pike, lines, udp } = await start();
    const flooder = await source('127.0.0.5');
    const other = await source('127.0.0.6');
    const exempt = await source('127.0.0.7');

    // 100 requests (10x the density of 10 per 1 s unit) from each of two sources.
    const t0 = Date.now();
    // In bursts of 10 so that loopback socket buffers do not lose datagrams (about 100 ms in all).
    for (let b = 0; b < 10; b++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => flooder.send(options('127.0.0.5', flooder.port, b * 10 + i), udp)));
      await Promise.all(Array.from({ length: 10 }, (_, i) => exempt.send(options('127.0.0.7', exempt.port, b * 10 + i), udp)));
      await sleep(10);
    }
    await sleep(300);
    expect(Date.now() - t0).toBeLessThan(1000);
    // The flooder got answers only until it turned red: 13 hits build 127.0.0.5 and fill its
    // leaf (more if a unit boundary fell inside the flood), then nothing.
    expect(flooder.replies).toBeGreaterThanOrEqual(13);
    expect(flooder.replies).toBeLessThan(35);
    const reached = matching(lines, /script: OPTIONS .* from 127\.0\.0\.5$/).length;
    expect(reached).toBe(flooder.replies);
    expect(matching(lines, /event: E_PIKE_BLOCKED/)).toEqual([expect.stringContaining('event: E_PIKE_BLOCKED ip=127.0.0.5')]);
    expect(matching(lines, /PIKE - BLOCKing ip 127\.0\.0\.5/)).toHaveLength(1);
    // check_route dropped for 127.0.0.7: never counted, every request answered.
    expect(exempt.replies).toBe(100);
    expect(await pike.mi!.find((m) => m.name === 'pike:list')!.handler({})).toEqual({ IPs: ['127.0.0.5'] });

    // While red, later requests from the flooder never reach the script (and keep it red).
    for (let i = 0; i < 3; i++) {
      await flooder.send(options('127.0.0.5', flooder.port, 1000 + i), udp);
      await other.send(options('127.0.0.6', other.port, 1000 + i), udp);
      await sleep(50);
    }
    await sleep(200);
    expect(flooder.replies).toBe(reached);
    expect(matching(lines, /script: OPTIONS .* from 127\.0\.0\.5$/)).toHaveLength(reached);
    // Another source of the same subnet is unaffected.
    expect(other.replies).toBe(3);
    expect(matching(lines, /event: E_PIKE_BLOCKED/)).toHaveLength(1);

    // Quiet for remove_latency (2 s): unblocked, logged, and answered again.
    await sleep(2600);
    expect(matching(lines, /PIKE - UNBLOCKing ip 127\.0\.0\.5/).length).toBeGreaterThanOrEqual(1);
    await flooder.send(options('127.0.0.5', flooder.port, 2000), udp);
    await sleep(200);
    expect(flooder.replies).toBe(reached + 1);
    expect(await pike.mi!.find((m) => m.name === 'pike:list')!.handler({})).toEqual({ IPs: [] });
  });

  it('counts datagrams that do not parse: a garbage flood blocks its source before the parser sees most of it', async () => {
    const { lines, udp } = await start();
    const junk = await source('127.0.0.8');
    for (let b = 0; b < 6; b++) {
      await Promise.all(Array.from({ length: 10 }, () => junk.send(Buffer.from('\x00\x01 not SIP at all\r\n'), udp)));
      await sleep(10);
    }
    await sleep(200);
    const bad = server!.core.statValue('core:bad_msg_hdr');
    expect(bad).toBeGreaterThanOrEqual(13);
    expect(bad).toBeLessThan(35);
    expect(matching(lines, /event: E_PIKE_BLOCKED ip=127\.0\.0\.8/)).toHaveLength(1);
    // A well-formed request from it is dropped too.
    await junk.send(options('127.0.0.8', junk.port, 1), udp);
    await sleep(150);
    expect(junk.replies).toBe(0);
    expect(server!.core.statValue('pike:dropped')).toBe(60 - bad + 1);
  });

  it('counts TCP messages: a flood on one connection is blocked and its later requests are not answered', async () => {
    const { lines, tcp } = await start();
    const sock = net.connect({ host: '127.0.0.1', port: tcp, localAddress: '127.0.0.9' });
    await new Promise<void>((resolve, reject) => sock.once('connect', () => resolve()).once('error', reject));
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    const localPort = sock.localPort!;
    for (let i = 0; i < 60; i++) sock.write(options('127.0.0.9', localPort, i, 'TCP'));
    await sleep(400);
    const answered = (got.match(/SIP\/2\.0 200 OK/g) ?? []).length;
    expect(answered).toBeGreaterThanOrEqual(13);
    expect(answered).toBeLessThan(35);
    expect(matching(lines, /script: OPTIONS .* from 127\.0\.0\.9$/)).toHaveLength(answered);
    expect(matching(lines, /event: E_PIKE_BLOCKED ip=127\.0\.0\.9/)).toHaveLength(1);
    sock.destroy();
  });
});

describe('E_PIKE_BLOCKED through the event interface', () => {
  it('goes to the subscribers that subscribe_event() added (a transport registered by scheme), once per block', async () => {
    const { udp } = await start();
    const delivered: Array<{ target: string; ev: RaisedEvent }> = [];
    server!.services.get(EVENTS).registerTransport('test', { deliver: (ev, target) => delivered.push({ target, ev }) });
    const admin = await source('127.0.0.6');
    const replies: string[] = [];
    admin.sock.on('message', (d) => replies.push(d.toString('latin1').split('\r\n')[0]!));
    const publish = (socket: string, n: number) => admin.send(sipText(`PUBLISH sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.6:${admin.port};branch=z9hG4bK-pub${n}
From: <sip:admin@example.com>;tag=p${n}
To: <sip:tsips@example.com>
Call-ID: pub${n}
CSeq: 1 PUBLISH
X-Socket: ${socket}
Content-Length: 0

`), udp);
    await publish('test:collector-1', 1);
    await publish('kafka:broker/topic', 2);
    await sleep(150);
    expect(replies).toEqual(['SIP/2.0 200 subscribed 1', 'SIP/2.0 200 subscribed -1']);
    expect(server!.services.get(EVENTS).list('E_PIKE_BLOCKED').map((s) => s.socket)).toEqual(['test:collector-1']);

    const flooder = await source('127.0.0.5');
    for (let b = 0; b < 5; b++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => flooder.send(options('127.0.0.5', flooder.port, b * 10 + i), udp)));
      await sleep(10);
    }
    await sleep(150);
    expect(delivered).toEqual([{ target: 'collector-1', ev: { name: 'E_PIKE_BLOCKED', params: { ip: '127.0.0.5' } } }]);
  });
});

describe('pike and reload', () => {
  it('after a reload whose script has no check route any more, nothing is counted or dropped', async () => {
    const { udp, file } = await start();
    fs.writeFileSync(file, SCRIPT.replace(/route\[pike\] \{[^}]*\}/, ''));
    expect(server!.reload().ok).toBe(true);
    const flooder = await source('127.0.0.5');
    for (let b = 0; b < 5; b++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => flooder.send(options('127.0.0.5', flooder.port, b * 10 + i), udp)));
      await sleep(10);
    }
    await sleep(200);
    expect(flooder.replies).toBe(50);
    expect(server!.core.statValue('pike:dropped')).toBe(0);
  });
});

describe('pike start-up', () => {
  it('refuses a check_route that names no route', async () => {
    const bad = SCRIPT.replace('modparam("pike", "check_route", "pike")', 'modparam("pike", "check_route", "nope")');
    await expect(SipServer.start(writeScript(bad), { modules: [proto_udp, proto_tcp, createSl(), createPike()], logWriter: () => undefined, shutdownTimeoutMs: 200 }))
      .rejects.toThrow('pike: check_route: route <nope> does not exist');
  });
});

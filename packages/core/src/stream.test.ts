import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { FunctionExport, ModuleExports, ScriptContext } from '@tsips/script';
import { SipServer } from './server';
import { sipText, writeScript } from './testing/harness';

function testModules(): ModuleExports[] {
  const reply: FunctionExport = {
    name: 'test_reply',
    params: [{ name: 'code', kind: 'int-or-var' }, { name: 'reason', kind: 'string' }],
    routes: ['REQUEST_ROUTE', 'ERROR_ROUTE'],
    impl: ((ctx: ScriptContext, code: number, reason: string) => ctx.sinks.reply(ctx, code, reason)) as FunctionExport['impl'],
  };
  const multi = (n: string): { name: string; type: 'string'; multiple: true } => ({ name: n, type: 'string', multiple: true });
  return [
    { name: 'proto_udp' },
    { name: 'proto_tcp', params: [{ name: 'tcp_max_msg_chunks', type: 'int' }] },
    { name: 'proto_tls' },
    { name: 'tls_mgm', params: ['certificate', 'private_key', 'verify_cert', 'require_cert', 'server_domain', 'client_domain', 'match_ip_address', 'ca_list'].map(multi) },
    { name: 'testmod', functions: [reply] },
  ];
}

const servers: SipServer[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.stop();
});

async function start(script: string): Promise<SipServer> {
  const server = await SipServer.start(writeScript(script), { modules: testModules(), logWriter: (l) => { if (process.env.TSIPS_DEBUG) process.stderr.write(l); }, tcpMaxConnectionsPerIp: 3, maxMessageSize: 2000 });
  servers.push(server);
  return server;
}

const request = (n: number, body = ''): string =>
  sipText(`OPTIONS sip:tsips@127.0.0.1 SIP/2.0
Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-${n}
From: <sip:alice@example.com>;tag=a${n}
To: <sip:tsips@127.0.0.1>
Call-ID: tcp-${n}@example.com
CSeq: ${n} OPTIONS
Content-Length: ${Buffer.byteLength(body)}

`) + body;

/** Collects replies from a stream until `count` complete messages arrived. */
function readReplies(sock: net.Socket, count: number, ms = 2000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const out: string[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${out.length} of ${count} replies: ${buf}`)), ms);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) break;
        const len = Number(/Content-Length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? '0');
        if (buf.length < end + 4 + len) break;
        out.push(buf.slice(0, end + 4 + len));
        buf = buf.slice(end + 4 + len);
      }
      if (out.length >= count) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    sockets.push(s);
  });
}

function closed(sock: net.Socket, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (sock.destroyed || sock.readyState === 'closed') return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    sock.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

const TCP = `
socket = tcp:127.0.0.1:0
loadmodule "proto_tcp.so"
loadmodule "testmod.so"
route { test_reply(200, "OK $ci $proto"); }
`;

describe('TCP', () => {
  it('frames two messages sent in one segment and answers both on the same connection', async () => {
    const server = await start(TCP);
    const sock = await connect(server.sockets[0]!.port);
    const replies = readReplies(sock, 2);
    sock.write(request(1) + request(2, 'hello'));
    const r = await replies;
    expect(r.map((x) => x.split('\r\n')[0])).toEqual(['SIP/2.0 200 OK tcp-1@example.com tcp', 'SIP/2.0 200 OK tcp-2@example.com tcp']);
  });

  it('reassembles a message split over several segments', async () => {
    const server = await start(TCP);
    const sock = await connect(server.sockets[0]!.port);
    const replies = readReplies(sock, 1);
    const text = request(3, 'body-bytes');
    sock.write(text.slice(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    sock.write(text.slice(10, 60));
    await new Promise((r) => setTimeout(r, 20));
    sock.write(text.slice(60));
    expect((await replies)[0]!.split('\r\n')[0]).toBe('SIP/2.0 200 OK tcp-3@example.com tcp');
  });

  it('closes a connection that sends a message larger than the limit, or without Content-Length', async () => {
    const server = await start(TCP);
    const big = await connect(server.sockets[0]!.port);
    big.write(request(4, 'x'.repeat(3000)));
    expect(await closed(big)).toBe(true);
    const nolen = await connect(server.sockets[0]!.port);
    nolen.write(request(5).replace('Content-Length: 0\r\n', ''));
    expect(await closed(nolen)).toBe(true);
  });

  it('refuses connections beyond the per-IP limit', async () => {
    const server = await start(TCP);
    const port = server.sockets[0]!.port;
    const kept = [await connect(port), await connect(port), await connect(port)];
    await new Promise((r) => setTimeout(r, 50));
    const extra = await connect(port);
    expect(await closed(extra)).toBe(true);
    for (const k of kept) expect(k.destroyed).toBe(false);
  });

  it('closes idle connections after tcp_connection_lifetime', async () => {
    const server = await start(TCP.replace('socket =', 'tcp_connection_lifetime = 1\nsocket ='));
    const sock = await connect(server.sockets[0]!.port);
    const started = Date.now();
    expect(await closed(sock, 3000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('answers a CRLFCRLF keepalive with CRLF', async () => {
    const server = await start(TCP);
    const sock = await connect(server.sockets[0]!.port);
    const got = new Promise<string>((resolve) => sock.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    sock.write('\r\n\r\n');
    expect(await got).toBe('\r\n');
  });

  it('forwards statelessly over TCP and relays the reply back on the caller connection', async () => {
    // The next hop: a plain TCP server that answers 200 to whatever it gets.
    let hopSeen = '';
    const hop = net.createServer((c) => {
      c.on('data', (d: Buffer) => {
        hopSeen += d.toString('latin1');
        const end = hopSeen.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = hopSeen.slice(0, end);
        const lines = head.split('\r\n');
        const keep = lines.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
        c.write(`SIP/2.0 200 Fine\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
      });
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', () => r()));
    const hopPort = (hop.address() as net.AddressInfo).port;
    try {
      const server = await start(`
socket = tcp:127.0.0.1:0
loadmodule "proto_tcp.so"
loadmodule "testmod.so"
route { forward("sip:127.0.0.1:${hopPort};transport=tcp"); }
`);
      const sock = await connect(server.sockets[0]!.port);
      const replies = readReplies(sock, 1);
      sock.write(request(7));
      const r = (await replies.catch((e: Error) => {
        throw new Error(`${e.message}\nthe hop saw: ${hopSeen}`);
      }))[0]!;
      expect(r.split('\r\n')[0]).toBe('SIP/2.0 200 Fine');
      // Same host as the source: no received (RFC 3261 §18.2.1); the reply found the caller's
      // connection through the alias its Via port created.
      expect(r).toContain('Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-tcp-7\r\n');
      expect(r).not.toContain(`SIP/2.0/TCP 127.0.0.1:${server.sockets[0]!.port}`);
      expect(hopSeen).toMatch(new RegExp(`^OPTIONS sip:tsips@127.0.0.1 SIP/2.0\\r\\nVia: SIP/2.0/TCP 127.0.0.1:${server.sockets[0]!.port};branch=z9hG4bKsl`));
    } finally {
      for (const s of servers.splice(0)) await s.stop();
      await new Promise((r) => hop.close(r));
    }
  });
});

describe('TLS', () => {
  let dir = '';
  beforeAll(() => {
    // A throw-away self-signed certificate for 127.0.0.1 (the committed fixture without openssl).
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-tls-'));
    let haveOpenssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      haveOpenssl = false;
    }
    if (!haveOpenssl) {
      const fixtures = path.join(__dirname, 'testing', 'fixtures');
      fs.copyFileSync(path.join(fixtures, 'test-cert.pem'), path.join(dir, 'cert.pem'));
      fs.copyFileSync(path.join(fixtures, 'test-key.pem'), path.join(dir, 'key.pem'));
      return;
    }
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
  });

  it('accepts a TLS connection with the tls_mgm certificate and answers over it', async () => {
    const server = await start(`
socket = tls:127.0.0.1:0
loadmodule "proto_tls.so"
loadmodule "tls_mgm.so"
modparam("tls_mgm", "certificate", "${path.join(dir, 'cert.pem')}")
modparam("tls_mgm", "private_key", "${path.join(dir, 'key.pem')}")
loadmodule "testmod.so"
route { test_reply(200, "Secure $proto $Rp"); }
`);
    const port = server.sockets[0]!.port;
    expect(server.sockets[0]!.name).toBe(`tls:127.0.0.1:${port}`);
    const sock = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', ca: fs.readFileSync(path.join(dir, 'cert.pem')) }, () => resolve(s));
      s.once('error', reject);
      sockets.push(s);
    });
    expect(sock.authorized).toBe(true);
    expect(sock.getPeerCertificate().subject.CN).toBe('127.0.0.1');
    const replies = readReplies(sock, 1);
    sock.write(request(8).replace('SIP/2.0/TCP', 'SIP/2.0/TLS'));
    expect((await replies)[0]!.split('\r\n')[0]).toBe(`SIP/2.0 200 Secure tls ${port}`);
  });

  it('forwards over an outgoing TLS connection, verifying the hop with the client domain CA', async () => {
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    let seen = '';
    const hop = tls.createServer({ cert, key: fs.readFileSync(path.join(dir, 'key.pem')) }, (c) => {
      c.on('data', (d: Buffer) => {
        seen += d.toString('latin1');
      });
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', () => r()));
    const hopPort = (hop.address() as net.AddressInfo).port;
    try {
      const server = await start(`
socket = tls:127.0.0.1:0
loadmodule "proto_tls.so"
loadmodule "tls_mgm.so"
modparam("tls_mgm", "certificate", "${path.join(dir, 'cert.pem')}")
modparam("tls_mgm", "private_key", "${path.join(dir, 'key.pem')}")
modparam("tls_mgm", "client_domain", "hop")
modparam("tls_mgm", "match_ip_address", "[hop]127.0.0.1:${hopPort}")
modparam("tls_mgm", "ca_list", "[hop]${path.join(dir, 'cert.pem')}")
loadmodule "testmod.so"
route { forward("sips:bob@127.0.0.1:${hopPort}"); }
`);
      const port = server.sockets[0]!.port;
      const sock = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ port, host: '127.0.0.1', ca: cert }, () => resolve(s));
        s.once('error', reject);
        sockets.push(s);
      });
      sock.write(request(9).replace('SIP/2.0/TCP', 'SIP/2.0/TLS'));
      for (let i = 0; i < 100 && !seen.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toMatch(new RegExp(`^OPTIONS sip:tsips@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:${port};branch=z9hG4bKsl[0-9a-f]{16}\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tcp-9\r\n`));
    } finally {
      for (const s of servers.splice(0)) await s.stop();
      await new Promise((r) => hop.close(r));
    }
  });

  it('limits TLS connections per IP before the handshake, and drops a stalled handshake', async () => {
    const server = await start(`
socket = tls:127.0.0.1:0
tcp_max_msg_time = 1
loadmodule "proto_tls.so"
loadmodule "tls_mgm.so"
modparam("tls_mgm", "certificate", "${path.join(dir, 'cert.pem')}")
modparam("tls_mgm", "private_key", "${path.join(dir, 'key.pem')}")
loadmodule "testmod.so"
route { exit; }
`);
    const port = server.sockets[0]!.port;
    // Plain TCP connections that never start TLS: three are admitted, the fourth is refused.
    const raw = [await connect(port), await connect(port), await connect(port)];
    await new Promise((r) => setTimeout(r, 50));
    const extra = await connect(port);
    expect(await closed(extra, 1000)).toBe(true);
    expect(raw.every((s) => !s.destroyed)).toBe(true);
    // The handshake timeout (here 5 s minimum) closes the stalled ones.
    const started = Date.now();
    expect(await closed(raw[0]!, 8000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(3000);
  }, 15000);

  it('refuses to start without a certificate', async () => {
    await expect(
      SipServer.start(writeScript(`
socket = tls:127.0.0.1:0
loadmodule "proto_tls.so"
loadmodule "tls_mgm.so"
loadmodule "testmod.so"
route { exit; }
`), { modules: testModules(), logWriter: () => undefined }),
    ).rejects.toThrow(/no certificate\/private_key/);
  });
});

// A REGISTER challenged by www_challenge and accepted by www_authorize on a real server
// (UDP on 127.0.0.1), with the subscriber written by `tsips-cli user add`.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, SipServer } from '@tsips/core';
import { createAllModules } from '@tsips/modules';
import { parseMessage } from '@tsips/sip';
import { main } from './tsips-cli';

const { UdpPeer, writeScript } = coreTesting;

let dir: string;
let server: SipServer | null = null;
let ua: InstanceType<typeof UdpPeer> | null = null;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-auth-')); });
afterEach(async () => {
  await server?.stop();
  await ua?.close();
  server = null;
  ua = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const md5 = (t: string) => crypto.createHash('md5').update(t).digest('hex');
const sha256 = (t: string) => crypto.createHash('sha256').update(t).digest('hex');

function register(port: number, cseq: number, auth?: string): string {
  return [
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-reg-${cseq};rport`,
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:alice@example.com>',
    'Call-ID: auth-reg-1@127.0.0.1',
    `CSeq: ${cseq} REGISTER`,
    'Max-Forwards: 70',
    `Contact: <sip:alice@127.0.0.1:${port}>`,
    'Expires: 600',
    ...(auth !== undefined ? [`Authorization: ${auth}`] : []),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

describe('REGISTER with digest authentication', () => {
  it('is challenged (401), then accepted (200 with the binding) with tsips-cli subscriber data', async () => {
    const url = `sqlite://${path.join(dir, 'tsips.db')}`;
    const io = { out: () => undefined, err: (t: string) => { throw new Error(t); } };
    expect(await main(['db', 'create', '--url', url], io, dir)).toBe(0);
    expect(await main(['user', 'add', 'alice@example.com', 'Secr3t', '--url', url], io, dir)).toBe(0);

    const logs: string[] = [];
    server = await SipServer.start(writeScript(`
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "db_sqlite.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("auth_db", "db_url", "${url}")
route {
  if (!www_authorize("", "subscriber")) {
    xlog("L_NOTICE", "auth failed: $retcode\\n");
    www_challenge("", "auth", "SHA-256,MD5");
  }
  consume_credentials();
  save("location");
}`), { modules: createAllModules(), logWriter: (l) => logs.push(l) });
    const port = server.sockets[0]!.port;
    ua = await UdpPeer.open();

    await ua.send(register(ua.port, 1), port);
    const challenge = parseMessage((await ua.next()).data);
    expect(challenge.status).toBe(401);
    const lines = challenge.getHeaders('WWW-Authenticate');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Digest realm="example\.com", nonce="[^"]+", qop="auth", algorithm=SHA-256$/);
    expect(lines[1]).toMatch(/algorithm=MD5$/);
    expect(logs.some((l) => l.includes('auth failed: -4'))).toBe(true);

    const nonce = /nonce="([^"]+)"/.exec(lines[0]!)![1]!;
    const ha1 = sha256('alice:example.com:Secr3t');
    const ha2 = sha256('REGISTER:sip:example.com');
    const response = sha256(`${ha1}:${nonce}:00000001:abcdef:auth:${ha2}`);
    const creds = `Digest username="alice", realm="example.com", nonce="${nonce}", uri="sip:example.com", response="${response}", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="abcdef"`;
    await ua.send(register(ua.port, 2, creds), port);
    const ok = parseMessage((await ua.next()).data);
    expect(ok.status).toBe(200);
    expect(ok.getHeader('Contact')).toBe(`<sip:alice@127.0.0.1:${ua.port}>;expires=600`);

    // The same credentials again: the nonce was used, so 401 with stale=true.
    await ua.send(register(ua.port, 3, creds), port);
    const stale = parseMessage((await ua.next()).data);
    expect(stale.status).toBe(401);
    expect(stale.getHeaders('WWW-Authenticate').every((h) => h.includes('stale=true'))).toBe(true);

    // An MD5 answer with a wrong password: 401 again, no stale.
    const md5Nonce = /nonce="([^"]+)"/.exec(stale.getHeaders('WWW-Authenticate')[1]!)![1]!;
    const bad = md5(`${md5('alice:example.com:wrong')}:${md5Nonce}:00000001:abcdef:auth:${md5('REGISTER:sip:example.com')}`);
    await ua.send(register(ua.port, 4, `Digest username="alice", realm="example.com", nonce="${md5Nonce}", uri="sip:example.com", response="${bad}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef"`), port);
    const refused = parseMessage((await ua.next()).data);
    expect(refused.status).toBe(401);
    expect(refused.getHeaders('WWW-Authenticate').some((h) => h.includes('stale'))).toBe(false);
    expect(logs.some((l) => l.includes('auth failed: -2'))).toBe(true);
  });
});

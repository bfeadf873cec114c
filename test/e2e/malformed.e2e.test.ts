/**
 * End to end: the malformed-message corpus (fixtures/malformed/corpus.json) against a real
 * tsips process running configs/validate.cfg, which answers every request with
 * sipmsg_validate()'s verdict: 400 "<rc> <reason>" or 200 "Valid". Each message goes over
 * UDP from the 127.0.0.x address that selects its flags. Asserted per message: the expected
 * answer, or no answer at all for what the core drops before the script; afterwards tsips
 * still answers, and its stderr has no crash.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crashLines, delay, expectCleanStop, ProcessGroup, startTsips, configTemplate, type TsipsServer } from './harness';

interface Entry {
  name: string;
  flags: string;
  message: string;
  rc?: number;
  reason?: string;
  core?: 'drop' | '400';
}

const CORPUS: Entry[] = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'malformed', 'corpus.json'), 'utf8')) as Entry[];

/** The source address whose route branch calls sipmsg_validate with these flags (see validate.cfg). */
const SOURCE: Record<string, string> = {
  '': '127.0.0.10', s: '127.0.0.11', h: '127.0.0.12', m: '127.0.0.13', r: '127.0.0.14',
  f: '127.0.0.15', t: '127.0.0.16', c: '127.0.0.17', shrftc: '127.0.0.18',
};

/** Sends `data` from `ip` and resolves with the first line of the first answer, or null after `waitMs`. */
async function exchange(ip: string, port: number, data: Buffer, waitMs: number): Promise<string | null> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, ip, resolve));
  try {
    const answer = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      sock.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString('latin1').split('\r\n')[0]!);
      });
    });
    await new Promise<void>((resolve, reject) => sock.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    return await answer;
  } finally {
    sock.close();
  }
}

describe('malformed messages against a running tsips (sipmsg_validate)', () => {
  const group = new ProcessGroup('malformed');
  let server: TsipsServer;

  beforeAll(async () => {
    server = await startTsips(group, { template: configTemplate('validate.cfg') });
  }, 30000);

  afterAll(async () => {
    await expectCleanStop(server);
    await group.dispose();
  });

  it('answers each corpus message as OpenSIPS does (or drops it), and stays up', async () => {
    const got: Record<string, string | null> = {};
    const want: Record<string, string | null> = {};
    let i = 0;
    for (const e of CORPUS) {
      const ip = SOURCE[e.flags];
      if (ip === undefined) throw new Error(`no source address for flags "${e.flags}"`);
      const data = Buffer.from(e.message.replace(/__ID__/g, `m${String(++i).padStart(3, '0')}`), 'latin1');
      const expected = e.core === 'drop' ? null
        : e.core === '400' ? 'SIP/2.0 400 Bad Request'
        : e.rc === 1 ? 'SIP/2.0 200 Valid'
        : `SIP/2.0 400 ${e.rc} ${(e.reason ?? '').trim()}`.trimEnd();
      const line = await exchange(ip, server.port, data, expected === null ? 300 : 1000);
      got[e.name] = line === null ? null : line.trimEnd();
      want[e.name] = expected;
    }
    expect(got).toEqual(want);

    // Still alive and answering, and nothing crashed.
    expect(server.running).toBe(true);
    const ok = CORPUS.find((e) => e.name === 'well-formed INVITE')!;
    expect(await exchange('127.0.0.10', server.port, Buffer.from(ok.message.replace(/__ID__/g, 'final'), 'latin1'), 2000)).toBe('SIP/2.0 200 Valid');
    await delay(50);
    expect(crashLines(server.stderr)).toEqual([]);
    // The drops are counted and logged (rate-limited) by the core.
    expect(server.stderr).toMatch(/bad message from udp:127\.0\.0\.10:\d+: error parsing Via/);
    expect(server.stderr).toMatch(/bad message from udp:127\.0\.0\.10:\d+: error parsing message/);
  }, 60000);
});

describe('malformed messages against the proxy config (tm, rr, registrar, usrloc)', () => {
  const group = new ProcessGroup('malformed-proxy');
  let server: TsipsServer;

  beforeAll(async () => {
    server = await startTsips(group);
  }, 30000);

  afterAll(async () => {
    await expectCleanStop(server);
    await group.dispose();
  });

  it('survives the whole corpus, also with RFC 2543 branches (no magic cookie), without a crash', async () => {
    let i = 0;
    for (const e of CORPUS) {
      for (const cookie of ['z9hG4bK-', 'old-']) {
        const text = e.message.replace('branch=z9hG4bK-', `branch=${cookie}`).replace(/__ID__/g, `p${String(++i).padStart(3, '0')}`);
        await exchange('127.0.0.20', server.port, Buffer.from(text, 'latin1'), 20);
      }
    }
    await delay(200);
    expect(server.running).toBe(true);
    const options = [
      'OPTIONS sip:127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.20:5060;rport;branch=z9hG4bK-alive',
      'Max-Forwards: 70',
      'To: <sip:127.0.0.1>',
      'From: <sip:probe@127.0.0.20>;tag=1',
      'Call-ID: alive@127.0.0.20',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '', '',
    ].join('\r\n');
    expect(await exchange('127.0.0.20', server.port, Buffer.from(options), 2000)).toMatch(/^SIP\/2\.0 \d{3} /);
    expect(crashLines(server.stderr)).toEqual([]);
  }, 60000);
});

import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureIo } from '@tsips/test-support';
import { main } from './tsips';
import { VERSION } from './version';

const capture = captureIo;

function writeTemp(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-cli-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const GOOD = `
log_level = 3
socket = udp:127.0.0.1:5060
loadmodule "proto_udp.so"
loadmodule "sl.so"

route {
    if ($rm == "OPTIONS") {
        sl_send_reply(200, "OK");
        exit;
    }
    xlog("L_INFO", "$rm from $si\\n");
}
`;

describe('tsips -c', () => {
  it('exits 0 and says OK for a good script', async () => {
    const io = capture();
    const file = writeTemp('good.cfg', GOOD);
    expect(await main(['-c', '-f', file], io)).toBe(0);
    expect(io.stdout).toContain('configuration OK');
    expect(io.stderr).toBe('');
  });

  it('exits 1 and reports every error with file:line:col and a caret', async () => {
    const io = capture();
    const bad = GOOD.replace('sl_send_reply(200', 'sl_send_replyy(200').replace('route {', 'route {\n    route(nowhere);');
    const file = writeTemp('bad.cfg', bad);
    expect(await main(['-c', '-f', file], io)).toBe(1);
    expect(io.stderr).toMatch(new RegExp(`${path.basename(file)}:\\d+:\\d+: error: .*sl_send_replyy`));
    expect(io.stderr).toContain("did you mean 'sl_send_reply'");
    expect(io.stderr).toMatch(/nowhere/);
    expect(io.stderr).toMatch(/\n\s*\^/);
    expect(io.stderr).toContain('2 error(s)');
  });

  it('reports a syntax error at its position', async () => {
    const io = capture();
    const file = writeTemp('syntax.cfg', 'route {\n  if ($rm == "INVITE" {\n    exit;\n  }\n}\n');
    expect(await main(['-c', '-f', file], io)).toBe(1);
    expect(io.stderr).toMatch(/syntax\.cfg:2:\d+: error/);
  });

  it('fails plainly on a missing file', async () => {
    const io = capture();
    expect(await main(['-c', '-f', '/nonexistent/x.cfg'], io)).toBe(1);
    expect(io.stderr).toContain('cannot read script');
  });
});

describe('tsips -V / -h', () => {
  it('prints the version', async () => {
    const io = capture();
    expect(await main(['-V'], io)).toBe(0);
    expect(io.stdout.trim()).toBe(`tsips ${VERSION}`);
  });

  it('prints help naming -f and -c', async () => {
    const io = capture();
    expect(await main(['-h'], io)).toBe(0);
    expect(io.stdout).toContain('-f, --file');
    expect(io.stdout).toContain('-c, --check');
  });
});

describe('tsips -f (run mode)', () => {
  it('serves in the foreground: answers OPTIONS over UDP, exits 0 on SIGTERM', async () => {
    // Jest gives each test file its own copy of `process`, so a real kill() would not reach
    // the handler: the signals come from an emitter standing in for the process.
    const signals = new EventEmitter();
    const io = capture();
    const file = writeTemp('run.cfg', GOOD.replace('udp:127.0.0.1:5060', 'udp:127.0.0.1:0'));
    let port = 0;
    const listening = new Promise<void>((resolve) => {
      void main(['-f', file, '-l', '1'], io, {
        signals,
        onListening: (server) => {
          port = server.sockets[0]!.port;
          resolve();
        },
      }).then((code) => exits.push(code));
    });
    const exits: number[] = [];
    await listening;
    expect(io.stderr).toContain(`tsips: listening on udp:127.0.0.1:${port}`);
    expect(signals.listenerCount('SIGTERM')).toBe(1);
    expect(signals.listenerCount('SIGHUP')).toBe(1);

    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const reply = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString('latin1'))));
    const me = sock.address().port;
    const options = [
      'OPTIONS sip:ping@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-cli-1;rport`,
      'From: <sip:probe@example.com>;tag=p1',
      'To: <sip:ping@127.0.0.1>',
      'Call-ID: cli-run-1',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sock.send(options, port, '127.0.0.1');
    const text = await reply;
    sock.close();
    expect(text.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect(text).toContain(`Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-cli-1;rport=${me};received=127.0.0.1\r\n`);
    expect(text).toContain('Server: tsips\r\n');

    signals.emit('SIGTERM');
    for (let i = 0; i < 100 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([0]);
    expect(io.stderr).toContain('tsips: shutting down');
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('exits 1 with the diagnostics when the script is bad', async () => {
    const io = capture();
    const file = writeTemp('bad-run.cfg', GOOD.replace('sl_send_reply(200', 'sl_send_replyy(200'));
    expect(await main(['-f', file], io)).toBe(1);
    expect(io.stderr).toContain("did you mean 'sl_send_reply'");
    expect(io.stderr).toContain('tsips: cannot start');
  });

  it('exits 1 when the socket cannot be opened', async () => {
    const io = capture();
    const file = writeTemp('nobind.cfg', GOOD.replace('udp:127.0.0.1:5060', 'udp:192.0.2.123:5060'));
    expect(await main(['-f', file], io)).toBe(1);
    expect(io.stderr).toContain('cannot listen on udp:192.0.2.123:5060');
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type CliIo } from './tsips';
import { VERSION } from './version';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
}

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

  it('refuses to pretend to serve without a SIP core', async () => {
    const io = capture();
    const file = writeTemp('good.cfg', GOOD);
    expect(await main(['-f', file], io)).toBe(2);
    expect(io.stderr).toContain('no SIP core');
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCdr } from '@tsips/modules';
import { captureIo } from '@tsips/test-support';
import { main } from './tsips';

const capture = captureIo;

const SMALL = ['--users', '30', '--weeks', '1', '--episodes', '5', '--seed', '3'];

describe('tsips fraud simulate', () => {
  it('writes a labelled CDR CSV to stdout and the summary to stderr', async () => {
    const io = capture();
    expect(await main(['fraud', 'simulate', ...SMALL], io)).toBe(0);
    expect(io.stdout.startsWith('start_time,caller,callee,duration_s,source_ip,answered,label,episode\n')).toBe(true);
    const rows = parseCdr(io.stdout, 'stdout');
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.every((r) => r.startMs >= Date.UTC(2026, 8, 7) && r.startMs < Date.UTC(2026, 8, 14))).toBe(true);
    const fraud = rows.filter((r) => r.label === 'fraud').length;
    expect(io.stderr).toContain(`rows ${rows.length} (legit ${rows.length - fraud}, fraud ${fraud})`);
    expect(io.stderr).toMatch(/episodes: irsf 1, pbx 1, ramp 1, wangiri 1, premium 1/);
  });

  it('writes the same bytes to --out, honours --start and --country', async () => {
    const first = capture();
    await main(['fraud', 'simulate', ...SMALL, '--start', '2027-01-04', '--country', 'fr'], first);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-sim-')), 'cdr.csv');
    const io = capture();
    expect(await main(['fraud', 'simulate', ...SMALL, '--start', '2027-01-04', '--country', 'FR', '--out', file], io)).toBe(0);
    expect(io.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe(first.stdout);
    const rows = parseCdr(first.stdout);
    expect(rows[0]!.startMs).toBeGreaterThanOrEqual(Date.UTC(2027, 0, 4));
    expect(rows.filter((r) => r.callee.startsWith('+33')).length / rows.length).toBeGreaterThan(0.6);
  });

  it.each([
    [['--users', 'many'], /--users wants a whole number/],
    [['--country', 'XX'], /tsips fraud simulate: unknown country "XX"/],
    [['--start', '2026-9-7'], /start must be a date YYYY-MM-DD/],
    [['--out', '/nonexistent/dir/x.csv'], /cannot write \/nonexistent\/dir\/x\.csv/],
  ])('fails plainly on %j', async (args, message) => {
    const io = capture();
    expect(await main(['fraud', 'simulate', '--users', '20', '--weeks', '1', ...args], io)).toBeGreaterThan(0);
    expect(io.stderr).toMatch(message);
    expect(io.stdout).toBe('');
  });

  it('lists simulate in the help of fraud, and keeps -f in the root help', async () => {
    const io = capture();
    expect(await main(['fraud', '--help'], io)).toBe(0);
    expect(io.stdout).toContain('simulate');
    const root = capture();
    expect(await main(['-h'], root)).toBe(0);
    expect(root.stdout).toContain('-f, --file');
    expect(root.stdout).toContain('fraud');
  });
});

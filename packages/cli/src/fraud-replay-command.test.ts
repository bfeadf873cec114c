import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { coreTesting, createSchema, selectTables, type DbConnection } from '@tsips/core';
import { readCdr, type LearnedDetectorApi } from '@tsips/modules';
import { addReplayCommand, type ReplayCommandDeps } from './fraud-replay-command';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-frd-replay-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** Monday 10:00 UTC; alice calls +53 every 10 s (an episode), bob calls two numbers. */
const CDR = [
  'start_time,caller,callee,duration_s,source_ip,answered,label,episode',
  '2026-01-05T10:00:00Z,alice,+5371000,30,192.0.2.1,1,fraud,e1',
  '2026-01-05T10:00:10Z,alice,+5371001,30,192.0.2.1,1,fraud,e1',
  '2026-01-05T10:00:20Z,alice,+5371002,30,192.0.2.1,1,fraud,e1',
  '2026-01-05T10:00:25Z,bob,+4420700,60,192.0.2.1,1,legit,',
  '2026-01-05T10:00:30Z,bob,+4420701,0,192.0.2.1,0,legit,',
  '2026-01-05T10:00:40Z,bob,+4420701,0,192.0.2.1,0,legit,',
].join('\n') + '\n';

async function cli(args: string[], deps: Partial<ReplayCommandDeps> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => { out += t; }, err: (t: string) => { err += t; } };
  const program = new Command('tsips').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  addReplayCommand(program.command('fraud'), io, { readRecords: (f) => readCdr(f), cwd: dir, ...deps });
  let code = 0;
  try {
    await program.parseAsync(['fraud', 'replay', ...args], { from: 'user' });
  } catch (e) {
    code = (e as { exitCode: number }).exitCode;
  }
  return { code, out, err };
}

const withDb = (url: string, fn: (db: DbConnection) => Promise<void>): Promise<void> => coreTesting.withSqlite(dir, url, fn);

const RULE = { profileid: 1, start_hour: '00:00', end_hour: '00:00', daysoftheweek: 'Mon-Sun' };

describe('tsips fraud replay', () => {
  it('--config: the rules from the script\'s fraud_detection table; alerts as JSON lines, the evaluation on stderr and with --summary', async () => {
    await withDb('sqlite://rules.db', async (db) => {
      await createSchema(db, selectTables(['fraud_detection']));
      await db.insert('fraud_detection', { ...RULE, ruleid: 3, prefix: '+53', cpm_warning: 2, cpm_critical: 3 });
    });
    const cfg = write('t.cfg', 'loadmodule "fraud_detection.so"\nmodparam("fraud_detection", "db_url", "sqlite://rules.db")\nmodparam("fraud_detection", "use_utc_time", 1)\nroute { exit; }\n');
    const r = await cli(['--cdr', write('c.csv', CDR), '--config', cfg, '--profile', '1', '--summary']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 2)).toEqual([
      { row: 2, caller: 'alice', callee: '+5371001', score: 50, kind: 'static', reasons: ['calls-per-minute 2 reached the warning threshold 2 (rule 3)'], t: '2026-01-05T10:00:10.000Z' },
      { row: 3, caller: 'alice', callee: '+5371002', score: 100, kind: 'static', reasons: ['calls-per-minute 3 reached the critical threshold 3 (rule 3)'], t: '2026-01-05T10:00:20.000Z' },
    ]);
    expect(lines[2]).toMatchObject({ records: 6, alerts: 2, evaluation: { episodes: 1, detected: 1, callsToDetect: { median: 2, worst: 2 }, secondsToDetect: { median: 10, worst: 10 }, legitRows: 3, fraudRows: 3, falseAlerts: 0 } });
    expect(lines).toHaveLength(3);
    expect(r.err).toMatch(/episodes detected: 1\/1 \(100\.0%\)\ntime to first alert: median 2 call\(s\), 10\.0 s; worst 2 call\(s\), 10\.0 s\nundetected episodes: none\nfalse alerts: 0 on 3 legitimate call\(s\)/);
    expect(r.err).toMatch(/no learned detector available/);
  });

  it('--config: db_default_url, table_name and renamed columns', async () => {
    await withDb('sqlite://core.db', async (db) => {
      await db.exec('CREATE TABLE my_rules (id INTEGER, profileid INTEGER, prefix TEXT, start_hour TEXT, end_hour TEXT, daysoftheweek TEXT, seq_crit INTEGER)');
      await db.insert('my_rules', { ...RULE, id: 8, prefix: '+44', seq_crit: 2 });
    });
    const cfg = write('t.cfg', [
      'db_default_url = "sqlite://core.db"',
      'modparam("fraud_detection", "table_name", "my_rules")',
      'modparam("fraud_detection", "rid_col", "id")',
      'modparam("fraud_detection", "seqcalls_thresh_crit_col", "seq_crit")',
      ...['cpm_thresh_warn_col', 'cpm_thresh_crit_col', 'calldur_thresh_warn_col', 'calldur_thresh_crit_col', 'totalc_thresh_warn_col', 'totalc_thresh_crit_col',
        'concalls_thresh_warn_col', 'concalls_thresh_crit_col', 'seqcalls_thresh_warn_col'].map((p) => `modparam("fraud_detection", "${p}", "seq_crit")`),
      'route { exit; }', '',
    ].join('\n'));
    const r = await cli(['--cdr', write('c.csv', CDR), '--config', cfg, '--profile', '1', '--no-learned']);
    expect(r.code).toBe(0);
    // Every threshold column reads seq_crit (2): bob's first call is up 2 s at 10:00:27, his second reaches calls-per-minute 2.
    expect(r.out.trim().split('\n').map((l) => (JSON.parse(l) as { row: number; reasons: string[] }).row)).toEqual([4, 5, 6]);
    expect(r.out).toContain('"row":4,"caller":"bob","callee":"+4420700","score":100,"kind":"static","reasons":["call-duration 2 s reached the critical threshold 2 s (rule 8)"],"t":"2026-01-05T10:00:27.000Z"');
    expect(r.out).toContain('"row":5,"caller":"bob","callee":"+4420701","score":100,"kind":"static","reasons":["calls-per-minute 2 reached the critical threshold 2 (rule 8)"]');
    expect(r.err).not.toMatch(/learned/);
  });

  it('--rules CSV with a learned detector: kinds, threshold, and the learned score', async () => {
    const rules = write('r.csv', 'ruleid,profileid,prefix,start_hour,end_hour,daysoftheweek,sequential_calls_critical\n1,0,+44,00:00,00:00,Mon-Sun,2\n');
    const learned = (): LearnedDetectorApi => ({
      assess: (c) => ({
        assessment: { score: c.number.startsWith('+53') ? 90 : 5, reasons: [{ code: 'high_risk', points: 85, text: `${c.number} is high-risk` }], zone: '' },
        call: { answered: () => undefined, ended: () => undefined },
      }),
    });
    const r = await cli(['--cdr', write('c.csv', CDR), '--rules', rules, '--utc', '--threshold', '90'], { learned });
    expect(r.code).toBe(0);
    const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { row: number; kind: string; score: number });
    expect(alerts.map((a) => [a.row, a.kind, a.score])).toEqual([[1, 'learned', 90], [2, 'learned', 90], [3, 'learned', 90], [6, 'static', 100]]);
    expect(r.err).toMatch(/false alerts: 1 on 3 legitimate call\(s\) = 333\.33 per 1,000/);
    expect((await cli(['--cdr', write('c.csv', CDR), '--rules', rules, '--threshold', '91'], { learned })).out.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('errors exit 1 with a message: records out of order, nothing to replay with, a script that does not load, a bad flag', async () => {
    const rules = write('r.csv', 'ruleid,profileid,prefix\n1,0,\n');
    const late = write('late.csv', `${CDR}2026-01-05T09:00:00Z,carol,+1,0,192.0.2.1,0,legit,\n`);
    const r1 = await cli(['--cdr', late, '--rules', rules, '--no-learned']);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/tsips fraud replay: row 7: starts at 2026-01-05T09:00:00.000Z, before row 6/);
    expect(await cli(['--cdr', late, '--no-learned'])).toMatchObject({ code: 1, err: expect.stringMatching(/nothing to replay with/) });
    const bad = write('bad.cfg', 'modparam("fraud_detection", "db_url"\n');
    expect(await cli(['--cdr', late, '--config', bad])).toMatchObject({ code: 1, err: expect.stringMatching(/bad\.cfg does not load/) });
    const nodb = write('nodb.cfg', 'route { exit; }\n');
    expect(await cli(['--cdr', late, '--config', nodb])).toMatchObject({ code: 1, err: expect.stringMatching(/no db_url \(and there is no db_default_url\)/) });
    expect(await cli(['--cdr', late, '--rules', rules, '--threshold', '101'])).toMatchObject({ code: 1, err: expect.stringMatching(/--threshold 101: expected an integer 0\.\.100/) });
    expect((await cli(['--rules', rules])).code).toBe(1); // --cdr is required
  });
});

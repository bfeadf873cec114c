/**
 * The figures, end to end through the command line: `tsips fraud simulate` writes
 * a labelled month of traffic the detector was not tuned on (seed 7 is not one of the
 * tuning seeds 1-4), `tsips fraud replay` runs the learned detector over it. Goals: at
 * least 95% of the fraud episodes detected, the median one within its first 3 calls, at
 * most 1 false alert per 1,000 legitimate calls.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureIo } from '@tsips/test-support';
import { main } from './tsips';

const capture = captureIo;

it('simulate -> replay: detection, time to detect and false alerts meet the goals; each alert explains itself', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-frd-eval-'));
  try {
    const cdr = path.join(dir, 'month.csv');
    expect(await main(['fraud', 'simulate', '--seed', '7', '--out', cdr], capture())).toBe(0);
    const io = capture();
    expect(await main(['fraud', 'replay', '--cdr', cdr, '--utc', '--summary'], io)).toBe(0);
    const lines = io.stdout.trim().split('\n');
    const summary = JSON.parse(lines.pop()!) as { alerts: number; evaluation: { episodes: number; detected: number; callsToDetect: { median: number }; falseAlertsPer1000: number; legitRows: number } };
    const alerts = lines.map((l) => JSON.parse(l) as { row: number; caller: string; callee: string; score: number; kind: string; reasons: string[] });
    expect(alerts).toHaveLength(summary.alerts);
    expect(alerts.every((a) => a.kind === 'learned' && a.score >= 60 && a.reasons.length > 0 && a.row > 0)).toBe(true);
    const ev = summary.evaluation;
    expect(ev.episodes).toBe(30);
    expect(ev.detected / ev.episodes).toBeGreaterThanOrEqual(0.95);
    expect(ev.callsToDetect.median).toBeLessThanOrEqual(3);
    expect(ev.falseAlertsPer1000).toBeLessThanOrEqual(1);
    expect(ev.legitRows).toBeGreaterThan(80_000);
    expect(io.stderr).toMatch(/episodes detected: \d+\/30/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

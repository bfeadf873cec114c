/**
 * `tsips fraud replay`: runs the static fraud_detection rules and the learned detector
 * over a CDR file on a simulated clock, prints each alert as a JSON line on stdout and,
 * when the records carry labels, how well the alerts match them (human summary on
 * stderr; with --summary also one JSON object as the last stdout line).
 */
import type { Command } from 'commander';
import {
  DEFAULT_LEARNED_THRESHOLD, formatEvaluation, replay, RuleSet,
  type LearnedDetectorApi, type ReplayRecord, type ReplayResult,
} from '@tsips/modules';
import { DEFAULT_FRAUD_SETTINGS, fraudSettingsOf, rulesFromCsv, rulesFromDatabase, type FraudSettings } from './fraud-rules-source';
import type { CliIo } from './tsips';

/** What the command needs from outside (the CDR reader and the learned detector are built elsewhere). */
export interface ReplayCommandDeps {
  /** Reads the records of a CDR file in file order (cdr.ts's reader: CdrRecord has every ReplayRecord field). */
  readRecords: (file: string) => Iterable<ReplayRecord> | AsyncIterable<ReplayRecord>;
  /** A fresh learned detector for the script's settings and the alert threshold; none: static rules only (as with --no-learned). */
  learned?: (settings: FraudSettings, threshold: number) => LearnedDetectorApi | Promise<LearnedDetectorApi>;
  /** Folder relative paths and SQLite URLs resolve against (default: the process's). */
  cwd?: string;
}

interface ReplayFlags {
  cdr: string;
  config?: string;
  rules?: string;
  profile: string;
  threshold?: string;
  learned: boolean;
  utc?: boolean;
  summary?: boolean;
}

class ReplayUsageError extends Error {}

function intFlag(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || n < min || n > max) throw new ReplayUsageError(`--${name} ${text}: expected an integer ${min}..${max}`);
  return n;
}

async function staticRules(o: ReplayFlags, cwd: string): Promise<{ rules: RuleSet; settings: FraudSettings }> {
  const settings = o.config === undefined ? DEFAULT_FRAUD_SETTINGS : fraudSettingsOf(o.config, cwd);
  if (o.rules !== undefined) return { rules: rulesFromCsv(o.rules, settings), settings };
  if (o.config === undefined) return { rules: new RuleSet(), settings };
  if (settings.dbUrl === null) throw new ReplayUsageError(`${o.config}: fraud_detection has no db_url (and there is no db_default_url): give --rules FILE.csv`);
  return { rules: await rulesFromDatabase(settings, cwd), settings };
}

/**
 * Adds `replay` under the `fraud` command. The action reports failures through the
 * command's error() (exit code 1), so a program with exitOverride() gets them as a
 * CommanderError; the program must be run with parseAsync().
 */
export function addReplayCommand(fraud: Command, io: CliIo, deps: ReplayCommandDeps): Command {
  const cmd: Command = fraud.command('replay')
    .description('replay a CDR file through the static fraud rules and the learned detector; alerts as JSON lines')
    .requiredOption('--cdr <file>', 'CDR file (CSV) to replay, in time order')
    .option('--config <file>', "tsips/OpenSIPS script whose fraud_detection modparams name the rules' database, table and columns")
    .option('--rules <file>', "rules from a CSV with the table's column names (instead of the database)")
    .option('--profile <n>', 'profile id given to check_fraud()', '0')
    .option('--threshold <n>', `learned score at or above which a call is an alert (default ${DEFAULT_LEARNED_THRESHOLD})`)
    .option('--no-learned', 'static rules only')
    .option('--utc', "rule hours and learned schedules in UTC (default: the script's use_utc_time and utc_offset, else local time)")
    .option('--summary', 'print the totals and the evaluation as one JSON object, the last stdout line');
  cmd.action(async (o: ReplayFlags) => {
    let result: ReplayResult;
    try {
      result = await run(o, io, deps);
    } catch (e) {
      cmd.error(`tsips fraud replay: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 1, code: 'tsips.fraud.replay' });
    }
    if (result.evaluation !== null) io.err(formatEvaluation(result.evaluation, result.recordsPerSecond));
    else io.err(`${result.records} record(s), ${result.alerts} alert(s), ${Math.round(result.recordsPerSecond)} records/s (no labels: no evaluation)\n`);
    if (o.summary) io.out(`${JSON.stringify(result)}\n`);
  });
  return cmd;
}

async function run(o: ReplayFlags, io: CliIo, deps: ReplayCommandDeps): Promise<ReplayResult> {
  const cwd = deps.cwd ?? process.cwd();
  const profile = intFlag('profile', o.profile, -2147483648, 2147483647);
  const { rules, settings } = await staticRules(o, cwd);
  const threshold = o.threshold === undefined ? settings.learnedThreshold ?? DEFAULT_LEARNED_THRESHOLD : intFlag('threshold', o.threshold, 0, 100);
  let learned: LearnedDetectorApi | null = null;
  if (o.learned && deps.learned !== undefined) learned = await deps.learned(o.utc ? { ...settings, utcOffset: 0 } : settings, threshold);
  if (rules.size === 0 && learned === null) {
    throw new ReplayUsageError('nothing to replay with: no static rules (give --config or --rules) and no learned detector');
  }
  if (o.learned && learned === null) io.err('tsips fraud replay: no learned detector available: static rules only\n');
  return replay(deps.readRecords(o.cdr), {
    rules, profile, threshold, learned,
    utc: o.utc ?? settings.utc,
    onAlert: (a) => io.out(`${JSON.stringify({ row: a.row, caller: a.caller, callee: a.callee, score: a.score, kind: a.kind, reasons: a.reasons, t: new Date(a.t).toISOString() })}\n`),
  });
}

/**
 * `tsips fraud ...`: offline tools of the fraud detector. `simulate` writes a seeded,
 * labelled CDR CSV; `replay` (another subcommand of the same `fraud` command) feeds a CDR
 * through the detector. Failures go through commander's `error()`, so under `main`'s
 * exitOverride they become the exit code.
 */
import * as fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { formatSimulateSummary, simulate, SIMULATE_DEFAULTS, writeCdr } from '@tsips/modules';
import type { CliIo } from './tsips';

function integer(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} wants a whole number.`);
    return Number(value);
  };
}

interface SimulateFlags {
  seed: number;
  users: number;
  weeks: number;
  episodes: number;
  start: string;
  country: string;
  warmup: number;
  out?: string;
}

function runSimulate(cmd: Command, flags: SimulateFlags, io: CliIo): void {
  let result;
  try {
    result = simulate({ seed: flags.seed, users: flags.users, weeks: flags.weeks, episodes: flags.episodes, start: flags.start, country: flags.country, warmupDays: flags.warmup });
  } catch (e) {
    return cmd.error(`tsips fraud ${(e as Error).message}`, { exitCode: 2, code: 'tsips.fraud.simulate' });
  }
  if (flags.out === undefined) {
    writeCdr(result.records, io.out);
  } else {
    let fd: number;
    try {
      fd = fs.openSync(flags.out, 'w');
    } catch (e) {
      return cmd.error(`tsips fraud simulate: cannot write ${flags.out}: ${(e as Error).message}`, { exitCode: 1, code: 'tsips.fraud.simulate' });
    }
    try {
      writeCdr(result.records, (text) => fs.writeSync(fd, text));
    } finally {
      fs.closeSync(fd);
    }
  }
  io.err(formatSimulateSummary(result.summary));
}

/** Adds `fraud` (with `simulate`) to `program`; returns the `fraud` command for more subcommands. */
export function addFraudCommand(program: Command, io: CliIo): Command {
  const fraud = program.command('fraud').description('offline fraud-detection tools (CDR simulation and replay)');
  fraud
    .command('simulate')
    .description('write a seeded CDR CSV of realistic users with labelled fraud episodes (times in UTC)')
    .option('--seed <n>', 'random seed: the same seed gives the same file', integer('--seed'), SIMULATE_DEFAULTS.seed)
    .option('--users <n>', 'accounts', integer('--users'), SIMULATE_DEFAULTS.users)
    .option('--weeks <n>', 'simulated weeks', integer('--weeks'), SIMULATE_DEFAULTS.weeks)
    .option('--episodes <n>', 'fraud episodes (IRSF, PBX, ramp, Wangiri, premium in turn)', integer('--episodes'), SIMULATE_DEFAULTS.episodes)
    .option('--warmup <days>', 'days of clean traffic before the first fraud episode', integer('--warmup'), SIMULATE_DEFAULTS.warmupDays)
    .option('--start <date>', 'first day, YYYY-MM-DD (midnight UTC)', SIMULATE_DEFAULTS.start)
    .option('--country <cc>', 'home country, ISO 3166 alpha-2', SIMULATE_DEFAULTS.country)
    .option('--out <file>', 'CSV file to write (default: stdout); the summary goes to stderr')
    .action(function (this: Command, flags: SimulateFlags) {
      runSimulate(this, flags, io);
    });
  return fraud;
}

import { Command, Option } from 'commander';
import { allModules, readCdr } from '@tsips/modules';
import { parseLogLevel } from '@tsips/script';
import { checkScriptFile, formatCheckReport } from './check-command';
import { addFraudCommand } from './fraud-command';
import { addReplayCommand } from './fraud-replay-command';
import { learnedDetectorFor } from './fraud-learned';
import { runServer, type RunOptions } from './run-command';
import { VERSION } from './version';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/**
 * `tsips`: the server's command line, shaped after `opensips`: `-f` names the script, `-c`
 * only checks it (exit 0 when it is good, 1 otherwise, for CI pipelines), `-V` prints the
 * version. Returns the process exit code instead of exiting, so tests can call it.
 */
export async function main(argv: readonly string[], io: CliIo = processIo, runOpts: Omit<RunOptions, 'logLevel'> = {}): Promise<number> {
  const program = new Command('tsips')
    .description('OpenSIPS-compatible SIP security proxy')
    .option('-f, --file <cfg>', 'routing script to load', 'opensips.cfg')
    .option('-c, --check', 'check the script (syntax, modules, functions, routes) and exit')
    .addOption(new Option('-l, --log-level <level>', 'log level (overrides log_level in the script)'))
    .version(`tsips ${VERSION}`, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    // Options after a subcommand's name are the subcommand's (`tsips fraud simulate --seed 1`).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  // Without a subcommand, tsips is the server (or the checker with -c), as before.
  let code = 0;
  program.action(async () => {
    code = await runRoot(program.opts<RootFlags>(), io, runOpts);
  });
  addReplayCommand(addFraudCommand(program, io), io, {
    readRecords: (file) => readCdr(file),
    learned: async (settings, threshold) => learnedDetectorFor(settings, threshold, process.cwd()),
  });

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (e) {
    const exit = (e as { exitCode?: number }).exitCode;
    if (typeof exit === 'number') return exit;
    throw e;
  }
  return code;
}

interface RootFlags {
  file: string;
  check?: boolean;
  logLevel?: string;
}

async function runRoot(opts: RootFlags, io: CliIo, runOpts: Omit<RunOptions, 'logLevel'>): Promise<number> {
  if (opts.check) {
    const outcome = checkScriptFile(opts.file, allModules);
    (outcome.errors > 0 ? io.err : io.out)(formatCheckReport(opts.file, outcome));
    return outcome.errors > 0 ? 1 : 0;
  }
  const ro: RunOptions = { ...runOpts };
  if (opts.logLevel !== undefined) {
    const level = parseLogLevel(opts.logLevel);
    if (level === undefined) {
      io.err(`tsips: -l ${opts.logLevel}: a log level is -3..4 or L_ALERT..L_DBG\n`);
      return 2;
    }
    ro.logLevel = level;
  }
  // Runs in the foreground until SIGTERM/SIGINT; the script is loaded and checked by the server.
  return runServer(opts.file, io, ro);
}

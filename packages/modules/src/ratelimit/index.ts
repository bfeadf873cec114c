/**
 * ratelimit: named pipes with a limit and an algorithm, created on first use from any
 * string (rl_check("$si", 10) makes one pipe per source IP). Algorithms: TAILDROP, RED,
 * NETWORK, FEEDBACK and SBT (sliding window of window_size slots of slot_period ms).
 * The behaviour lives in {@link RatelimitEngine}; this file is the OpenSIPS-facing table.
 */
import { CORE } from '@tsips/core';
import { PvBindError, type ModparamExport, type ModuleEnv, type ModuleExports, type PvarExport, type PvRef, type ScriptContext } from '@tsips/script';
import { implementedMi, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, oneOf, outVar, regex, str } from '../shared/params';
import { ALL, ALL_BUT_STARTUP } from '../shared/routes';
import { algorithmOf, RatelimitEngine, RL_ALGORITHMS, type RlConfig } from './engine';
import { globToRegExp } from './glob';
import { type CpuLoadSource, type NetworkLoadSource, procNetQueueLoad, procStatCpuLoad } from './load-sources';
import { LocalPipeStore, type PipeStore } from './store';

export { RL_ALGORITHMS } from './engine';
export { RatelimitEngine, type RlConfig, type PidGains, type PipeInfo } from './engine';
export { LocalPipeStore, type Pipe, type PipeStore, type RlAlgorithm } from './store';
export { procNetKey, procNetQueueLoad, procStatCpuLoad, sumRxQueue, type CpuLoadSource, type NetworkLoadSource } from './load-sources';

/** An MI failure with the code OpenSIPS answers (404 pipe not found, 400 bad parameter). */
export class RlMiError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'RlMiError';
    this.code = code;
  }
}

const NOT_YET_DISTRIBUTED =
  'distributed rate limiting is not available in tsips yet (the shared pipe store is a later issue); remove this modparam to limit per instance';

const DECLARED_PARAMS: ModparamExport[] = [
  intParam('timer_interval', 10, 'Seconds between recomputations of the RED/NETWORK/FEEDBACK state and counter resets.', {
    validate: (v) => (Number(v) > 0 ? undefined : `timer_interval must be a positive number of seconds, got ${v}`),
  }),
  intParam('expire_time', 3600, 'Seconds after which an idle pipe is removed.', {
    validate: (v) => (Number(v) >= 0 ? undefined : `expire_time must not be negative, got ${v}`),
  }),
  intParam('hash_size', 1024, 'Buckets of the pipe table (a power of 2; other values are rounded down).', {
    validate: (v) => (Number(v) > 0 ? undefined : `hash_size must be a positive integer, power of 2, got ${v}`),
  }),
  strParam('default_algorithm', 'TAILDROP', 'Algorithm of pipes created without one.', {
    validate: (v) => oneOf(RL_ALGORITHMS)(String(v).toUpperCase()),
  }),
  strParam('cachedb_url', null, 'Shared backend for pipes replicated with the "/r" suffix (not available yet: refused at load).', {
    validate: (v) => `cachedb_url '${String(v)}': ${NOT_YET_DISTRIBUTED}`,
  }),
  strParam('db_prefix', 'rl_pipe_', 'Key prefix of pipes in the shared backend (only used with cachedb_url).'),
  intParam('repl_buffer_threshold', 32767, 'Bytes per replication packet (only used with pipe_replication_cluster).'),
  intParam('repl_timer_interval', 200, 'Milliseconds between replication rounds (only used with pipe_replication_cluster).'),
  intParam('repl_timer_expire', 10, 'Seconds after which a silent node\'s counters are ignored (only used with pipe_replication_cluster).'),
  intParam('bridge_replication', 0, 'Replicate pipes between clusters too (only used with pipe_replication_cluster).'),
  intParam('bridge_repl_timer_interval', 500, 'Milliseconds between bridge replication rounds (only used with pipe_replication_cluster).'),
  intParam('bridge_repl_timer_expire', 20, 'Seconds after which a silent bridge peer is ignored (only used with pipe_replication_cluster).'),
  intParam('pipe_replication_cluster', 0, 'Cluster replicating "/b" pipes (0: none; other values are refused at load for now).', {
    validate: (v) => (Number(v) === 0 ? undefined : `pipe_replication_cluster ${v}: ${NOT_YET_DISTRIBUTED}`),
  }),
  intParam('window_size', 10, 'SBT: seconds covered by the sliding window.', {
    validate: (v) => (Number(v) > 0 ? undefined : `window_size must be a positive number of seconds, got ${v}`),
  }),
  intParam('slot_period', 200, 'SBT: milliseconds per window slot.', {
    validate: (v) => (Number(v) > 0 ? undefined : `slot_period must be a positive number of milliseconds, got ${v}`),
  }),
  intParam('limit_per_interval', 0, 'Limits count per timer_interval (1) instead of per second (0).'),
];

export interface RatelimitOptions {
  /** Clock in ms (default: the core's clock, else Date.now). */
  now?: () => number;
  /** CPU load source for FEEDBACK (default: /proc/stat). */
  cpuLoad?: CpuLoadSource;
  /** Network load source for NETWORK (default: rx queues of our sockets in /proc/net). */
  networkLoad?: NetworkLoadSource;
  /** Pipe store (default: a {@link LocalPipeStore} of hash_size buckets). */
  store?: (hashSize: number) => PipeStore;
  /** Run the timer with setInterval (default true; tests call `engine.timer()` instead). */
  autoTimer?: boolean;
}

export interface RatelimitModule extends ModuleExports {
  /** The engine (built from the modparams at init, or from the current ones on first use). */
  engine(): RatelimitEngine;
}

/** Rounds down to a power of 2 (OpenSIPS does the same, with a warning). */
function powerOfTwoFloor(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** A fresh ratelimit instance (its pipes, PID state and timer). */
export function createRatelimit(opts: RatelimitOptions = {}): RatelimitModule {
  const values = new Map<string, string | number>();
  const param = (name: string): string | number | null => {
    const v = values.get(name);
    if (v !== undefined) return v;
    return (DECLARED_PARAMS.find((p) => p.name === name)?.default ?? null) as string | number | null;
  };
  let env: ModuleEnv | null = null;
  let engine: RatelimitEngine | null = null;
  let timer: NodeJS.Timeout | null = null;

  const log = (level: number, text: string): void => env?.log(level, text);
  /** The clock: the option, else the core's (looked up once at init), else the system's. */
  let clock: () => number = opts.now ?? Date.now;
  const now = (): number => clock();

  /** Reads and checks the modparams (what OpenSIPS's mod_init refuses, this throws). */
  const config = (): { cfg: RlConfig; hashSize: number } => {
    if (param('cachedb_url') !== null) throw new Error(`ratelimit: cachedb_url: ${NOT_YET_DISTRIBUTED}`);
    if (Number(param('pipe_replication_cluster')) !== 0) throw new Error(`ratelimit: pipe_replication_cluster: ${NOT_YET_DISTRIBUTED}`);
    const num = (n: string) => Number(param(n));
    const timerInterval = num('timer_interval');
    if (!(timerInterval > 0)) throw new Error(`ratelimit: invalid timer_interval ${timerInterval}`);
    const expireTime = num('expire_time');
    if (!(expireTime >= 0)) throw new Error(`ratelimit: invalid expire_time ${expireTime}`);
    let hashSize = num('hash_size');
    if (!(hashSize > 0)) throw new Error('ratelimit: hash_size must be a positive integer, power of 2');
    const rounded = powerOfTwoFloor(hashSize);
    if (rounded !== hashSize) {
      log(1, `hash_size is not a power of 2 as it should be -> rounding from ${hashSize} to ${rounded}`);
      hashSize = rounded;
    }
    const algo = algorithmOf(String(param('default_algorithm')));
    if (algo === null) throw new Error(`ratelimit: unknown default_algorithm <${String(param('default_algorithm'))}>`);
    const windowSize = num('window_size');
    const slotPeriod = num('slot_period');
    if (!(windowSize > 0) || !(slotPeriod > 0) || (windowSize * 1000) % slotPeriod !== 0) {
      throw new Error(`ratelimit: slot_period (${slotPeriod} ms) must divide window_size (${windowSize} s) into whole slots`);
    }
    return {
      cfg: { timerInterval, limitPerInterval: num('limit_per_interval') !== 0, expireTime, defaultAlgorithm: algo, windowSize, slotPeriod },
      hashSize,
    };
  };

  const build = (): RatelimitEngine => {
    const { cfg, hashSize } = config();
    const sockets = () => env?.services.find(CORE)?.sockets ?? [];
    return new RatelimitEngine(cfg, {
      store: opts.store?.(hashSize) ?? new LocalPipeStore(hashSize),
      now,
      cpuLoad: opts.cpuLoad ?? procStatCpuLoad(undefined, (t) => log(-1, t)),
      networkLoad: opts.networkLoad ?? procNetQueueLoad(sockets),
      log,
    });
  };
  const eng = (): RatelimitEngine => (engine ??= build());

  const rlCheck = (_ctx: ScriptContext, name: string, limit: number, algorithm: string | null): number =>
    eng().check(name, limit, algorithm);

  const changeCount = (ctx: ScriptContext, name: string, delta: number): number => {
    if (!eng().changeCount(name, delta)) {
      ctx.logError(`cannot find any pipe named ${name}`);
      return -1;
    }
    return 1;
  };

  const rlValues = (ctx: ScriptContext, out: PvRef, filter: RegExp | null): number => {
    if (!/^\$avp\(/.test(out.raw)) {
      // OpenSIPS refuses anything but an AVP when the script loads.
      ctx.logError(`rl_values: ${out.raw} is not an AVP - only AVPs are allowed`);
      return -1;
    }
    eng().store.forEach((name) => {
      if (filter !== null) {
        filter.lastIndex = 0;
        if (!filter.test(name)) return;
      }
      out.set(ctx, name);
    });
    return 1;
  };

  const rlCount: PvarExport = {
    name: 'rl_count',
    inner: 'required',
    bind(site) {
      if (site.index !== null) throw new PvBindError('$rl_count cannot be indexed');
      if (site.name === null) throw new PvBindError('$rl_count needs a pipe name: $rl_count(name)');
      const n = site.name;
      if (n.kind === 'static') {
        const text = n.text;
        return { get: () => eng().count(text) };
      }
      return { get: (ctx) => eng().count(n.get(ctx)) };
    },
    doc: 'Counter of the named pipe (SBT: messages in the window); NULL when there is no such pipe.',
  };

  const listPipes = (p: Record<string, string>): unknown => {
    const e = eng();
    const given = ['pipe', 'filter', 'filter_out'].filter((k) => p[k] !== undefined);
    if (given.length > 1) throw new RlMiError(400, 'Only one of pipe, filter or filter_out may be given');
    const pipeName = p['pipe'];
    if (pipeName !== undefined && pipeName !== '') {
      const pipe = e.store.find(pipeName);
      if (pipe === undefined) throw new RlMiError(404, 'Pipe Not Found');
      return { Pipe: e.info(pipeName, pipe), drop_rate: e.dropRate };
    }
    const pattern = p['filter'] ?? p['filter_out'];
    const re = pattern === undefined || pattern === '' ? null : globToRegExp(pattern);
    const out = p['filter_out'] !== undefined;
    const pipes: unknown[] = [];
    e.store.forEach((name, pipe) => {
      if (re !== null && re.test(name) === out) return;
      pipes.push(e.info(name, pipe));
    });
    return { Pipes: pipes, drop_rate: e.dropRate };
  };

  const dumpPipe = (p: Record<string, string>): unknown => {
    const e = eng();
    const name = p['pipe'];
    if (name === undefined) throw new RlMiError(400, 'Missing pipe parameter');
    const pipe = e.store.find(name);
    if (pipe === undefined) throw new RlMiError(404, 'Pipe not found');
    const res: Record<string, unknown> = {};
    if (pipe.algo === 'SBT') res['Window'] = e.windowDump(pipe);
    res['Pipe'] = name;
    res['Algorithm'] = pipe.algo;
    res['Counter'] = pipe.counter;
    res['Replication Nodes'] = [];
    res['Total'] = pipe.counter + pipe.remote;
    return res;
  };

  const resetPipe = (p: Record<string, string>): unknown => {
    const name = p['pipe'];
    if (name === undefined) throw new RlMiError(400, 'Missing pipe parameter');
    if (!eng().changeCount(name, 0)) throw new RlMiError(404, 'Pipe Not Found');
    return 'OK';
  };

  const setPid = (p: Record<string, string>): unknown => {
    const read = (k: string): number => {
      const s = (p[k] ?? '').trim();
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) throw new RlMiError(400, 'Bad parameter value');
      return v;
    };
    const ki = read('ki');
    const kp = read('kp');
    const kd = read('kd');
    eng().setPid({ ki, kp, kd });
    return 'OK';
  };

  const getPid = (): unknown => {
    const g = eng().getPid();
    return { PID: { ki: g.ki.toFixed(3), kp: g.kp.toFixed(3), kd: g.kd.toFixed(3) } };
  };

  const miImpl: Record<string, (p: Record<string, string>) => unknown> = {
    'ratelimit:list': listPipes,
    'ratelimit:dump_pipe': dumpPipe,
    'ratelimit:reset_pipe': resetPipe,
    'ratelimit:set_pid': setPid,
    'ratelimit:get_pid': getPid,
  };
  const declaredMi = [
    mi('ratelimit', 'list', { aliases: ['rl_list'], params: [{ name: 'pipe', optional: true }, { name: 'filter', optional: true }, { name: 'filter_out', optional: true }], reason: ISSUE.outsideAttacks, doc: 'Lists pipes with their algorithm, limit and the counter of the last interval, plus the FEEDBACK drop rate.' }),
    mi('ratelimit', 'dump_pipe', { aliases: ['rl_dump_pipe'], params: [{ name: 'pipe' }], reason: ISSUE.outsideAttacks, doc: 'Runtime data of a pipe (the SBT window slots).' }),
    mi('ratelimit', 'reset_pipe', { aliases: ['rl_reset_pipe'], params: [{ name: 'pipe' }], reason: ISSUE.outsideAttacks, doc: 'Zeroes a pipe counter.' }),
    mi('ratelimit', 'set_pid', { aliases: ['rl_set_pid'], params: [{ name: 'ki' }, { name: 'kp' }, { name: 'kd' }], reason: ISSUE.outsideAttacks, doc: 'Sets the PID controller gains of FEEDBACK.' }),
    mi('ratelimit', 'get_pid', { aliases: ['rl_get_pid'], reason: ISSUE.outsideAttacks, doc: 'Shows the PID controller gains.' }),
  ];

  return {
    name: 'ratelimit',
    functions: [
      {
        name: 'rl_check', params: [str('pipe'), intOrVar('limit'), str('algorithm', true)], routes: ALL_BUT_STARTUP, impl: rlCheck,
        doc: 'Counts the message in the pipe (created on first use with the limit and algorithm) and updates its limit; 1 while admitted, -1 once over the limit. A "/r" or "/b" suffix on the name asks for replication (not available: warned and ignored).',
      },
      {
        name: 'rl_dec_count', params: [str('pipe')], routes: ALL_BUT_STARTUP, impl: (ctx: ScriptContext, name: string) => changeCount(ctx, name, -1),
        doc: 'Takes one back from the pipe counter; -1 when there is no such pipe.',
      },
      {
        name: 'rl_reset_count', params: [str('pipe')], routes: ALL_BUT_STARTUP, impl: (ctx: ScriptContext, name: string) => changeCount(ctx, name, 0),
        doc: 'Sets the pipe counter to zero; -1 when there is no such pipe.',
      },
      {
        name: 'rl_values', params: [outVar('result avp'), regex('name filter', true)], routes: ALL, impl: rlValues,
        doc: 'Adds the names of the pipes (matching the filter) to the AVP.',
      },
    ],
    params: DECLARED_PARAMS.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } })),
    pvars: [rlCount],
    mi: declaredMi.map((m) => implementedMi(m, miImpl[m.name]!)),
    engine: eng,
    init(e) {
      env = e;
      const core = e.services.find(CORE);
      if (opts.now === undefined && core !== undefined) clock = () => core.now();
      engine = build();
      if (opts.autoTimer !== false) {
        const ms = engine.cfg.timerInterval * 1000;
        const run = (): void => {
          try {
            engine?.timer();
          } catch (err) {
            log(-1, `timer: ${err instanceof Error ? err.message : String(err)}`);
          }
        };
        timer = setInterval(run, ms);
        timer.unref();
      }
    },
    destroy() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** The ratelimit table for checking scripts (no state is used until init). */
export const ratelimit: ModuleExports = createRatelimit();

/**
 * End-to-end harness: real `tsips` processes driven by real sipp processes over loopback.
 *
 * Everything a test starts goes through a {@link ProcessGroup}, whose `dispose()` (called in
 * afterAll) kills whatever is still running, even when a test failed half way. Ports are
 * picked by binding them first (UDP and TCP) so parallel jest workers do not collide, and
 * only 127.0.0.0/8 addresses are ever used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedDir } from '@tsips/test-support';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TSIPS_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'tsips.js');
export const TSIPS_CLI_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'tsips-cli.js');

/** A scenario of ours (test/e2e/scenarios). */
export function scenario(name: string): string {
  return path.join(__dirname, 'scenarios', name);
}

/** A scenario of the shared bench set (uac_call.xml, uas_call.xml, ...). */
export function benchScenario(name: string): string {
  return sharedDir('bench', name);
}

/** A config template of ours (test/e2e/configs). */
export function configTemplate(name: string): string {
  return path.join(__dirname, 'configs', name);
}

// ---------------------------------------------------------------------------------------
// Ports

async function canBindUdp(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind({ address, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function canBindTcp(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: address, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Whether something is bound to address:port for the given protocol. */
export async function isBound(proto: 'udp' | 'tcp', address: string, port: number): Promise<boolean> {
  return !(proto === 'udp' ? await canBindUdp(address, port) : await canBindTcp(address, port));
}

const handedOut = new Set<number>();

/**
 * A port free for both UDP and TCP on `address`. The kernel picks it (TCP port 0), so
 * parallel test files get different ones; ports already handed out by this process are
 * never handed out again.
 */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen({ host: address, port: 0, exclusive: true }, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (handedOut.has(port)) continue;
    if (await canBindUdp(address, port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free UDP+TCP port on ${address}`);
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `promise`, or null after ms; the timer is cleared either way, so jest can exit. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => { timer = setTimeout(() => r(null), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------
// Process bookkeeping

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process with its output collected and its exit as a promise. */
class Tracked {
  stdout = '';
  stderr = '';
  status: ExitStatus | null = null;
  readonly exited: Promise<ExitStatus>;
  private static readonly MAX_OUTPUT = 4 * 1024 * 1024;

  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => { if (this.stdout.length < Tracked.MAX_OUTPUT) this.stdout += d; });
    child.stderr?.on('data', (d: string) => { if (this.stderr.length < Tracked.MAX_OUTPUT) this.stderr += d; });
    this.exited = new Promise((resolve) => {
      // 'close' waits for the output streams, so stderr is complete when this resolves
      child.once('close', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
      child.once('error', (e) => {
        this.stderr += `\n[harness] spawn failed: ${e.message}\n`;
        this.status = { code: null, signal: null };
        resolve(this.status);
      });
    });
  }

  get running(): boolean {
    return this.status === null;
  }
}

/**
 * Everything one test file starts: a temporary folder and the processes. `dispose()` kills
 * what still runs (SIGKILL) and removes the folder (kept when TSIPS_E2E_KEEP is set, for
 * looking at sipp's message logs after a failure).
 */
export class ProcessGroup {
  readonly dir: string;
  private readonly procs: Tracked[] = [];
  private counter = 0;

  constructor(label: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsips-e2e-${label}-`));
  }

  /** A fresh sub-folder of the group's temporary folder. */
  subdir(name: string): string {
    const d = path.join(this.dir, `${String(++this.counter).padStart(2, '0')}-${name}`);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  spawn(name: string, command: string, args: readonly string[], cwd: string): Tracked {
    const child = spawn(command, args as string[], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const t = new Tracked(name, child);
    this.procs.push(t);
    return t;
  }

  async dispose(): Promise<void> {
    const running = this.procs.filter((p) => p.running);
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => within(p.exited, 5000)));
    if (!process.env.TSIPS_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// tsips

export interface TsipsOptions {
  /** Config template (default test/e2e/configs/proxy.cfg); `__NAME__` placeholders are filled from vars. */
  template?: string;
  /** Values for the template; PORT and DB_URL are filled in by the harness unless given. */
  vars?: Record<string, string | number>;
  /** Listening port (default: a free one). */
  port?: number;
  /**
   * SQLite database file (default: tsips.db in a fresh folder). When it does not exist yet,
   * the harness creates the schema with `tsips-cli db create`, as an admin would. Pass the
   * dbPath of a stopped server to restart on the same data.
   */
  dbPath?: string;
  readyTimeoutMs?: number;
}

const DEFAULT_VARS: Record<string, string | number> = {
  FR_TIMEOUT: 2,
  FR_INV_TIMEOUT: 3,
};

/** Lines in tsips's stderr that mean a crash or a bug rather than an ordinary log line. */
export const CRASH_PATTERNS: readonly RegExp[] = [
  /uncaught/i,
  /unhandled ?(promise )?rejection/i,
  /\b(TypeError|ReferenceError|RangeError|SyntaxError|AssertionError)\b/,
  /^\s+at .+:\d+:\d+\)?$/m, // a stack frame
  /FATAL ERROR|heap out of memory|Segmentation fault/i,
];

/** The lines of `text` that match a crash pattern (empty when the log is clean). */
export function crashLines(text: string): string[] {
  return text.split('\n').filter((line) => CRASH_PATTERNS.some((re) => re.test(line)));
}

export class TsipsServer {
  constructor(
    private readonly proc: Tracked,
    readonly port: number,
    readonly configPath: string,
    readonly dbPath: string,
    readonly dir: string,
  ) {}

  get pid(): number {
    return this.proc.child.pid ?? -1;
  }

  get stderr(): string {
    return this.proc.stderr;
  }

  get stdout(): string {
    return this.proc.stdout;
  }

  get running(): boolean {
    return this.proc.running;
  }

  /** "udp:127.0.0.1:PORT" style address for sipp's remote host argument. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Waits until stderr has a line matching `re`; returns that line. */
  async waitForLog(re: RegExp, timeoutMs = 5000): Promise<string> {
    let found = '';
    await waitFor(`tsips log line ${re}`, timeoutMs, () => {
      found = this.proc.stderr.split('\n').find((l) => re.test(l)) ?? '';
      return found !== '' || !this.proc.running;
    });
    if (!found) throw new Error(`tsips exited before logging ${re}; stderr:\n${this.proc.stderr}`);
    return found;
  }

  /** SIGTERM, then waits for the exit (SIGKILL after timeoutMs, reported as such). */
  async stop(timeoutMs = 10000): Promise<ExitStatus> {
    if (!this.proc.running) return this.proc.status as ExitStatus;
    this.proc.child.kill('SIGTERM');
    const status = await within(this.proc.exited, timeoutMs);
    if (status) return status;
    this.proc.child.kill('SIGKILL');
    await this.proc.exited;
    return { code: null, signal: 'SIGKILL' };
  }
}

/** Fills `__NAME__` placeholders; an unfilled one is an error (a typo would otherwise reach tsips). */
export function fillTemplate(text: string, vars: Record<string, string | number>): string {
  const out = text.replace(/__([A-Z][A-Z0-9_]*)__/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  const left = out.match(/__[A-Z][A-Z0-9_]*__/);
  if (left) throw new Error(`config template placeholder ${left[0]} has no value`);
  return out;
}

/** `tsips-cli db create --url URL`; throws with its output when it fails. */
export async function createDatabase(group: ProcessGroup, url: string): Promise<void> {
  const proc = group.spawn('tsips-cli', process.execPath, [TSIPS_CLI_BIN, 'db', 'create', '--url', url], group.dir);
  const status = await within(proc.exited, 20000);
  if (!status || status.code !== 0) {
    proc.child.kill('SIGKILL');
    throw new Error(`tsips-cli db create --url ${url} failed (${JSON.stringify(status)}):\n${proc.stderr}${proc.stdout}`);
  }
}

/**
 * Starts `node packages/cli/bin/tsips.js -f CONFIG` (the built dist) in a folder of its
 * own, and resolves once it logged that it listens and its UDP and TCP sockets are bound.
 */
export async function startTsips(group: ProcessGroup, opts: TsipsOptions = {}): Promise<TsipsServer> {
  const port = opts.port ?? (await freePort());
  const dir = group.subdir('tsips');
  const dbPath = opts.dbPath ?? path.join(dir, 'tsips.db');
  const vars = { ...DEFAULT_VARS, PORT: port, DB_URL: `sqlite://${dbPath}`, ...opts.vars };
  if (!fs.existsSync(dbPath)) await createDatabase(group, `sqlite://${dbPath}`);
  const configPath = path.join(dir, 'tsips.cfg');
  fs.writeFileSync(configPath, fillTemplate(fs.readFileSync(opts.template ?? configTemplate('proxy.cfg'), 'utf8'), vars));

  const proc = group.spawn('tsips', process.execPath, [TSIPS_BIN, '-f', configPath], dir);
  // kept beside the config (the folder survives with TSIPS_E2E_KEEP=1)
  void proc.exited.then(() => {
    try { fs.writeFileSync(path.join(dir, 'stderr.log'), proc.stderr); } catch { /* folder already removed */ }
  });
  const server = new TsipsServer(proc, port, configPath, dbPath, dir);
  const readyTimeout = opts.readyTimeoutMs ?? 15000;
  try {
    await waitFor('tsips to listen', readyTimeout, () => /tsips: listening on/.test(proc.stderr) || !proc.running);
    if (!proc.running) throw new Error(`tsips exited with ${JSON.stringify(proc.status)} before listening`);
    await waitFor(`udp+tcp 127.0.0.1:${port} to be bound`, readyTimeout, async () =>
      (await isBound('udp', '127.0.0.1', port)) && (await isBound('tcp', '127.0.0.1', port)));
  } catch (e) {
    proc.child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n--- tsips stderr ---\n${proc.stderr}\n--- tsips stdout ---\n${proc.stdout}`);
  }
  return server;
}

// ---------------------------------------------------------------------------------------
// sipp

export interface SippOptions {
  /** Label for folders and messages. */
  name: string;
  /** Scenario file (scenario() or benchScenario()). */
  scenario: string;
  /** "ip:port" of the peer to send to (UAC); omitted for a UAS. */
  remote?: string;
  /** Local address (127.0.0.x) and port; sipp binds them. */
  localIp: string;
  localPort: number;
  transport?: 'udp' | 'tcp';
  /** The [service] keyword: the user part of the Request-URI (-s). */
  service?: string;
  /** -key NAME VALUE pairs ([NAME] keywords in the scenario). */
  keys?: Record<string, string>;
  /** Calls to make or take before exiting (-m); default 1. */
  calls?: number;
  /** Calls per second (-r) for a UAC. */
  rate?: number;
  /** sipp's own global timeout (-timeout, seconds); the harness SIGKILLs it 10 s later. */
  timeoutS?: number;
  extraArgs?: readonly string[];
}

export interface SippResult {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** SuccessfulCall(C) / FailedCall(C) of the final statistics line. */
  successful: number;
  failed: number;
  /** Final row of -trace_counts: "3_200_Retrans" -> 2, ... */
  counts: Record<string, number>;
  /** Final row of -trace_stat. */
  stats: Record<string, string>;
  /** -trace_msg: every message sent and received, for assertions and failure reports. */
  messages: string;
  /** -trace_err: unexpected messages and aborted calls. */
  errors: string;
  stderr: string;
  stdout: string;
}

/** A sipp process; `done` resolves (never rejects) when it exited. */
export class SippProcess {
  constructor(
    readonly opts: SippOptions,
    private readonly proc: Tracked,
    readonly done: Promise<SippResult>,
  ) {}

  get running(): boolean {
    return this.proc.running;
  }

  /** Resolves once sipp's socket is bound (for a UAS, before a UAC may call it). */
  async ready(timeoutMs = 5000): Promise<void> {
    const proto = this.opts.transport ?? 'udp';
    await waitFor(`sipp ${this.opts.name} to bind ${proto}:${this.opts.localIp}:${this.opts.localPort}`, timeoutMs, async () =>
      !this.proc.running || (await isBound(proto, this.opts.localIp, this.opts.localPort)));
    if (!this.proc.running) {
      const r = await this.done;
      throw new Error(`sipp ${this.opts.name} exited before binding:\n${describeSipp(r)}`);
    }
  }
}

function lastCsvRow(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const head = lines[0].split(';');
  const row = lines[lines.length - 1].split(';');
  const out: Record<string, string> = {};
  head.forEach((h, i) => { if (h) out[h] = row[i] ?? ''; });
  return out;
}

function readIfExists(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

export function startSipp(group: ProcessGroup, opts: SippOptions): SippProcess {
  const dir = group.subdir(`sipp-${opts.name}`);
  const timeoutS = opts.timeoutS ?? 20;
  const args: string[] = [];
  if (opts.remote) args.push(opts.remote);
  args.push('-sf', opts.scenario, '-i', opts.localIp, '-p', String(opts.localPort),
    '-t', opts.transport === 'tcp' ? 't1' : 'u1', '-m', String(opts.calls ?? 1),
    '-nostdin', '-timeout', `${timeoutS}s`, '-timeout_error',
    '-trace_msg', '-message_file', path.join(dir, 'messages.log'),
    '-trace_err', '-error_file', path.join(dir, 'errors.log'),
    '-trace_counts', '-trace_stat', '-stf', path.join(dir, 'stats.csv'));
  if (opts.service) args.push('-s', opts.service);
  if (opts.rate) args.push('-r', String(opts.rate));
  for (const [k, v] of Object.entries(opts.keys ?? {})) args.push('-key', k, v);
  args.push(...(opts.extraArgs ?? []));

  const proc = group.spawn(`sipp-${opts.name}`, 'sipp', args, dir);
  // sipp has been seen to outlive its own -timeout when stuck mid-call
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), (timeoutS + 10) * 1000);
  const done = proc.exited.then((status): SippResult => {
    clearTimeout(killer);
    const countsFile = fs.readdirSync(dir).find((f) => f.endsWith('_counts.csv'));
    const countsRow = countsFile ? lastCsvRow(path.join(dir, countsFile)) : {};
    const counts: Record<string, number> = {};
    for (const [k, v] of Object.entries(countsRow)) if (/^\d+_/.test(k)) counts[k] = Number(v);
    const stats = lastCsvRow(path.join(dir, 'stats.csv'));
    return {
      name: opts.name,
      code: status.code,
      signal: status.signal,
      successful: Number(stats['SuccessfulCall(C)'] ?? NaN),
      failed: Number(stats['FailedCall(C)'] ?? NaN),
      counts,
      stats,
      messages: readIfExists(path.join(dir, 'messages.log')),
      errors: readIfExists(path.join(dir, 'errors.log')),
      stderr: proc.stderr,
      stdout: proc.stdout,
    };
  });
  return new SippProcess(opts, proc, done);
}

/** Runs a sipp to completion. */
export function runSipp(group: ProcessGroup, opts: SippOptions): Promise<SippResult> {
  return startSipp(group, opts).done;
}

/** A readable account of a sipp run for assertion messages. */
export function describeSipp(r: SippResult, maxMessages = 6000): string {
  const msgs = r.messages.length > maxMessages ? `...${r.messages.slice(-maxMessages)}` : r.messages;
  return [
    `sipp ${r.name}: exit ${r.code}${r.signal ? ` (${r.signal})` : ''}, successful ${r.successful}, failed ${r.failed}`,
    r.errors ? `--- errors ---\n${r.errors.slice(0, 4000)}` : '',
    r.stderr.trim() ? `--- stderr ---\n${r.stderr.slice(0, 2000)}` : '',
    `--- messages ---\n${msgs}`,
  ].filter(Boolean).join('\n');
}

/** The SIP messages of a -trace_msg log, without sipp's separators. */
export function tracedMessages(log: string, direction: 'sent' | 'received'): string[] {
  const out: string[] = [];
  const parts = log.split(/^-{20,} .*$/m);
  for (const p of parts) {
    const m = p.match(/^\s*(?:UDP|TCP|TLS) message (sent|received) [^\n]*\n\n?([\s\S]*)$/);
    if (m && m[1] === direction) out.push(m[2].trim());
  }
  return out;
}

/** The status codes of the responses in a -trace_msg log, in order. */
export function receivedStatusCodes(log: string): number[] {
  return tracedMessages(log, 'received')
    .map((m) => m.match(/^SIP\/2\.0 (\d{3}) /))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => Number(m[1]));
}

/**
 * Registers `user` at the proxy with `contact` as its binding, using a throw-away sipp bound
 * to `fromIp:fromPort` (over UDP unless transport says otherwise). Resolves the sipp result;
 * the caller asserts it.
 */
export async function register(group: ProcessGroup, proxy: TsipsServer, user: string, contact: string,
  from: { ip: string; port: number; transport?: 'udp' | 'tcp' }): Promise<SippResult> {
  return runSipp(group, {
    name: `register-${user}`,
    scenario: scenario('register.xml'),
    remote: proxy.address,
    localIp: from.ip,
    localPort: from.port,
    transport: from.transport,
    service: user,
    keys: { contact },
    timeoutS: 10,
  });
}

// ---------------------------------------------------------------------------------------
// the default config and the admin's set-up

export const DEFAULT_CONFIG = path.join(REPO_ROOT, 'examples', 'opensips.cfg');

/**
 * The shipped default config (examples/opensips.cfg) as a template: its loopback socket
 * port becomes `__PORT__`, its database `__DB_URL__`, and its relative include paths point
 * into examples/ again. `edit` may change the text further (a test that takes one
 * protection out to show the next one holds says so in its name). Returns the path.
 */
export function defaultConfigTemplate(group: ProcessGroup, edit?: (text: string) => string): string {
  let text = fs.readFileSync(DEFAULT_CONFIG, 'utf8');
  const socket = /127\.0\.0\.1:5060/g;
  const db = /sqlite:\/\/var\/tsips\.db/g;
  if (!socket.test(text) || !db.test(text)) throw new Error('examples/opensips.cfg no longer has the loopback socket and sqlite URL the tests rewrite');
  text = text.replace(socket, '127.0.0.1:__PORT__').replace(db, '__DB_URL__')
    .replace(/include_file "(?!\/)([^"]+)"/g, (_m, rel: string) => `include_file "${path.join(REPO_ROOT, 'examples', rel)}"`);
  if (edit) {
    const edited = edit(text);
    if (edited === text) throw new Error('defaultConfigTemplate: the edit changed nothing (the default config moved on?)');
    text = edited;
  }
  const file = path.join(group.subdir('config'), 'opensips.cfg');
  fs.writeFileSync(file, text);
  return file;
}

/** `tsips-cli user add USER@DOMAIN PASSWORD --url URL`, as an admin adds a subscriber. */
export async function addSubscriber(group: ProcessGroup, dbUrl: string, aor: string, password: string): Promise<void> {
  const add = group.spawn('tsips-cli-user', process.execPath, [TSIPS_CLI_BIN, 'user', 'add', aor, password, '--url', dbUrl], group.dir);
  const status = await within(add.exited, 20000);
  if (!status || status.code !== 0) throw new Error(`tsips-cli user add ${aor} failed (${JSON.stringify(status)}): ${add.stderr}${add.stdout}`);
}

// ---------------------------------------------------------------------------------------
// sipvicious (Debian package), run through test/e2e/tools/sv.py

export interface SvDatagram {
  t: number;
  dir: 'sent' | 'received';
  peer: string;
  /** The start line. */
  first: string;
  text: string;
}

export interface SvResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every datagram the tool sent and received, in order. */
  datagrams: SvDatagram[];
  sent: SvDatagram[];
  received: SvDatagram[];
}

/** Status codes of the replies the tool received, in order. */
export function svStatusCodes(r: SvResult): number[] {
  return r.received.map((d) => /^SIP\/2\.0 (\d{3})/.exec(d.first)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
}

/**
 * Runs svmap, svwar or svcrack with `args` (the tests give loopback targets only). `ua`
 * replaces its User-Agent ('friendly-scanner') the way an attacker would; the rest of its
 * requests stay as the tool makes them. Killed after timeoutS.
 */
export async function runSipvicious(group: ProcessGroup, tool: 'svmap' | 'svwar' | 'svcrack', args: readonly string[],
  opts: { ua?: string; timeoutS?: number; name?: string } = {}): Promise<SvResult> {
  const dir = group.subdir(opts.name ?? tool);
  const logFile = path.join(dir, 'datagrams.jsonl');
  const wrapper = path.join(__dirname, 'tools', 'sv.py');
  const svArgs = [wrapper, tool, '--log', logFile, ...(opts.ua !== undefined ? ['--ua', opts.ua] : []), '--', ...args];
  const proc = group.spawn(opts.name ?? tool, 'python3', svArgs, dir);
  const status = await within(proc.exited, (opts.timeoutS ?? 60) * 1000);
  if (!status) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  const datagrams: SvDatagram[] = fs.existsSync(logFile)
    ? fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as SvDatagram)
    : [];
  return {
    code: status ? status.code : null,
    stdout: proc.stdout,
    stderr: proc.stderr,
    datagrams,
    sent: datagrams.filter((d) => d.dir === 'sent'),
    received: datagrams.filter((d) => d.dir === 'received'),
  };
}

// ---------------------------------------------------------------------------------------
// assertions and steps the end-to-end files share

/** A sipp run that completed its one call: exit 0, one success, no failure (with the report when not). */
export function expectSippOk(r: SippResult): void {
  expect({ code: r.code, successful: r.successful, failed: r.failed, report: r.code === 0 ? '' : describeSipp(r) })
    .toEqual({ code: 0, successful: 1, failed: 0, report: '' });
}

/** Stops a running server with SIGTERM and asserts a clean exit (code 0, no crash lines). */
export async function expectCleanStop(server: TsipsServer | undefined): Promise<void> {
  if (!server?.running) return;
  const status = await server.stop();
  expect({ status, crash: crashLines(server.stderr) }).toEqual({ status: { code: 0, signal: null }, crash: [] });
}

/**
 * REGISTER with digest authentication (scenario register_auth.xml: 401, then credentials from
 * -au/-ap) from ip:port, the binding being that address. `final` is the status the second
 * REGISTER must get (200 unless a test expects a refusal).
 */
export async function registerWithAuth(group: ProcessGroup, server: TsipsServer, user: string, password: string,
  from: { ip: string; port: number }, final = 200): Promise<SippResult> {
  let file = scenario('register_auth.xml');
  if (final !== 200) {
    const text = fs.readFileSync(file, 'utf8').replace('<recv response="200"></recv>', `<recv response="${final}"></recv>`);
    if (!text.includes(`<recv response="${final}"></recv>`)) throw new Error('register_auth.xml no longer ends with <recv response="200">');
    file = path.join(group.subdir(`scenario-${final}`), 'register_auth.xml');
    fs.writeFileSync(file, text);
  }
  return runSipp(group, {
    name: `register-${user}-${from.ip}-${final}`, scenario: file, remote: server.address,
    localIp: from.ip, localPort: from.port, service: user, extraArgs: ['-au', user, '-ap', password], timeoutS: 10,
  });
}

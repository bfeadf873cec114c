/**
 * Server lifecycle: load and check a script with the module instances the caller gives
 * (core does not depend on @tsips/modules; the CLI passes `createAllModules()`), apply
 * modparams, provide services, initialise the loaded modules, open the sockets, run
 * startup_route and schedule timer_routes. stop() and reload() as in the issue: reload
 * checks the new script first and keeps every module instance (and so their state).
 */
import * as net from 'node:net';
import * as os from 'node:os';
import * as dns from 'node:dns';
import {
  checkScript,
  createModuleRegistry,
  formatDiagnostic,
  loadScript,
  Services,
  type CompiledScript,
  type Diagnostic,
  type ModuleExports,
  type ModuleEnv,
} from '@tsips/script';
import { CORE, type LocalSocket } from './api';
import { BLACKLISTS } from './blacklists';
import { EVENTS } from './events';
import { ConfigError, readCoreConfig, type CoreConfig, type SocketSpec } from './config';
import { Logger, type LogWriter } from './logger';
import { L_ERR, L_INFO, L_NOTICE, L_WARN, ScriptRuntime, SipCore } from './sip-core';
import { ConnectionTable, StreamTransport, type StreamLimits } from './transport/stream';
import { clientOptions, pickDomain, readTlsDomains, serverOptions } from './transport/tls-config';
import { UdpTransport, socketName } from './transport/udp';

export interface ServerOptions {
  /** Fresh module instances for this server (e.g. createAllModules() from @tsips/modules). */
  modules: readonly ModuleExports[];
  /** Overrides the script's log_level (tsips -l). */
  logLevel?: number;
  /** Where log lines go (default: stderr). */
  logWriter?: LogWriter;
  /** Milliseconds stop() waits for transactions in flight (default 5000). */
  shutdownTimeoutMs?: number;
  /** TCP/TLS connections one IP address may hold (default 64). */
  tcpMaxConnectionsPerIp?: number;
  /** Largest SIP message on TCP/TLS (default 65535 bytes). */
  maxMessageSize?: number;
}

/** The script could not be loaded: every diagnostic, formatted (file:line:col, source, caret). */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly report: string,
  ) {
    super(message);
    this.name = 'ServerStartError';
  }
}

export interface ReloadResult {
  ok: boolean;
  /** Formatted diagnostics (errors make ok false; warnings are listed too). */
  report: string;
}

interface Loaded {
  compiled: CompiledScript;
  timers: Map<string, number>;
  warnings: string;
}

function loadAndCheck(file: string, modules: readonly ModuleExports[]): Loaded | { errors: string } {
  const loaded = loadScript(file);
  const diags: Diagnostic[] = [...loaded.diagnostics];
  let compiled: CompiledScript | null = null;
  if (!diags.some((d) => d.severity === 'error')) {
    const checked = checkScript(loaded.script, createModuleRegistry(modules));
    diags.push(...checked.diagnostics);
    compiled = checked.compiled;
  }
  const text = (sev: Diagnostic['severity'][]): string =>
    diags
      .filter((d) => sev.includes(d.severity))
      .map((d) => formatDiagnostic(d, loaded.files))
      .join('\n');
  if (compiled === null || diags.some((d) => d.severity === 'error')) return { errors: text(['error', 'warning']) };
  const timers = new Map<string, number>();
  for (const item of loaded.script.items) {
    if (item.kind === 'Route' && item.type === 'timer' && item.name !== null && item.interval !== null) timers.set(item.name, item.interval);
  }
  return { compiled, timers, warnings: text(['warning']) };
}

/** Modules in load order with each module's dependencies before it. */
function initOrder(compiled: CompiledScript): ModuleExports[] {
  const out: ModuleExports[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || !compiled.loadedModules.has(name)) return;
    seen.add(name);
    const m = compiled.registry.module(name);
    if (m === undefined) return;
    for (const d of m.dependencies ?? []) visit(d);
    out.push(m);
  };
  for (const name of compiled.loadedModules) visit(name);
  return out;
}

export class SipServer {
  readonly core: SipCore;
  readonly services = new Services();
  private runtimeTimers: NodeJS.Timeout[] = [];
  private initialised: ModuleExports[] = [];
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';
  private readonly busyTimers = new Set<string>();

  private constructor(
    readonly scriptFile: string,
    private readonly opts: ServerOptions,
    private compiled: CompiledScript,
    readonly config: CoreConfig,
    logger: Logger,
  ) {
    this.core = new SipCore(config, { logger });
  }

  /** Loads, checks and starts; throws ServerStartError (bad script, socket in use...). */
  static async start(scriptFile: string, opts: ServerOptions): Promise<SipServer> {
    const loaded = loadAndCheck(scriptFile, opts.modules);
    if ('errors' in loaded) throw new ServerStartError(`${scriptFile}: the script has errors`, loaded.errors);
    let config: CoreConfig;
    try {
      config = readCoreConfig(loaded.compiled);
    } catch (e) {
      if (e instanceof ConfigError) throw new ServerStartError(e.message, e.message);
      throw e;
    }
    const logger = new Logger(opts.logLevel ?? config.logLevel, opts.logWriter);
    if (loaded.warnings !== '') logger.log(L_WARN, loaded.warnings);
    const server = new SipServer(scriptFile, opts, loaded.compiled, config, logger);
    try {
      await server.boot(loaded);
    } catch (e) {
      await server.stop().catch(() => undefined);
      if (e instanceof ServerStartError) throw e;
      throw new ServerStartError(e instanceof Error ? e.message : String(e), e instanceof Error ? e.message : String(e));
    }
    return server;
  }

  get sockets(): readonly LocalSocket[] {
    return this.core.sockets;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  private async boot(loaded: Loaded): Promise<void> {
    const core = this.core;
    const compiled = loaded.compiled;
    compiled.applyModparams();
    this.services.provide(CORE, core);
    this.services.provide(EVENTS, core.events);
    this.services.provide(BLACKLISTS, { current: () => this.compiled.tables.blacklists });
    core.runtime = new ScriptRuntime(compiled, core.sinks, loaded.timers);
    for (const m of initOrder(compiled)) {
      if (m.init !== undefined) {
        const env: ModuleEnv = { services: this.services, log: (level, text) => core.logger.log(level, text, m.name) };
        await m.init(env);
      }
      this.initialised.push(m);
    }
    for (const m of this.initialised) await m.childInit?.(0);
    await this.openSockets();
    core.socketsReady();
    core.publishAddresses(compiled);
    this.state = 'running';
    if (compiled.hasRoute('startup', null)) {
      const { result } = await core.runRoute('startup', null, null, null);
      core.log(L_INFO, `startup_route finished (${result.code})`);
    }
    this.scheduleTimers(core.runtime);
  }

  private async openSockets(): Promise<void> {
    const cfg = this.config;
    if (cfg.sockets.length === 0) throw new ServerStartError('the script has no socket= (or listen=) line: nothing to listen on', 'the script has no socket= (or listen=) line: nothing to listen on');
    const limits: StreamLimits = {
      maxConnections: cfg.tcpMaxConnections,
      maxConnectionsPerIp: this.opts.tcpMaxConnectionsPerIp ?? 64,
      idleMs: cfg.tcpConnectionLifetime * 1000,
      maxMessageSize: this.opts.maxMessageSize ?? 65535,
      maxMsgChunks: cfg.tcpMaxMsgChunks,
      maxMsgTimeMs: cfg.tcpMaxMsgTime * 1000,
      connectTimeoutMs: cfg.tcpConnectTimeoutMs,
      crlfPingpong: cfg.tcpCrlfPingpong,
    };
    const table = new ConnectionTable();
    const tlsDomains = cfg.sockets.some((s) => s.proto === 'tls') ? readTlsDomains(this.compiled.modparams) : [];
    const log = (level: number, text: string): void => this.core.logger.log(level, text);
    for (const spec of cfg.sockets) {
      for (const address of await this.addressesOf(spec)) {
        const sock: LocalSocket = {
          proto: spec.proto,
          address,
          port: spec.port,
          name: socketName(spec.proto, address, spec.port),
          advertisedAddress: spec.advertisedAddress,
          advertisedPort: spec.advertisedPort,
        };
        const t =
          spec.proto === 'udp'
            ? new UdpTransport(sock, this.core.receive, log, cfg.udpMaxBuffer)
            : spec.proto === 'tcp'
              ? new StreamTransport(sock, table, limits, this.core.receive, log)
              : new StreamTransport(sock, table, limits, this.core.receive, log, serverOptions(pickDomain(tlsDomains, 'server', address, spec.port)), (dest) =>
                  clientOptions(pickDomain(tlsDomains, 'client', dest.address, dest.port)),
                );
        await t.open();
        this.core.addTransport(t);
      }
    }
  }

  /** `*` means every local IPv4 address (as OpenSIPS expands it); host names are resolved once. */
  private async addressesOf(spec: SocketSpec): Promise<string[]> {
    const h = spec.host.startsWith('[') && spec.host.endsWith(']') ? spec.host.slice(1, -1) : spec.host;
    if (h === '*') {
      const out: string[] = [];
      for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
      return out.length > 0 ? out : ['127.0.0.1'];
    }
    if (net.isIP(h) !== 0) return [h];
    try {
      return [(await dns.promises.lookup(h, { family: 4 })).address];
    } catch (e) {
      throw new ServerStartError(`socket ${spec.proto}:${h}: cannot resolve the host name`, `socket ${spec.proto}:${h}: ${(e as Error).message}`);
    }
  }

  private scheduleTimers(rt: ScriptRuntime): void {
    for (const t of this.runtimeTimers) clearInterval(t);
    this.runtimeTimers = [];
    for (const [name, secs] of rt.timers) {
      const timer = setInterval(() => {
        // A run still going when the next tick comes is not doubled.
        if (this.busyTimers.has(name) || this.state !== 'running') return;
        this.busyTimers.add(name);
        this.core.runRoute('timer', name, null, null).then(
          () => this.busyTimers.delete(name),
          (e) => {
            this.busyTimers.delete(name);
            this.core.log(L_ERR, `timer_route[${name}]: ${e instanceof Error ? e.message : String(e)}`);
          },
        );
      }, secs * 1000);
      timer.unref();
      this.runtimeTimers.push(timer);
    }
  }

  /**
   * Checks the script file again and, when it is good, runs new messages through it. Module
   * instances (and their state), sockets and modparams stay as they are; changed sockets or
   * modparams are reported because they need a restart.
   */
  reload(): ReloadResult {
    if (this.state !== 'running') return { ok: false, report: 'the server is not running' };
    const loaded = loadAndCheck(this.scriptFile, this.opts.modules);
    if ('errors' in loaded) {
      this.core.log(L_ERR, `reload of ${this.scriptFile} refused, the running script stays:\n${loaded.errors}`);
      return { ok: false, report: loaded.errors };
    }
    const notes: string[] = [];
    let newCfg: CoreConfig;
    try {
      newCfg = readCoreConfig(loaded.compiled);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.core.log(L_ERR, `reload of ${this.scriptFile} refused: ${msg}`);
      return { ok: false, report: msg };
    }
    const key = (s: SocketSpec): string => `${s.proto}:${s.host}:${s.port}`;
    if (newCfg.sockets.map(key).join(',') !== this.config.sockets.map(key).join(',')) notes.push('socket lines changed: restart tsips to listen on the new sockets');
    const mp = (c: CompiledScript): string => JSON.stringify(c.modparams.map((m) => [m.module, m.param, m.value]));
    if (mp(loaded.compiled) !== mp(this.compiled)) notes.push('modparams changed: they take effect at the next restart');
    const missing = [...loaded.compiled.loadedModules].filter((m) => !this.compiled.loadedModules.has(m));
    if (missing.length > 0) {
      const msg = `reload of ${this.scriptFile} refused: it loads modules the running server did not start (${missing.join(', ')}); restart instead`;
      this.core.log(L_ERR, msg);
      return { ok: false, report: msg };
    }
    this.core.publishAddresses(loaded.compiled);
    this.compiled = loaded.compiled;
    const rt = new ScriptRuntime(loaded.compiled, this.core.sinks, loaded.timers);
    this.core.runtime = rt;
    this.scheduleTimers(rt);
    for (const n of notes) this.core.log(L_WARN, `reload: ${n}`);
    this.core.log(L_NOTICE, `reloaded ${this.scriptFile}`);
    return { ok: true, report: [loaded.warnings, ...notes].filter((s) => s !== '').join('\n') };
  }

  /**
   * Stops listening for new requests, gives transactions in flight (onShutdown hooks) up to
   * the shutdown timeout, closes the sockets, then destroys the modules (databases flushed).
   */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.core.stopping = true;
    for (const t of this.runtimeTimers) clearInterval(t);
    this.runtimeTimers = [];
    const hooks = this.core.shutdownHooks.map((h) => h().catch((e) => this.core.log(L_ERR, `shutdown: ${e instanceof Error ? e.message : String(e)}`)));
    if (hooks.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.core.log(L_WARN, 'shutdown: transactions still in flight after the timeout; closing anyway');
          resolve();
        }, this.opts.shutdownTimeoutMs ?? 5000);
      });
      await Promise.race([Promise.all(hooks).then(() => undefined), timeout]);
      clearTimeout(timer);
    }
    await this.core.closeTransports();
    for (const m of [...this.initialised].reverse()) {
      try {
        await m.destroy?.();
      } catch (e) {
        this.core.log(L_ERR, `module ${m.name}: destroy failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.initialised = [];
    this.state = 'stopped';
  }
}

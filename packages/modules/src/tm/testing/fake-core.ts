/**
 * An in-memory SipCoreApi for tm's tests: sends are recorded (parsed) instead of going to
 * a network, DNS is a table, routes run on a real compiled script, and incoming messages
 * go through the registered hooks first, as the real core does. Time is whatever the
 * timers are (tests use jest's fake timers).
 */
import { CORE, spliceVia, viaAnnotation, type Destination, type LocalSocket, type Proto, type SipCoreApi } from '@tsips/core';
import {
  checkScript,
  createModuleRegistry,
  messageFromText,
  parseScript,
  Services,
  type CompiledScript,
  type ModuleExports,
  type ReceiveInfo,
  type RouteBlock,
  type RunResult,
  type ScriptContext,
  type ScriptSinks,
} from '@tsips/script';
import { buildReply, parseMessage, type SipMessage } from '@tsips/sip';

export interface Sent {
  dest: Destination;
  from: LocalSocket | null;
  msg: SipMessage;
  data: Buffer;
}

export const PROXY_UDP: LocalSocket = { proto: 'udp', address: '127.0.0.1', port: 5060, name: 'udp:127.0.0.1:5060', advertisedAddress: null, advertisedPort: null };
export const PROXY_TCP: LocalSocket = { proto: 'tcp', address: '127.0.0.1', port: 5060, name: 'tcp:127.0.0.1:5060', advertisedAddress: null, advertisedPort: null };

/** A tiny module for tests: append_branch is an OpenSIPS core function tsips's core lacks so far. */
export const testBranchModule: ModuleExports = {
  name: 'tmtest',
  functions: [
    {
      name: 'test_append_branch',
      params: [{ name: 'uri', kind: 'string' }],
      routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE'],
      impl: (ctx: ScriptContext, uri: string) => {
        ctx.branches.push({ uri, dstUri: null, q: null, path: null, flags: 0, socket: null });
        return 1;
      },
    },
  ],
};

export class FakeCore implements SipCoreApi {
  readonly sockets: readonly LocalSocket[] = [PROXY_UDP, PROXY_TCP];
  readonly sent: Sent[] = [];
  readonly statelessReplies: Array<{ status: number; reason: string }> = [];
  readonly statelessForwards: Array<{ ruri: string; destination: string | null }> = [];
  readonly logs: string[] = [];
  readonly stats = new Map<string, number>();
  /** Destinations whose send() rejects ("udp:10.0.0.9:5060"). */
  readonly failing = new Set<string>();
  /** DNS: host -> addresses. */
  readonly dns = new Map<string, string[]>();
  /** DNS answers that take this long (ms of the test's clock). */
  readonly dnsDelay = new Map<string, number>();
  readonly scriptLogs: string[] = [];
  serverHeader: string | null = 'Server: tsips';
  userAgentHeader: string | null = 'User-Agent: tsips';
  private readonly requestHooks: Array<(msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>> = [];
  private readonly replyHooks: Array<(msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>> = [];
  readonly shutdownHooks: Array<() => Promise<void>> = [];
  script!: CompiledScript;
  readonly sinks: ScriptSinks = {
    reply: (ctx, status, reason) => {
      this.statelessReplies.push({ status, reason });
      void ctx;
      return 1;
    },
    forward: (ctx, destination) => this.forwardStateless(ctx, destination),
    log: (_level, line) => {
      this.scriptLogs.push(line);
    },
    event: () => undefined,
  };

  /** Loads a script with tm (the instance given) and the test module, applies modparams, runs init. */
  static async start(scriptText: string, tm: ModuleExports): Promise<FakeCore> {
    const core = new FakeCore();
    const registry = createModuleRegistry([tm, testBranchModule]);
    const loaded = parseScript(scriptText, 'test.cfg');
    const checked = checkScript(loaded.script, registry);
    const errors = [...loaded.diagnostics, ...checked.diagnostics].filter((d) => d.severity === 'error');
    if (checked.compiled === null || errors.length > 0) throw new Error(`script errors: ${errors.map((d) => `${d.loc.line}: ${d.message}`).join('; ')}`);
    core.script = checked.compiled;
    core.script.applyModparams();
    const services = new Services();
    services.provide(CORE, core as SipCoreApi);
    await tm.init?.({ services, log: (l, t) => core.log(l, t) });
    core.services = services;
    return core;
  }

  services!: Services;

  // ---------------------------------------------------------------- SipCoreApi

  async send(dest: Destination, data: Buffer, from?: LocalSocket | null): Promise<void> {
    const key = `${dest.proto}:${dest.address}:${dest.port}`;
    if (this.failing.has(key)) throw new Error(`connection refused by ${key}`);
    this.sent.push({ dest, from: from ?? null, msg: parseMessage(data), data });
  }

  socketFor(dest: Destination, forced?: string | null): LocalSocket | null {
    if (forced) return this.sockets.find((s) => s.name === forced) ?? null;
    return this.sockets.find((s) => s.proto === dest.proto) ?? null;
  }

  localSocket(rcv: ReceiveInfo): LocalSocket | null {
    return this.sockets.find((s) => s.proto === rcv.proto) ?? null;
  }

  async resolve(uri: string): Promise<Destination[]> {
    const m = /^sips?:(?:[^@;]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?([^?>]*)/i.exec(uri);
    if (m === null) return [];
    const host = m[1]!;
    const port = m[2] === undefined ? 5060 : Number(m[2]);
    const t = /;transport=(\w+)/i.exec(m[3] ?? '');
    const proto = (t?.[1]?.toLowerCase() ?? 'udp') as Proto;
    const delay = this.dnsDelay.get(host);
    if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
    const addrs = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? [host] : this.dns.get(host) ?? [];
    return addrs.map((address) => ({ proto, address, port }));
  }

  viaFor(sock: LocalSocket, branch: string, opts?: { rport?: boolean }): string {
    return `SIP/2.0/${sock.proto.toUpperCase()} ${sock.address}:${sock.port};branch=${branch}${opts?.rport ? ';rport' : ''}`;
  }

  requestBytes(msg: SipMessage, rcv: ReceiveInfo, via: string, opts?: { forceRport?: boolean }): Buffer {
    const ann = viaAnnotation(msg.topVia(), rcv.srcIp, rcv.srcPort, opts?.forceRport === true);
    return spliceVia(msg.toBuffer(), via, ann.received, ann.rport);
  }

  toTagFor(): string {
    return 'sltag';
  }

  disableStats(): void {}

  /** What the real core offers too (tm asks before running the unnamed onreply_route). */
  hasRoute(type: RouteBlock['type'], name: string | null): boolean {
    return this.script.hasRoute(type, name);
  }

  isMyself(host: string, port: number | null): boolean {
    return host === '127.0.0.1' && (port === null || port === 5060);
  }

  onRawMessage(): void {}

  onRequest(hook: (msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>): void {
    this.requestHooks.push(hook);
  }

  onReply(hook: (msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>): void {
    this.replyHooks.push(hook);
  }

  onShutdown(hook: () => Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  async runRoute(
    type: RouteBlock['type'],
    name: string | null,
    msg: SipMessage | null,
    rcv: ReceiveInfo | null,
    setup?: (ctx: ScriptContext) => void,
  ): Promise<{ result: RunResult; ctx: ScriptContext }> {
    const ctx = this.script.createContext({ msg, rcv: rcv ?? UAC_UDP, sinks: this.sinks });
    setup?.(ctx);
    if (!this.script.hasRoute(type, name)) return { result: { code: 1, end: 'running' }, ctx };
    const result = await this.script.run(ctx, type, name);
    return { result, ctx };
  }

  async sendReply(req: SipMessage, rcv: ReceiveInfo, status: number, reason: string): Promise<void> {
    this.statelessReplies.push({ status, reason });
    const data = buildReply(req, status, reason, { received: rcv.srcIp, rport: rcv.srcPort });
    await this.send({ proto: rcv.proto as Proto, address: rcv.srcIp, port: rcv.srcPort }, data, null);
  }

  async forwardStateless(ctx: ScriptContext, destination: string | null): Promise<number> {
    this.statelessForwards.push({ ruri: ctx.ruri(), destination: destination ?? ctx.dstUri });
    return 1;
  }

  log(_level: number, text: string): void {
    this.logs.push(text);
  }

  stat(name: string, delta = 1): void {
    this.stats.set(name, (this.stats.get(name) ?? 0) + delta);
  }

  statValue(name: string): number {
    return this.stats.get(name) ?? 0;
  }

  now(): number {
    return Date.now();
  }

  // ---------------------------------------------------------------- driving

  /** A request arrives: hooks first, then the main route (as the core does). */
  async receiveRequest(text: string, rcv: ReceiveInfo = UAC_UDP): Promise<{ consumed: boolean; ctx: ScriptContext | null; result: RunResult | null }> {
    const msg = parseMessage(messageFromText(text), { transport: rcv.proto === 'udp' ? 'datagram' : 'stream' });
    for (const h of this.requestHooks) if (await h(msg, rcv)) return { consumed: true, ctx: null, result: null };
    const ctx = this.script.createContext({ msg, rcv, sinks: this.sinks });
    const result = await this.script.run(ctx);
    return { consumed: false, ctx, result };
  }

  /** A reply arrives; true when a hook (tm) consumed it. */
  async receiveReply(data: Buffer | string, rcv: ReceiveInfo = UAS_UDP): Promise<boolean> {
    const msg = parseMessage(typeof data === 'string' ? messageFromText(data) : data, { transport: rcv.proto === 'udp' ? 'datagram' : 'stream' });
    for (const h of this.replyHooks) if (await h(msg, rcv)) return true;
    return false;
  }

  /** Sends recorded so far, then forgets them. */
  take(): Sent[] {
    return this.sent.splice(0, this.sent.length);
  }

  /** Summary lines of the sends ("INVITE sip:b@... -> udp:10.0.0.2:5060", "SIP/2.0 180 -> ..."). */
  static describe(s: Sent): string {
    const where = `${s.dest.proto}:${s.dest.address}:${s.dest.port}`;
    return s.msg.isRequest ? `${s.msg.method} ${s.msg.ruri} -> ${where}` : `${s.msg.status} ${s.msg.cseq().method} -> ${where}`;
  }
}

export const UAC_UDP: ReceiveInfo = { srcIp: '192.0.2.10', srcPort: 5062, proto: 'udp', dstIp: '127.0.0.1', dstPort: 5060 };
export const UAC_TCP: ReceiveInfo = { srcIp: '192.0.2.10', srcPort: 40123, proto: 'tcp', dstIp: '127.0.0.1', dstPort: 5060 };
export const UAS_UDP: ReceiveInfo = { srcIp: '10.0.0.2', srcPort: 5060, proto: 'udp', dstIp: '127.0.0.1', dstPort: 5060 };

/**
 * The reply a callee would send to a request we relayed: its Vias copied (ours on top),
 * From, To (with the callee's tag), Call-ID, CSeq.
 */
export function replyTo(req: SipMessage, status: number, reason: string, opts: { toTag?: string; headers?: Array<[string, string]> } = {}): Buffer {
  const o: Parameters<typeof buildReply>[3] = { toTag: opts.toTag ?? 'callee1' };
  if (opts.headers !== undefined) o.headers = opts.headers;
  return buildReply(req, status, reason, o);
}

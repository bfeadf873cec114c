/**
 * The SIP core of one server: sockets, the receive path (raw hooks -> parse -> checks ->
 * request/reply hooks -> script), stateless replies and forwarding, and the services
 * modules use ({@link SipCoreApi}). The script in use lives in a {@link ScriptRuntime} that
 * reload() swaps; module instances and this object stay.
 */
import * as net from 'node:net';
import {
  type CompiledScript,
  type ReceiveInfo,
  type RouteBlock,
  type RunResult,
  type ScriptContext,
  type ScriptError,
  type ScriptSinks,
  type RaisedEvent,
  type RouteTypeName,
  type LocalAddress,
  type ScriptValue,
} from '@tsips/script';
import { buildReply, ParseError, parseMessage, type SipMessage, type Via } from '@tsips/sip';
import type { Destination, LocalSocket, Proto, SipCoreApi } from './api';
import type { CoreConfig } from './config';
import { Logger, RateLimitedLog } from './logger';
import { Resolver, ResolveError } from './resolver';
import { Stats } from './stats';
import { EventSubscriptions } from './events';
import type { CoreReceiveInfo, Transport } from './transport/types';
import { blacklistRefusal } from './blacklists';
import { hash32, hex8, isLoop, spliceVia, statelessBranch, viaAnnotation } from './via';

export const L_ALERT = -3;
export const L_ERR = -1;
export const L_WARN = 1;
export const L_NOTICE = 2;
export const L_INFO = 3;
export const L_DBG = 4;

const STREAM = { transport: 'stream' as const };
const DATAGRAM = { transport: 'datagram' as const, keepShortBody: true };
const ENDED: RunResult = Object.freeze({ code: 1, end: 'running' as const });
const NO_RCV: ReceiveInfo = Object.freeze({ srcIp: '0.0.0.0', srcPort: 0, proto: 'udp', dstIp: '0.0.0.0', dstPort: 0 });

type RequestHook = (msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>;
type RawHook = (data: Buffer, rcv: ReceiveInfo) => boolean;

function isThenable<T>(x: unknown): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function bareHost(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 0x5b && host.endsWith(']') ? host.slice(1, -1) : host;
}

function defaultPort(proto: string): number {
  return proto === 'tls' ? 5061 : 5060;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One compiled script with its reusable contexts; replaced as a whole by reload(). */
export class ScriptRuntime {
  private readonly pool: ScriptContext[] = [];
  readonly hasMain: boolean;
  readonly hasOnReply: boolean;
  readonly hasError: boolean;

  constructor(
    readonly compiled: CompiledScript,
    readonly sinks: ScriptSinks,
    /** timer_route name -> interval in seconds (from the AST; the compiled script does not keep it). */
    readonly timers: ReadonlyMap<string, number>,
  ) {
    this.hasMain = compiled.hasRoute('request', null);
    this.hasOnReply = compiled.hasRoute('onreply', null);
    this.hasError = compiled.hasRoute('error', null);
  }

  /** A context for one message; give it back with release() when its route has finished. */
  acquire(msg: SipMessage | null, rcv: ReceiveInfo, type: RouteTypeName): ScriptContext {
    const c = this.pool.pop() ?? this.compiled.createContext({ msg, rcv, sinks: this.sinks });
    c.reset(msg, rcv, type);
    return c;
  }

  release(c: ScriptContext): void {
    c.msg = null;
    if (this.pool.length < 256) this.pool.push(c);
  }

  fresh(msg: SipMessage | null, rcv: ReceiveInfo, type: RouteTypeName): ScriptContext {
    return this.compiled.createContext({ msg, rcv, sinks: this.sinks, routeType: type });
  }
}

export interface SipCoreOptions {
  logger: Logger;
  /** Clock for now() (default Date.now). */
  now?: () => number;
}

export class SipCore implements SipCoreApi {
  readonly stats = new Stats();
  /** subscribe_event() subscriptions; transports register with it through the EVENTS service. */
  readonly events = new EventSubscriptions(() => this.now());
  readonly logger: Logger;
  readonly serverHeader: string | null;
  readonly userAgentHeader: string | null;
  readonly resolver: Resolver;
  runtime: ScriptRuntime | null = null;
  /** Set by stop(): new requests no longer reach the script (hooks still see them). */
  stopping = false;

  private readonly transports: Transport[] = [];
  private socketList: LocalSocket[] = [];
  private readonly viaPrefix = new Map<LocalSocket, string>();
  private readonly byName = new Map<string, LocalSocket>();
  private readonly rawHooks: RawHook[] = [];
  private readonly requestHooks: RequestHook[] = [];
  private readonly replyHooks: RequestHook[] = [];
  readonly shutdownHooks: Array<() => Promise<void>> = [];
  private readonly badLog = new RateLimitedLog(10);
  private readonly crashLog = new RateLimitedLog(10);
  private myAddresses: LocalAddress[] = [];
  private tagPrefix = '00000000';
  private readonly clock: () => number;
  private readonly serverHeaderPair: [string, string] | null;

  /** The receive path, bound once (transports call it for every message). */
  readonly receive: (data: Buffer, rcv: CoreReceiveInfo) => void;
  readonly sinks: ScriptSinks;

  constructor(readonly config: CoreConfig, opts: SipCoreOptions) {
    this.logger = opts.logger;
    this.serverHeader = config.serverHeader;
    this.userAgentHeader = config.userAgentHeader;
    this.serverHeaderPair = config.serverHeader === null ? null : splitHeader(config.serverHeader);
    this.clock = opts.now ?? Date.now;
    this.resolver = new Resolver(() => this.protos(), config.dnsEnabled);
    this.receive = (data, rcv) => this.onMessage(data, rcv);
    this.sinks = {
      reply: (ctx, status, reason) => this.replyFromScript(ctx, status, reason),
      forward: (ctx, dest) => this.forwardFromScript(ctx, dest),
      log: (level, line) => this.logger.log(level, line),
      event: (ev, ctx) => this.raise(ev, ctx),
      subscribe: (event, socket, expire) => this.events.subscribe(event, socket, expire),
    };
  }

  // ------------------------------------------------------------------ sockets

  get sockets(): readonly LocalSocket[] {
    return this.socketList;
  }

  addTransport(t: Transport): void {
    this.transports.push(t);
  }

  /** After the transports opened: index sockets by name, precompute Via prefixes and the local addresses. */
  socketsReady(): void {
    this.socketList = this.transports.map((t) => t.socket);
    this.byName.clear();
    this.viaPrefix.clear();
    for (const s of this.socketList) {
      this.byName.set(s.name, s);
      const host = s.advertisedAddress ?? s.address;
      const h = net.isIPv6(host) ? `[${host}]` : host;
      this.viaPrefix.set(s, `SIP/2.0/${s.proto.toUpperCase()} ${h}:${s.advertisedPort ?? s.port};branch=`);
    }
    const mine: LocalAddress[] = [];
    for (const s of this.socketList) {
      mine.push({ host: s.address, port: s.port, proto: s.proto });
      if (s.advertisedAddress !== null) mine.push({ host: s.advertisedAddress, port: s.advertisedPort ?? s.port, proto: s.proto });
    }
    for (const a of this.config.aliases) mine.push({ host: a.host, port: a.port, proto: a.proto });
    this.myAddresses = mine;
    this.tagPrefix = hex8(hash32(['tsips-sl', this.socketList[0]?.name ?? '']));
  }

  /** Local addresses for is_myself() in a (new) compiled script: bound sockets, not only what was written. */
  publishAddresses(compiled: CompiledScript): void {
    const list = compiled.tables.localAddresses ?? (compiled.tables.localAddresses = []);
    for (const a of this.myAddresses) {
      if (!list.some((b) => b.host === a.host && b.port === a.port && b.proto === a.proto)) list.push(a);
    }
  }

  async closeTransports(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close().catch((e) => this.log(L_ERR, `closing ${t.socket.name}: ${errorText(e)}`))));
  }

  private protos(): Proto[] {
    const out: Proto[] = [];
    for (const p of ['udp', 'tcp', 'tls'] as const) if (this.socketList.some((s) => s.proto === p)) out.push(p);
    return out;
  }

  socketFor(dest: Destination, forced?: string | null): LocalSocket | null {
    if (forced !== undefined && forced !== null && forced !== '') {
      const s = this.byName.get(normalizeSocketName(forced));
      return s !== undefined && s.proto === dest.proto ? s : null;
    }
    const v6 = dest.address.includes(':');
    let fallback: LocalSocket | null = null;
    for (const s of this.socketList) {
      if (s.proto !== dest.proto) continue;
      if (s.address.includes(':') === v6) return s;
      if (fallback === null) fallback = s;
    }
    return fallback;
  }

  localSocket(rcv: ReceiveInfo): LocalSocket | null {
    const own = (rcv as Partial<CoreReceiveInfo>).socket;
    if (own !== undefined) return own;
    for (const s of this.socketList) if (s.proto === rcv.proto && s.address === rcv.dstIp && s.port === rcv.dstPort) return s;
    return null;
  }

  private transportOf(sock: LocalSocket): Transport | null {
    for (const t of this.transports) if (t.socket === sock) return t;
    return null;
  }

  /** Hands bytes to a transport; `true` when done synchronously (datagrams). */
  private sendRaw(dest: Destination, data: Buffer, from: LocalSocket | null): true | Promise<void> {
    const sock = from !== null && from.proto === dest.proto ? from : this.socketFor(dest);
    const t = sock === null ? null : this.transportOf(sock);
    if (t === null) return Promise.reject(new Error(`no ${dest.proto} socket to send to ${dest.address}:${dest.port}`));
    return t.send(dest, data);
  }

  send(dest: Destination, data: Buffer, from?: LocalSocket | null): Promise<void> {
    const r = this.sendRaw(dest, data, from ?? null);
    return r === true ? Promise.resolve() : r;
  }

  trySend(dest: Destination, data: Buffer, from?: LocalSocket | null): true | Promise<void> {
    return this.sendRaw(dest, data, from ?? null);
  }

  resolve(uri: string): Promise<Destination[]> {
    return this.resolver.resolve(uri);
  }

  viaFor(sock: LocalSocket, branch: string, opts?: { rport?: boolean }): string {
    let prefix = this.viaPrefix.get(sock);
    if (prefix === undefined) {
      const host = sock.advertisedAddress ?? sock.address;
      prefix = `SIP/2.0/${sock.proto.toUpperCase()} ${net.isIPv6(host) ? `[${host}]` : host}:${sock.advertisedPort ?? sock.port};branch=`;
    }
    return opts?.rport === true ? `${prefix}${branch};rport` : prefix + branch;
  }

  isMyself(host: string, port: number | null, proto?: string | null): boolean {
    const h = bareHost(host).toLowerCase();
    const p = proto === undefined || proto === null ? null : proto.toLowerCase();
    for (const a of this.myAddresses) {
      if (bareHost(a.host).toLowerCase() !== h) continue;
      if (p !== null && a.proto !== null && a.proto !== p) continue;
      // No port on either side: the default port of the transport.
      if (a.port === null || a.port === 0) return true;
      if ((port ?? defaultPort(p ?? a.proto ?? 'udp')) === a.port) return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ hooks, logs, stats

  onRawMessage(hook: RawHook): void {
    this.rawHooks.push(hook);
  }

  onRequest(hook: RequestHook): void {
    this.requestHooks.push(hook);
  }

  onReply(hook: RequestHook): void {
    this.replyHooks.push(hook);
  }

  onShutdown(hook: () => Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  log(level: number, text: string): void {
    this.logger.log(level, text);
  }

  stat(name: string, delta = 1): void {
    this.stats.add(name, delta);
  }

  statValue(name: string): number {
    return this.stats.get(name);
  }

  disableStats(prefix: string): void {
    this.stats.disable(prefix);
  }

  now(): number {
    return this.clock();
  }

  // ------------------------------------------------------------------ receive path

  private onMessage(data: Buffer, rcv: CoreReceiveInfo): void {
    try {
      const raw = this.rawHooks;
      for (let i = 0; i < raw.length; i++) if (raw[i]!(data, rcv)) return;
      let msg: SipMessage;
      try {
        msg = parseMessage(data, rcv.conn !== null ? STREAM : DATAGRAM);
      } catch (e) {
        if (e instanceof ParseError) {
          this.badMessage(rcv, null, { class: 1, level: 3, info: `error parsing message: ${e.message}`, rcode: 400, rreason: 'Bad Request' });
          return;
        }
        throw e;
      }
      const bad = this.check(msg);
      if (bad !== null) {
        this.badMessage(rcv, msg, bad);
        return;
      }
      if (msg.isRequest) this.onRequestMessage(msg, rcv);
      else this.onReplyMessage(msg, rcv);
    } catch (e) {
      this.internalError(e, rcv);
    }
  }

  /**
   * What OpenSIPS's parse_msg() checks on receipt, before any script: the top Via must be
   * there and parse (otherwise the message is dropped unanswered, error_route or not), and
   * the CSeq and To headers, when present, must parse (OpenSIPS parses both eagerly; tsips
   * answers 400 or runs error_route). A missing Call-ID, CSeq, From or To is left to the
   * script, where sipmsg_validate() reports it (-3, -7, -8, -9), as in OpenSIPS.
   */
  private check(msg: SipMessage): ScriptError | null {
    let what = 'Via';
    try {
      msg.topVia();
      what = 'CSeq';
      if (msg.hasHeader('CSeq')) msg.cseq();
      what = 'To';
      if (msg.hasHeader('To')) msg.toTag();
      return null;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      const reason = what === 'Via' ? 'bad Via header' : what === 'CSeq' ? 'bad CSeq header' : 'bad header';
      return { class: 1, level: 3, info: `error parsing ${what}: ${e.message}`, rcode: 400, rreason: reason };
    }
  }

  private badMessage(rcv: CoreReceiveInfo, msg: SipMessage | null, err: ScriptError): void {
    this.stats.add('core:bad_msg_hdr');
    const line = this.badLog.admit(`bad message from ${rcv.proto}:${rcv.srcIp}:${rcv.srcPort}: ${err.info ?? ''}`);
    if (line !== null) this.logger.log(L_WARN, line);
    // Nothing to answer: garbage, a broken reply, or no usable top Via (OpenSIPS drops
    // those before error_route too).
    if (msg === null || !msg.isRequest || err.rreason === 'bad Via header') return;
    this.stats.add('core:err_requests');
    const rt = this.runtime;
    if (rt !== null && rt.hasError) {
      // The script decides (usually sl_send_reply(400, ...)), as in OpenSIPS.
      const ctx = rt.acquire(msg, rcv, 'ERROR_ROUTE');
      ctx.err = err;
      this.runAndRelease(rt, ctx, 'error', null);
      return;
    }
    if (msg.method === 'ACK') return;
    try {
      const data = this.buildStatelessReply(msg, rcv, 400, 'Bad Request', [], null, undefined, undefined, false);
      this.deliverReply(msg, rcv, data, false, 400);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      // Not enough of the request to build a reply: dropped.
    }
  }

  private internalError(e: unknown, rcv: ReceiveInfo): void {
    this.stats.add('core:internal_errors');
    const line = this.crashLog.admit(`internal error handling a message from ${rcv.srcIp}:${rcv.srcPort}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    if (line !== null) this.logger.log(L_ERR, line);
  }

  private onRequestMessage(msg: SipMessage, rcv: CoreReceiveInfo): void {
    this.stats.add('core:rcv_requests');
    const conn = rcv.conn;
    if (conn !== null) {
      // Later sends to the Via's sent-by reuse this connection (OpenSIPS tcp aliases).
      const via = msg.topVia();
      conn.addAlias(rcv.srcIp, via.port ?? defaultPort(rcv.proto));
    }
    const hooks = this.requestHooks;
    for (let i = 0; i < hooks.length; i++) {
      const r = hooks[i]!(msg, rcv);
      if (r === true) return;
      if (r !== false && isThenable<boolean>(r)) {
        r.then(
          (consumed) => (consumed ? undefined : this.continueRequestHooks(msg, rcv, i + 1)),
          (e) => this.internalError(e, rcv),
        );
        return;
      }
    }
    this.runMain(msg, rcv);
  }

  private continueRequestHooks(msg: SipMessage, rcv: CoreReceiveInfo, from: number): void {
    const hooks = this.requestHooks;
    for (let i = from; i < hooks.length; i++) {
      const r = hooks[i]!(msg, rcv);
      if (r === true) return;
      if (r !== false && isThenable<boolean>(r)) {
        r.then(
          (consumed) => (consumed ? undefined : this.continueRequestHooks(msg, rcv, i + 1)),
          (e) => this.internalError(e, rcv),
        );
        return;
      }
    }
    this.runMain(msg, rcv);
  }

  private runMain(msg: SipMessage, rcv: CoreReceiveInfo): void {
    const rt = this.runtime;
    if (rt === null || !rt.hasMain || this.stopping) {
      this.stats.add('core:drop_requests');
      return;
    }
    this.runAndRelease(rt, rt.acquire(msg, rcv, 'REQUEST_ROUTE'), 'request', null);
  }

  /** Runs a route on a pooled context and gives the context back when the route is over. */
  private runAndRelease(rt: ScriptRuntime, ctx: ScriptContext, type: RouteBlock['type'], name: string | null): RunResult | Promise<RunResult> {
    let r: RunResult | Promise<RunResult>;
    try {
      r = rt.compiled.run(ctx, type, name);
    } catch (e) {
      this.endRoute(rt, ctx);
      this.internalError(e, ctx.rcv);
      return ENDED;
    }
    if (isThenable<RunResult>(r)) {
      return r.then(
        (res) => {
          this.endRoute(rt, ctx);
          return res;
        },
        (e) => {
          this.endRoute(rt, ctx);
          this.internalError(e, ctx.rcv);
          return ENDED;
        },
      );
    }
    this.endRoute(rt, ctx);
    return r;
  }

  /** The route of `ctx` is over: the modules' atRouteEnd() callbacks, then the context goes back. */
  private endRoute(rt: ScriptRuntime, ctx: ScriptContext): void {
    try {
      ctx.routeEnded();
    } catch (e) {
      this.internalError(e, ctx.rcv);
    } finally {
      rt.release(ctx);
    }
  }

  private onReplyMessage(msg: SipMessage, rcv: CoreReceiveInfo): void {
    this.stats.add('core:rcv_replies');
    const hooks = this.replyHooks;
    for (let i = 0; i < hooks.length; i++) {
      const r = hooks[i]!(msg, rcv);
      if (r === true) return;
      if (r !== false && isThenable<boolean>(r)) {
        r.then(
          (consumed) => (consumed ? undefined : this.continueReplyHooks(msg, rcv, i + 1)),
          (e) => this.internalError(e, rcv),
        );
        return;
      }
    }
    this.replyScript(msg, rcv);
  }

  private continueReplyHooks(msg: SipMessage, rcv: CoreReceiveInfo, from: number): void {
    const hooks = this.replyHooks;
    for (let i = from; i < hooks.length; i++) {
      const r = hooks[i]!(msg, rcv);
      if (r === true) return;
      if (r !== false && isThenable<boolean>(r)) {
        r.then(
          (consumed) => (consumed ? undefined : this.continueReplyHooks(msg, rcv, i + 1)),
          (e) => this.internalError(e, rcv),
        );
        return;
      }
    }
    this.replyScript(msg, rcv);
  }

  /** Unconsumed replies: the unnamed onreply_route, then stateless forwarding unless it dropped them. */
  private replyScript(msg: SipMessage, rcv: CoreReceiveInfo): void {
    const rt = this.runtime;
    if (rt === null || !rt.hasOnReply) {
      this.forwardReply(msg, rcv);
      return;
    }
    const ctx = rt.acquire(msg, rcv, 'ONREPLY_ROUTE');
    let r: RunResult | Promise<RunResult>;
    try {
      r = rt.compiled.run(ctx, 'onreply', null);
    } catch (e) {
      rt.release(ctx);
      this.internalError(e, rcv);
      return;
    }
    if (isThenable<RunResult>(r)) {
      r.then(
        (res) => this.afterReplyRoute(rt, ctx, msg, rcv, res),
        (e) => {
          rt.release(ctx);
          this.internalError(e, rcv);
        },
      );
    } else this.afterReplyRoute(rt, ctx, msg, rcv, r);
  }

  private afterReplyRoute(rt: ScriptRuntime, ctx: ScriptContext, msg: SipMessage, rcv: CoreReceiveInfo, res: RunResult): void {
    rt.release(ctx);
    if (res.end === 'drop') this.stats.add('core:drop_replies');
    else this.forwardReply(msg, rcv);
  }

  /** RFC 3261 §16.7 step 3 (stateless): remove our Via, send to the next one's received/rport/sent-by. */
  forwardReply(msg: SipMessage, rcv: ReceiveInfo): void {
    let vias: Via[];
    try {
      vias = msg.vias();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      // A Via below the top one is broken: the reply cannot be routed back.
      this.stats.add('core:bad_msg_hdr');
      this.stats.add('core:drop_replies');
      const line = this.badLog.admit(`reply ${msg.status} from ${rcv.srcIp}:${rcv.srcPort} dropped: ${e.message}`);
      if (line !== null) this.logger.log(L_WARN, line);
      return;
    }
    const top = vias[0]!;
    if (!this.isMyself(top.host, top.port, top.transport.toLowerCase())) {
      this.stats.add('core:drop_replies');
      this.logger.log(L_DBG, `reply ${msg.status} from ${rcv.srcIp}:${rcv.srcPort}: its top Via (${top.host}) is not ours, dropped`);
      return;
    }
    if (vias.length < 2) {
      // A reply to a request we originated that no transaction claimed.
      this.stats.add('core:drop_replies');
      return;
    }
    const next = vias[1]!;
    const dest = this.replyDestination(next);
    if (dest === null) {
      this.stats.add('core:drop_replies');
      this.logger.log(L_WARN, `cannot forward reply ${msg.status}: unsupported transport ${next.transport} in the next Via`);
      return;
    }
    msg.removeTopVia();
    const data = msg.toBuffer();
    if (net.isIP(dest.address) !== 0) this.sendReplyOn(dest, data);
    else {
      this.resolver.resolve(`sip:${dest.address}:${dest.port};transport=${dest.proto}`).then(
        (ds) => this.sendReplyOn(ds[0]!, data),
        (e) => this.logger.log(L_ERR, `forwarding reply: ${errorText(e)}`),
      );
    }
  }

  private sendReplyOn(d: Destination, data: Buffer): void {
    const r = this.sendRaw(d, data, null);
    this.stats.add('core:fwd_replies');
    if (r !== true) r.catch((e) => this.logger.log(L_ERR, `forwarding reply to ${d.address}:${d.port} failed: ${errorText(e)}`));
  }

  private replyDestination(via: Via): Destination | null {
    const t = via.transport.toLowerCase();
    if (t !== 'udp' && t !== 'tcp' && t !== 'tls') return null;
    const address = via.received ?? bareHost(via.host);
    const port = typeof via.rport === 'number' ? via.rport : via.port ?? defaultPort(t);
    return { proto: t, address: bareHost(address), port };
  }

  // ------------------------------------------------------------------ replies

  toTagFor(req: SipMessage): string {
    const top = req.topVia();
    return `${this.tagPrefix}-${hex8(hash32([top.host, top.port, top.branch]))}`;
  }

  /**
   * A stateless reply: the request's Via/From/To/Call-ID/CSeq (received/rport on the top Via),
   * the Server header, `headers` ("Name: value" lines), the body.
   */
  buildStatelessReply(
    req: SipMessage,
    rcv: ReceiveInfo,
    status: number,
    reason: string,
    headers: readonly string[],
    body: Buffer | string | null,
    contentType: string | undefined,
    toTag: string | undefined,
    forceRport: boolean,
  ): Buffer {
    const extra: Array<[string, string]> = [];
    if (this.serverHeaderPair !== null) extra.push(this.serverHeaderPair);
    for (const entry of headers) {
      // An entry may hold several lines (append_to_reply("A: 1\r\nB: 2\r\n")).
      const lines = entry.includes('\n') ? entry.split(/\r?\n/) : [entry];
      for (const h of lines) {
        if (h.trim() === '') continue;
        const pair = splitHeader(h);
        if (pair === null) throw new ParseError(`reply header line '${h}' has no name`, 'header', 0);
        extra.push(pair);
      }
    }
    const opts: Parameters<typeof buildReply>[3] = { headers: extra, toTag: toTag ?? this.toTagFor(req) };
    if (body !== null) opts.body = body;
    if (contentType !== undefined) opts.contentType = contentType;
    const data = buildReply(req, status, reason, opts);
    let top: Via | null = null;
    try {
      top = req.topVia();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
    if (top === null) return data;
    const ann = viaAnnotation(top, rcv.srcIp, rcv.srcPort, forceRport);
    return spliceVia(data, null, ann.received, ann.rport);
  }

  /** Sends a locally generated reply where RFC 3261 §18.2.2 / RFC 3581 say (source IP; rport or Via port). */
  private deliverReply(req: SipMessage, rcv: ReceiveInfo, data: Buffer, forceRport: boolean, status: number): true | Promise<void> {
    let port = rcv.srcPort;
    const stream = rcv.proto === 'tcp' || rcv.proto === 'tls';
    // On a stream the reply takes the request's connection; when that is gone, a new one
    // goes to the Via's sent-by port (RFC 3261 §18.2.2).
    const connGone = stream && (rcv as Partial<CoreReceiveInfo>).conn?.closed === true;
    if ((!stream && !forceRport) || connGone) {
      try {
        const top = req.topVia();
        if (top.rport === null) port = top.port ?? defaultPort(rcv.proto);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
    }
    const dest: Destination = { proto: rcv.proto as Proto, address: rcv.srcIp, port };
    const r = this.sendRaw(dest, data, this.localSocket(rcv));
    this.countReply(status);
    return r;
  }

  private countReply(status: number): void {
    const s = this.stats;
    s.add('sl:sent_replies');
    s.add(status < 200 ? 'sl:1xx_replies' : status < 300 ? 'sl:2xx_replies' : status < 400 ? 'sl:3xx_replies' : status < 500 ? 'sl:4xx_replies' : status < 600 ? 'sl:5xx_replies' : 'sl:6xx_replies');
  }

  sendReply(
    req: SipMessage,
    rcv: ReceiveInfo,
    status: number,
    reason: string,
    opts?: { headers?: readonly string[]; body?: Buffer | string; contentType?: string; toTag?: string },
  ): Promise<void> {
    try {
      const data = this.buildStatelessReply(req, rcv, status, reason, opts?.headers ?? [], opts?.body ?? null, opts?.contentType, opts?.toTag, false);
      const r = this.deliverReply(req, rcv, data, false, status);
      return r === true ? Promise.resolve() : r;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The reply sink: sl semantics (ACK never answered; 3xx lists the destination set as Contact). */
  private replyFromScript(ctx: ScriptContext, status: number, reason: string): number | Promise<number> {
    const msg = ctx.msg as SipMessage | null;
    if (msg === null || !msg.isRequest) {
      ctx.logError('cannot send a reply: the route has no request');
      return -1;
    }
    if (msg.method === 'ACK') return 1;
    let headers: readonly string[] = ctx.replyHeaders;
    if (status >= 300 && status < 400) {
      const contacts = [ctx.ruri(), ...ctx.branches.map((b) => b.uri)].map((u) => `<${u}>`);
      headers = [...headers, `Contact: ${contacts.join(', ')}`];
    }
    let data: Buffer;
    try {
      data = this.buildStatelessReply(msg, ctx.rcv, status, reason, headers, null, undefined, undefined, ctx.forceRport);
    } catch (e) {
      ctx.logError(`cannot build reply ${status}: ${errorText(e)}`);
      return -1;
    }
    const r = this.deliverReply(msg, ctx.rcv, data, ctx.forceRport, status);
    if (r === true) return 1;
    return r.then(
      () => 1,
      (e) => {
        ctx.logError(`sending reply ${status} failed: ${errorText(e)}`);
        return -1;
      },
    );
  }

  // ------------------------------------------------------------------ stateless forwarding

  requestBytes(msg: SipMessage, rcv: ReceiveInfo, via: string, opts?: { forceRport?: boolean }): Buffer {
    const ann = viaAnnotation(msg.topVia(), rcv.srcIp, rcv.srcPort, opts?.forceRport === true);
    return spliceVia(msg.toBuffer(), via, ann.received, ann.rport);
  }

  forwardStateless(ctx: ScriptContext, destination: string | null): Promise<number> {
    const r = this.forwardFromScript(ctx, destination);
    return typeof r === 'number' ? Promise.resolve(r) : r;
  }

  private forwardFromScript(ctx: ScriptContext, destination: string | null): number | Promise<number> {
    const msg = ctx.msg as SipMessage | null;
    if (msg === null || !msg.isRequest) {
      ctx.logError('forward(): only requests can be forwarded statelessly');
      return -1;
    }
    if (!this.config.statelessForwarding) {
      ctx.logError('forward(): stateless forwarding is disabled (disable_stateless_fwd)');
      return -1;
    }
    if (isLoop(msg, (h, p, t) => this.isMyself(h, p, t))) {
      this.stats.add('core:loops');
      ctx.log(L_WARN, `forward(): request ${msg.method} ${msg.ruri} looped back to us; answering 482`);
      const r = this.replyFromScript(ctx, 482, 'Loop Detected');
      return typeof r === 'number' ? -1 : r.then(() => -1);
    }
    const target = destination ?? ctx.dstUri ?? ctx.ruri();
    let literal: Destination[] | null;
    try {
      literal = this.resolver.literal(target);
    } catch (e) {
      ctx.logError(`forward(): ${errorText(e)}`);
      return -1;
    }
    if (literal !== null) return this.forwardTo(ctx, msg, literal, 0);
    return this.resolver.resolve(target).then(
      (dests) => this.forwardTo(ctx, msg, dests, 0),
      (e) => {
        ctx.logError(`forward(): ${errorText(e)}`);
        return -1;
      },
    );
  }

  /** Sends to dests[i], falling over to the next one when sending fails (connection refused...). */
  private forwardTo(ctx: ScriptContext, msg: SipMessage, dests: readonly Destination[], i: number, blocked: string | null = null): number | Promise<number> {
    for (; i < dests.length; i++) {
      const dest = dests[i]!;
      const sock = this.socketFor(dest);
      if (sock === null) continue;
      const via = this.viaFor(sock, statelessBranch(msg), { rport: ctx.addLocalRport });
      const data = this.requestBytes(msg, ctx.rcv, via, { forceRport: ctx.forceRport });
      // OpenSIPS forward_request: a destination a blacklist in use refuses is skipped (E_IP_BLOCKED).
      if (ctx.blacklistMask !== 0) {
        const bl = blacklistRefusal(ctx, dest, data);
        if (bl !== null) {
          blocked = bl;
          continue;
        }
      }
      const r = this.sendRaw(dest, data, sock);
      if (r === true) {
        this.stats.add('core:fwd_requests');
        return 1;
      }
      const next = i + 1;
      return r.then(
        () => {
          this.stats.add('core:fwd_requests');
          return 1;
        },
        (e) => {
          ctx.log(L_WARN, `forward() to ${dest.proto}:${dest.address}:${dest.port} failed: ${errorText(e)}`);
          return this.forwardTo(ctx, msg, dests, next, blocked);
        },
      );
    }
    if (blocked !== null) {
      this.stats.add('core:drop_requests');
      ctx.logError(`forward(): destination filtered by blacklist '${blocked}' (nothing sent)`);
      return -1;
    }
    ctx.logError(`forward(): no usable destination (no socket for ${dests.map((d) => d.proto).join('/') || 'any transport'})`);
    return -1;
  }

  // ------------------------------------------------------------------ routes

  async runRoute(
    type: RouteBlock['type'],
    name: string | null,
    msg: SipMessage | null,
    rcv: ReceiveInfo | null,
    setup?: (ctx: ScriptContext) => void,
  ): Promise<{ result: RunResult; ctx: ScriptContext }> {
    const rt = this.runtime;
    if (rt === null) throw new Error('no script is loaded');
    const ctx = rt.fresh(msg, rcv ?? NO_RCV, ROUTE_TYPES[type]);
    setup?.(ctx);
    if (!rt.compiled.hasRoute(type, name)) return { result: ENDED, ctx };
    const result = await rt.compiled.run(ctx, type, name);
    return { result, ctx };
  }

  hasRoute(type: RouteBlock['type'], name: string | null): boolean {
    return this.runtime !== null && this.runtime.compiled.hasRoute(type, name);
  }

  runRouteNow(type: RouteBlock['type'], name: string | null, msg: SipMessage | null, rcv: ReceiveInfo): RunResult | Promise<RunResult> | null {
    const rt = this.runtime;
    if (rt === null || !rt.compiled.hasRoute(type, name)) return null;
    return this.runAndRelease(rt, rt.acquire(msg, rcv, ROUTE_TYPES[type]), type, name);
  }

  raiseEvent(name: string, params: Record<string, ScriptValue>): void {
    this.raise({ name, params }, null);
  }

  /** event sink: the subscribers, then event_route[E_NAME] with the event's attributes as $param(name). */
  private raise(ev: RaisedEvent, from: ScriptContext | null): void {
    try {
      this.events.deliver(ev);
    } catch (e) {
      this.internalError(e, from?.rcv ?? NO_RCV);
    }
    const rt = this.runtime;
    if (rt === null || !rt.compiled.hasRoute('event', ev.name)) return;
    const ctx = rt.fresh(null, from?.rcv ?? NO_RCV, 'EVENT_ROUTE');
    try {
      const r = rt.compiled.run(ctx, 'event', ev.name, ev.params);
      if (isThenable(r)) r.catch((e) => this.internalError(e, ctx.rcv));
    } catch (e) {
      this.internalError(e, ctx.rcv);
    }
  }
}

const ROUTE_TYPES: Record<RouteBlock['type'], RouteTypeName> = {
  request: 'REQUEST_ROUTE',
  onreply: 'ONREPLY_ROUTE',
  failure: 'FAILURE_ROUTE',
  branch: 'BRANCH_ROUTE',
  error: 'ERROR_ROUTE',
  local: 'LOCAL_ROUTE',
  startup: 'STARTUP_ROUTE',
  timer: 'TIMER_ROUTE',
  event: 'EVENT_ROUTE',
};

/** "Name: value" -> ["Name", "value"]. */
function splitHeader(line: string): [string, string] | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

/** "UDP:127.0.0.1:5060" / "udp:[::1]:5060" in the form LocalSocket.name uses. */
export function normalizeSocketName(s: string): string {
  const t = s.trim();
  const colon = t.indexOf(':');
  if (colon === -1) return t;
  return t.slice(0, colon).toLowerCase() + t.slice(colon);
}

export { ResolveError };

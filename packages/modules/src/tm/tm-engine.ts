/**
 * The transaction layer of one server: the tables transactions are found in (by Via
 * branch, RFC 3261 §17.1.3/§17.2.3), the core hooks that absorb retransmissions and match
 * replies before the script runs, and the behaviour behind tm's script functions.
 *
 * Matching: requests whose top Via branch starts with the magic cookie are matched by that
 * branch (+ sent-by, + method with ACK matching its INVITE); others use the RFC 2543
 * fallback key (Call-ID, From tag, CSeq number, and the top Via / Request-URI when
 * via1_matching / ruri_matching say so). Replies are matched by our own branch and the
 * CSeq method (a CANCEL shares its INVITE's branch, so CANCELs have tables of their own).
 */
import { blacklistRefusal, type Destination, type LocalSocket, type Proto, type SipCoreApi } from '@tsips/core';
import type { ReceiveInfo, RouteBlock, ScriptContext } from '@tsips/script';
import { buildReply, newTag, parseMessage, SipMessage, type ReplyOptions } from '@tsips/sip';
import type { TmLocalReply, TmLocalRequest, TmRelayOptions, TmReplyOutHook, TmTransactionInfo } from './api';
import { ClientInviteTransaction } from './client-invite-transaction';
import { ClientNonInviteTransaction } from './client-non-invite-transaction';
import type { ClientTransaction, ClientTxUser } from './client-transaction';
import { Branch, Transaction } from './proxy-transaction';
import { branchRequest, outboundProxyUri, PLACEHOLDER_VIA } from './request-builder';
import { ServerInviteTransaction } from './server-invite-transaction';
import { ServerNonInviteTransaction } from './server-non-invite-transaction';
import type { ServerTransaction, ServerTxOwner } from './server-transaction';
import { systemTimers, TimerQueue, type TimerSource } from './timer-queue';
import { defaultConfig, type TmConfig, type TxEnv } from './transaction-env';

const MAGIC_COOKIE = 'z9hG4bK';
const STATE_KEY = 'tm';
/** Suffix of the keys of CANCEL server transactions in the main table (see storeKey). */
const CANCEL_SUFFIX = '\u0002CANCEL';

/** What tm remembers about one script run (ctx.moduleState): armed routes, the transaction, the branch. */
export class TmCtxState {
  tx: Transaction | null = null;
  /** The branch a branch/onreply/failure route runs for. */
  branch: Branch | null = null;
  /** The reply an onreply_route runs for. */
  reply: SipMessage | null = null;
  /** failure_route: the winning reply's status. */
  replyCode = 0;
  onFailure: string | null = null;
  onReply: string | null = null;
  onBranch: string | null = null;
  /** $T_fr_timeout / $T_fr_inv_timeout set before the transaction exists (ms). */
  frTimeout: number | null = null;
  frInvTimeout: number | null = null;
  /** onReplyOut hooks registered before the transaction exists. */
  replyHooks: TmReplyOutHook[] | null = null;
}

export function stateOf(ctx: ScriptContext): TmCtxState {
  let s = ctx.moduleState.get(STATE_KEY) as TmCtxState | undefined;
  if (s === undefined) {
    s = new TmCtxState();
    ctx.moduleState.set(STATE_KEY, s);
  }
  return s;
}

export function peekState(ctx: ScriptContext): TmCtxState | undefined {
  return ctx.moduleState.get(STATE_KEY) as TmCtxState | undefined;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The SIP message of a context, when it is a parsed @tsips/sip message. */
export function sipMessageOf(ctx: ScriptContext): SipMessage | null {
  const m = ctx.msg;
  return m instanceof SipMessage ? m : null;
}

export class TmEngine {
  readonly cfg: TmConfig = defaultConfig();
  readonly timers: TimerQueue;
  readonly env: TxEnv;
  private coreApi: SipCoreApi | null = null;
  private readonly servers = new Map<string, Transaction>();
  private readonly cancelServers = new Map<string, ServerNonInviteTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly cancelClients = new Map<string, ClientNonInviteTransaction>();
  /** Server transactions keyed the RFC 2543 way (the fallback key is only computed when some exist). */
  private count2543 = 0;
  private readonly branchPrefix: string;
  private branchSeq = 0;
  private readonly tagPrefix = newTag().slice(0, 10);
  private tagSeq = 0;
  private txSeq = 0;
  private mainReplyRoute: 'unknown' | 'yes' | 'no' = 'unknown';
  private drainWaiters: Array<() => void> = [];
  private serverValue: string | null | undefined = undefined;
  private readonly statNames = new Map<string, string>();
  readonly cancelUser: ClientTxUser;
  private readonly cancelOwner: ServerTxOwner;

  constructor(timerSource: TimerSource = systemTimers) {
    this.timers = new TimerQueue(timerSource);
    this.branchPrefix = `${MAGIC_COOKIE}${newTag().slice(0, 8)}.`;
    const sendFailed = (e: unknown): void => this.log(1, `tm: send failed: ${errText(e)}`);
    this.env = {
      timers: this.timers,
      cfg: this.cfg,
      send: (dest, data, sock) => {
        const core = this.core;
        // Datagrams go out synchronously: no promise per retransmission or relayed reply.
        const r = core.trySend !== undefined ? core.trySend(dest, data, sock) : core.send(dest, data, sock);
        if (r !== true) r.catch(sendFailed);
      },
      stat: (name, delta) => this.stat(name, delta),
      log: (level, text) => this.log(level, text),
    };
    this.cancelUser = {
      clientResponse: () => undefined,
      clientTimeout: () => undefined,
      clientTerminated: (ct) => {
        if (this.cancelClients.get(ct.branch) === ct) this.cancelClients.delete(ct.branch);
        this.checkDrained();
      },
    };
    this.cancelOwner = {
      serverTerminated: (st) => {
        if (this.cancelServers.get(st.key) === st) this.cancelServers.delete(st.key);
        this.checkDrained();
      },
    };
  }

  /** A To-tag unique to this process run: a random prefix and a counter (no crypto call per reply). */
  newToTag(): string {
    return `${this.tagPrefix}${(++this.tagSeq).toString(16)}`;
  }

  get core(): SipCoreApi {
    if (this.coreApi === null) throw new Error('tm is not initialised (no core)');
    return this.coreApi;
  }

  /** Wires tm to the core: request/reply hooks and the shutdown wait. */
  attach(core: SipCoreApi): void {
    this.coreApi = core;
    core.onRequest(this.onRequest);
    core.onReply(this.onReply);
    core.onShutdown(() => this.drain());
  }

  destroy(): void {
    this.timers.stop();
  }

  log(level: number, text: string): void {
    if (this.coreApi !== null) this.coreApi.log(level, text);
  }

  stat(name: string, delta = 1): void {
    if (!this.cfg.enableStats || this.coreApi === null) return;
    let full = this.statNames.get(name);
    if (full === undefined) {
      full = `tm:${name}`;
      this.statNames.set(name, full);
    }
    this.coreApi.stat(full, delta);
  }

  transactionCount(): number {
    return this.servers.size;
  }

  /** Resolves once no transaction (server, client, CANCEL) is left. */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private idle(): boolean {
    return this.servers.size === 0 && this.clients.size === 0 && this.cancelClients.size === 0 && this.cancelServers.size === 0;
  }

  private checkDrained(): void {
    if (this.drainWaiters.length === 0 || !this.idle()) return;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const r of w) r();
  }

  // ------------------------------------------------------------------ matching

  /** Server-side key of a request: its branch (RFC 3261) or the RFC 2543 key. */
  private serverKey(msg: SipMessage): string {
    const branch = msg.topViaBranch();
    if (branch !== null && branch.startsWith(MAGIC_COOKIE)) return branch;
    return this.key2543(msg);
  }

  /**
   * Key a new server transaction is stored under: a CANCEL shares its INVITE's branch, so a
   * CANCEL handled as a transaction of its own (t_newtran, t_reply, relayed when no INVITE
   * matched) gets a suffix and never displaces the INVITE.
   */
  private storeKey(msg: SipMessage): string {
    const key = this.serverKey(msg);
    return msg.method === 'CANCEL' ? `${key}${CANCEL_SUFFIX}` : key;
  }

  private key2543(msg: SipMessage): string {
    const via = this.cfg.via1Matching ? msg.topVia().raw : '';
    // A CANCEL or ACK carries the INVITE's Request-URI (RFC 2543 §10.3.3), so it matches too.
    const ruri = this.cfg.ruriMatching ? msg.originalRuri : '';
    return `\u0001${msg.callId()}\u0001${msg.fromTag() ?? ''}\u0001${msg.cseq().seq}\u0001${via}\u0001${ruri}`;
  }

  private static sentBy(msg: SipMessage): string {
    const v = msg.topVia();
    return `${v.host.toLowerCase()}:${v.port ?? ''}`;
  }

  /** The server transaction a request (not CANCEL) belongs to, or null. */
  findServer(msg: SipMessage): Transaction | null {
    const branch = msg.topViaBranch();
    let key: string;
    if (branch !== null && branch.startsWith(MAGIC_COOKIE)) key = branch;
    else if (this.count2543 === 0) return null;
    else key = this.key2543(msg);
    const tx = this.servers.get(key);
    if (tx === undefined || tx.server.sentBy !== TmEngine.sentBy(msg)) return null;
    const m = msg.method;
    if (m === 'ACK' || m === 'CANCEL') return tx.isInvite ? tx : null;
    return m === tx.method ? tx : null;
  }

  /**
   * Core hook, before the script: retransmissions of requests with a transaction re-send the
   * last reply; the ACK of a negative final reply ends its INVITE transaction. Both are
   * consumed (the script never sees them). A CANCEL retransmission re-sends its 200.
   */
  readonly onRequest = (msg: SipMessage, _rcv: ReceiveInfo): boolean => {
    try {
      const m = msg.method;
      if (m === 'CANCEL') {
        const key = this.serverKey(msg);
        const c = this.cancelServers.size === 0 ? undefined : this.cancelServers.get(key);
        if (c !== undefined && c.sentBy === TmEngine.sentBy(msg)) {
          c.requestRetransmitted();
          return true;
        }
        const own = this.servers.get(`${key}${CANCEL_SUFFIX}`);
        if (own === undefined || own.server.sentBy !== TmEngine.sentBy(msg)) return false;
        own.server.requestRetransmitted();
        return true;
      }
      const tx = this.findServer(msg);
      if (tx === null) return false;
      if (m === 'ACK') return tx.server instanceof ServerInviteTransaction && tx.server.ackReceived();
      tx.server.requestRetransmitted();
      return true;
    } catch {
      // A request whose Via/CSeq cannot be read belongs to no transaction; the script decides.
      return false;
    }
  };

  /** Core hook: replies to our branches go to their client transaction (consumed). */
  readonly onReply = (msg: SipMessage, rcv: ReceiveInfo): boolean => {
    let branch: string | null;
    let method: string;
    try {
      branch = msg.topViaBranch();
      if (branch === null) return false;
      method = msg.cseq().method;
    } catch {
      return false;
    }
    const ct = method === 'CANCEL' ? this.cancelClients.get(branch) : this.clients.get(branch);
    if (ct === undefined || ct.method !== method) return false;
    try {
      ct.receive(msg, rcv);
    } catch (e) {
      // Ours all the same: a reply tm cannot handle must not reach stateless forwarding.
      this.log(-1, `tm: reply ${msg.status} to ${method} (branch ${branch}): ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
    return true;
  };

  // ------------------------------------------------------------------ transactions

  serverEnded(tx: Transaction, st: ServerTransaction): void {
    if (this.servers.get(st.key) === tx) {
      this.servers.delete(st.key);
      if (st.key.charCodeAt(0) === 1) this.count2543--;
      this.stat('inuse_transactions', -1);
    }
    this.checkDrained();
  }

  clientEnded(ct: ClientTransaction): void {
    if (this.clients.get(ct.branch) === ct) this.clients.delete(ct.branch);
    this.checkDrained();
  }

  startCancel(cc: ClientNonInviteTransaction): void {
    const old = this.cancelClients.get(cc.branch);
    if (old !== undefined) old.terminate();
    this.cancelClients.set(cc.branch, cc);
    this.env.send(cc.dest, cc.request, cc.sock);
    cc.start();
  }

  private upstreamOf(msg: SipMessage, rcv: ReceiveInfo, forceRport: boolean): Destination {
    const proto = rcv.proto as Proto;
    // Reliable transports: the same connection (RFC 3261 §18.2.2); UDP: the source address
    // (what `received` says), the source port with rport (RFC 3581) else the Via port.
    if (proto !== 'udp') return { proto, address: rcv.srcIp, port: rcv.srcPort };
    const via = msg.topVia();
    const port = via.rport !== null || forceRport ? rcv.srcPort : via.port ?? 5060;
    return { proto, address: rcv.srcIp, port };
  }

  /** Creates the server transaction of the request in `ctx` (t_newtran). */
  createTransaction(ctx: ScriptContext, msg: SipMessage, send100: boolean): Transaction {
    const key = this.storeKey(msg);
    const sentBy = TmEngine.sentBy(msg);
    const upstream = this.upstreamOf(msg, ctx.rcv, ctx.forceRport);
    const sock = this.core.localSocket(ctx.rcv);
    const tx = new Transaction(this, (++this.txSeq).toString(16), msg, ctx.rcv, upstream);
    tx.server = tx.isInvite
      ? new ServerInviteTransaction(this.env, tx, key, sentBy, upstream, sock)
      : new ServerNonInviteTransaction(this.env, tx, key, sentBy, upstream, sock);
    // A request matching no transaction under an existing key (another sent-by, say): the
    // old transaction lives on by its timers but is no longer found; the counts move over.
    if (this.servers.has(key)) this.stat('inuse_transactions', -1);
    else if (key.charCodeAt(0) === 1) this.count2543++;
    this.servers.set(key, tx);
    this.stat('UAS_transactions');
    this.stat('inuse_transactions', 1);
    const st = stateOf(ctx);
    st.tx = tx;
    if (st.onFailure !== null) tx.onFailure = st.onFailure;
    if (st.onReply !== null) tx.onReply = st.onReply;
    if (st.onBranch !== null) tx.onBranch = st.onBranch;
    if (st.frTimeout !== null) tx.frTimeout = st.frTimeout;
    if (st.frInvTimeout !== null) tx.frInvTimeout = st.frInvTimeout;
    if (st.replyHooks !== null) {
      tx.replyHooks = st.replyHooks;
      st.replyHooks = null;
    }
    tx.flags = ctx.flags;
    tx.armGuard();
    if (send100 && tx.isInvite && this.cfg.auto100Trying) tx.sendLocal(100, 'Trying');
    return tx;
  }

  private serverHeaderValue(): string | null {
    if (this.serverValue === undefined) {
      const h = this.core.serverHeader;
      if (h === null) this.serverValue = null;
      else {
        const colon = h.indexOf(':');
        this.serverValue = colon >= 0 && /^\s*server\s*$/i.test(h.slice(0, colon)) ? h.slice(colon + 1).trim() : h.trim();
      }
    }
    return this.serverValue;
  }

  /** A reply built here for the transaction's request (To-tag of the transaction, received/rport). */
  localReply(tx: Transaction, status: number, reason: string, headerLines: readonly string[], body?: string): Buffer {
    return this.replyTo(tx.req, tx.rcv, status, reason, tx.toTag, headerLines, body);
  }

  private replyTo(req: SipMessage, rcv: ReceiveInfo, status: number, reason: string, toTag: string, headerLines: readonly string[], body?: string): Buffer {
    const opts: ReplyOptions = { toTag, received: rcv.srcIp, rport: rcv.srcPort };
    const server = this.serverHeaderValue();
    if (server !== null) opts.server = server;
    if (headerLines.length > 0) {
      const headers: Array<[string, string]> = [];
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        // With a body, buildReply writes the Content-Type itself.
        if (body !== undefined && /^(content-type|c)$/i.test(name)) opts.contentType = value;
        else headers.push([name, value]);
      }
      opts.headers = headers;
    }
    if (body !== undefined) opts.body = body;
    return buildReply(req, status, reason, opts);
  }

  // ------------------------------------------------------------------ script functions

  /** t_newtran(): 1 created (or exists for this run), 0 retransmission (absorbed; script stops), <0 error. */
  newTran(ctx: ScriptContext): number {
    const msg = sipMessageOf(ctx);
    if (msg === null || !msg.isRequest) return -1;
    if (msg.method === 'ACK') {
      ctx.logError('t_newtran: no transaction is created for an ACK');
      return -1;
    }
    if (stateOf(ctx).tx !== null) return 1;
    try {
      const existing = this.findServer(msg);
      if (existing !== null && msg.method !== 'CANCEL') {
        existing.server.requestRetransmitted();
        return 0;
      }
      this.createTransaction(ctx, msg, true);
      return 1;
    } catch (e) {
      ctx.logError(`t_newtran: ${errText(e)}`);
      return -2;
    }
  }

  /** t_reply / t_reply_with_body / send_reply with a transaction. */
  async statefulReply(ctx: ScriptContext, status: number, reason: string, body?: string): Promise<number> {
    const msg = sipMessageOf(ctx);
    if (msg === null || !msg.isRequest) return -1;
    if (msg.method === 'ACK') {
      ctx.logError('t_reply: an ACK is never answered');
      return -1;
    }
    if (!Number.isInteger(status) || status < 100 || status > 699) {
      ctx.logError(`t_reply: reply code ${status} is out of range (100..699)`);
      return -1;
    }
    const st = stateOf(ctx);
    let tx = st.tx;
    if (tx === null) {
      try {
        const existing = this.findServer(msg);
        if (existing !== null && msg.method !== 'CANCEL') {
          existing.server.requestRetransmitted();
          return 0;
        }
        tx = this.createTransaction(ctx, msg, false);
      } catch (e) {
        ctx.logError(`t_reply: ${errText(e)}`);
        return -1;
      }
    }
    if (tx.server.finalSent && !(status >= 200 && status < 300 && tx.isInvite)) {
      ctx.logError(`t_reply: transaction already answered with ${tx.lastStatus}; ${status} not sent`);
      return -1;
    }
    return tx.sendLocal(status, reason, ctx.replyHeaders, body) ? 1 : -1;
  }

  /** TmApi.reply: stateful with a transaction, else stateless through the core. */
  async reply(ctx: ScriptContext, status: number, reason: string): Promise<number> {
    const st = peekState(ctx);
    if (st !== undefined && st.tx !== null) return this.statefulReply(ctx, status, reason);
    const msg = sipMessageOf(ctx);
    if (msg === null || !msg.isRequest) return -1;
    try {
      await this.core.sendReply(msg, ctx.rcv, status, reason, { headers: ctx.replyHeaders });
      return 1;
    } catch (e) {
      ctx.logError(`send_reply: ${errText(e)}`);
      return -1;
    }
  }

  /** t_relay(). */
  async relay(ctx: ScriptContext, opts: TmRelayOptions & { passReason?: boolean; allowNoCancel?: boolean } = {}): Promise<number> {
    const msg = sipMessageOf(ctx);
    if (msg === null || !msg.isRequest) return -2;
    const method = msg.method;
    const st = stateOf(ctx);
    const inFailure = ctx.routeType === 'FAILURE_ROUTE';
    try {
      if (method === 'ACK' && !inFailure) {
        // End-to-end ACK (2xx): no transaction; forwarded as forward() would (RFC 3261 §17.1.1.3).
        const tx = this.findServer(msg);
        if (tx !== null && tx.server instanceof ServerInviteTransaction && tx.server.ackReceived()) return 0;
        const dest = ctx.dstUri === null && opts.outboundProxy ? outboundProxyUri(opts.outboundProxy) : null;
        return await this.core.forwardStateless(ctx, dest);
      }
      if (method === 'CANCEL' && !inFailure && st.tx === null) {
        const inv = this.findServer(msg);
        if (inv !== null) return this.cancelFromUpstream(ctx, msg, inv, opts.passReason === true);
      }
    } catch (e) {
      ctx.logError(`t_relay: ${errText(e)}`);
      return -2;
    }
    let tx = st.tx;
    let created = false;
    if (inFailure) {
      if (tx === null) {
        ctx.logError('t_relay: failure_route without a transaction');
        return -1;
      }
    } else if (tx === null) {
      try {
        const existing = this.findServer(msg);
        if (existing !== null) {
          existing.server.requestRetransmitted();
          return 0;
        }
        tx = this.createTransaction(ctx, msg, true);
        created = true;
      } catch (e) {
        ctx.logError(`t_relay: ${errText(e)}`);
        return -2;
      }
    } else if (tx.branches.length > 0) {
      ctx.logError('t_relay: the request was already relayed (use failure_route for serial forking)');
      return -1;
    }
    // Cancelled while the script ran (the CANCEL already answered 487): nothing to relay.
    if (tx.cancelled) return -3;
    if (tx.server.finalSent) {
      ctx.logError(`t_relay: the transaction was already answered with ${tx.lastStatus}`);
      return -1;
    }
    tx.flags = ctx.flags;
    if (opts.allowNoCancel === true && tx.isInvite) tx.noCancelOn2xx = wantsNoCancel(msg);
    const rc = await this.forwardBranches(ctx, tx, msg, opts);
    if (rc < 0 && created && !opts.noAuto477 && !tx.server.finalSent) {
      if (rc === -5) {
        // OpenSIPS kill_transaction: the error reply is sent and t_relay returns 0 (the script stops).
        tx.sendLocal(473, 'Filtered destination (473/TM)');
        return 0;
      }
      const status = rc === -4 ? 478 : rc === -3 ? 500 : 477;
      tx.sendLocal(status, status === 478 ? 'Unresolvable destination (478/TM)' : status === 500 ? 'No destination (500/TM)' : 'Send failed (477/TM)');
    }
    return rc;
  }

  /** Sends the request to the Request-URI ($du) and every appended branch, in parallel. */
  private async forwardBranches(ctx: ScriptContext, tx: Transaction, msg: SipMessage, opts: TmRelayOptions): Promise<number> {
    let template: Buffer;
    try {
      // The request as the script left it, for failure_route and branch_route copies; not
      // serialized when neither is armed (failure_route then falls back to the request).
      tx.base = tx.onFailure !== null || tx.onBranch !== null ? msg.toBuffer() : null;
      template = this.core.requestBytes(msg, tx.rcv, PLACEHOLDER_VIA, { forceRport: ctx.forceRport });
    } catch (e) {
      ctx.logError(`t_relay: ${errText(e)}`);
      return -2;
    }
    const start = tx.branches.length;
    const mainDst = ctx.dstUri ?? (opts.outboundProxy ? outboundProxyUri(opts.outboundProxy) : null);
    const mainUri = ctx.ruri();
    const targets: Branch[] = [new Branch(start, mainUri, mainDst, ctx.branchFlags[0] ?? 0, null)];
    for (const bi of ctx.branches) {
      const b = new Branch(start + targets.length, bi.uri, bi.dstUri, bi.flags, bi.socket);
      if (bi.path !== null && bi.path !== '') {
        b.routes = [bi.path];
        if (b.dstUri === null) b.dstUri = firstUriOf(bi.path);
      }
      targets.push(b);
    }
    if (tx.ruri === null) tx.ruri = mainUri;
    for (const b of targets) tx.branches.push(b);
    tx.relaying = true;
    let results: number[];
    try {
      results = await Promise.all(targets.map((b) => this.sendBranch(ctx, tx, b, template, opts)));
    } finally {
      tx.relaying = false;
    }
    let sent = 0;
    let worst = -3;
    for (const r of results) {
      if (r > 0) sent++;
      else if (r === -6 || ((r === -4 || r === -5) && worst !== -6)) worst = r;
    }
    if (sent === 0) {
      // Nothing went out: forget the round's branches so selection ignores them.
      tx.branches.length = start;
      return worst;
    }
    tx.disarmGuard();
    if (ctx.routeType === 'FAILURE_ROUTE') tx.firstBranch = start;
    if (tx.cancelled) tx.cancelBranches(null);
    // Replies that completed branches while others were still being sent could not end the
    // round (checkComplete waits while relaying): look again now.
    tx.enqueue(() => tx.checkComplete());
    return 1;
  }

  private async sendBranch(ctx: ScriptContext, tx: Transaction, b: Branch, template: Buffer, opts: TmRelayOptions): Promise<number> {
    let data = template;
    if (tx.onBranch !== null) {
      const out = await this.runBranchRoute(ctx, tx, b, tx.base ?? tx.req.toBuffer());
      if (out === null) {
        tx.branchFailed(b, 0);
        return -3;
      }
      data = out;
    }
    let dests: Destination[];
    try {
      dests = await this.core.resolve(b.dstUri ?? b.uri);
    } catch (e) {
      this.log(1, `tm: cannot resolve ${b.dstUri ?? b.uri}: ${errText(e)}`);
      dests = [];
    }
    if (dests.length === 0) {
      tx.branchFailed(b, 478);
      return -4;
    }
    const tries = opts.noDnsFailover ? 1 : dests.length;
    let blocked: string | null = null;
    for (let i = 0; i < tries; i++) {
      const dest = dests[i];
      const sock: LocalSocket | null = this.core.socketFor(dest, b.socket);
      if (sock === null) {
        this.log(1, `tm: no local socket to send to ${dest.proto}:${dest.address}:${dest.port}`);
        continue;
      }
      const branchId = `${this.branchPrefix}${(++this.branchSeq).toString(36)}`;
      const via = this.core.viaFor(sock, branchId, { rport: ctx.addLocalRport });
      const out = branchRequest(data, tx.method, b.uri, via, b.routes);
      // OpenSIPS t_forward_nonack: a destination a blacklist in use refuses is not sent to;
      // the next DNS destination is tried, else the branch fails with E_IP_BLOCKED.
      if (ctx.blacklistMask !== 0) {
        const bl = blacklistRefusal(ctx, dest, out);
        if (bl !== null) {
          this.log(3, `tm: ${dest.proto}:${dest.address}:${dest.port} blocked by blacklist '${bl}'`);
          blocked = bl;
          continue;
        }
      }
      const ct: ClientTransaction = tx.isInvite
        ? new ClientInviteTransaction(this.env, tx, branchId, tx.method, out, dest, sock, tx.frTimeout)
        : new ClientNonInviteTransaction(this.env, tx, branchId, tx.method, out, dest, sock, tx.frTimeout);
      if (ct instanceof ClientInviteTransaction) ct.frInvTimeout = tx.frInvTimeout;
      ct.slot = b.index;
      b.client = ct;
      // Known before the send: the reply may come back before the send promise settles.
      this.clients.set(branchId, ct);
      const core = this.core;
      const sent = core.trySend !== undefined ? core.trySend(dest, out, sock) : core.send(dest, out, sock);
      if (sent !== true) {
        try {
          await sent;
        } catch (e) {
          this.log(1, `tm: sending to ${dest.proto}:${dest.address}:${dest.port} failed: ${errText(e)}`);
          this.clients.delete(branchId);
          b.client = null;
          continue;
        }
      }
      this.stat('UAC_transactions');
      ct.start();
      return 1;
    }
    if (blocked !== null) {
      // An "empty branch" in OpenSIPS (nothing was sent): it never wins against a branch
      // that got a reply (status 0, like a branch branch_route dropped).
      tx.branchFailed(b, 0);
      return -5;
    }
    tx.branchFailed(b, 477);
    return -6;
  }

  /**
   * A request of tm's own (t_request): new Call-ID, From tag, CSeq 1, one non-INVITE client
   * transaction whose final reply (or timeout: 408) resolves the promise.
   */
  async localRequest(r: TmLocalRequest): Promise<TmLocalReply> {
    const method = r.method.toUpperCase();
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL') throw new Error(`tm: local ${method} requests are not supported`);
    let dests: Destination[];
    try {
      dests = await this.core.resolve(r.dstUri ?? r.ruri);
    } catch (e) {
      this.log(1, `tm: cannot resolve ${r.dstUri ?? r.ruri}: ${errText(e)}`);
      dests = [];
    }
    if (dests.length === 0) return { status: 478, reason: 'Unresolvable destination' };
    const dest = dests[0]!;
    const sock = this.core.socketFor(dest, r.socket ?? null);
    if (sock === null) return { status: 477, reason: 'Send failed (no local socket)' };
    const branchId = `${this.branchPrefix}${(++this.branchSeq).toString(36)}`;
    const via = this.core.viaFor(sock, branchId);
    const callId = `${this.tagPrefix}-${(++this.txSeq).toString(16)}-${branchId.slice(-8)}`;
    const lines = [
      `${method} ${r.ruri} SIP/2.0`,
      `Via: ${via}`,
      `To: <${r.ruri}>`,
      `From: <${r.from}>;tag=${this.newToTag()}`,
      `CSeq: 1 ${method}`,
      `Call-ID: ${callId}`,
      'Max-Forwards: 70',
      ...(r.headers ?? []),
      'Content-Length: 0',
    ];
    const out = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    return new Promise<TmLocalReply>((resolve) => {
      let done = false;
      const finish = (status: number, reason: string): void => {
        if (done) return;
        done = true;
        resolve({ status, reason });
      };
      const user: ClientTxUser = {
        clientResponse: (_ct, msg) => {
          if (msg.status >= 200) finish(msg.status, msg.reason);
        },
        clientTimeout: () => finish(408, 'Request Timeout'),
        clientTerminated: (ct) => {
          this.clientEnded(ct);
          finish(408, 'Request Timeout');
        },
      };
      const ct = new ClientNonInviteTransaction(this.env, user, branchId, method, out, dest, sock, this.cfg.frTimeout);
      this.clients.set(branchId, ct);
      const core = this.core;
      const sent = core.trySend !== undefined ? core.trySend(dest, out, sock) : core.send(dest, out, sock);
      const started = (): void => {
        this.stat('UAC_transactions');
        ct.start();
      };
      if (sent === true) started();
      else
        sent.then(started, (e: unknown) => {
          this.log(1, `tm: sending ${method} to ${dest.proto}:${dest.address}:${dest.port} failed: ${errText(e)}`);
          this.clients.delete(branchId);
          this.checkDrained();
          finish(477, 'Send failed');
        });
    });
  }

  /** branch_route: runs on a copy of the request; null when it dropped the branch. */
  private async runBranchRoute(ctx: ScriptContext, tx: Transaction, b: Branch, base: Buffer): Promise<Buffer | null> {
    const bmsg = parseMessage(base);
    if (bmsg.ruri !== b.uri) bmsg.setRuri(b.uri);
    const { ctx: bctx } = await this.core.runRoute('branch', tx.onBranch, bmsg, tx.rcv, (c) => {
      const s = stateOf(c);
      s.tx = tx;
      s.branch = b;
      c.flags = ctx.flags;
      c.dstUri = b.dstUri;
      c.branchFlags[0] = b.flags;
      // The branch route shares the request's processing context in OpenSIPS: same lists in use.
      c.blacklistMask = ctx.blacklistMask;
    });
    ctx.blacklistMask = bctx.blacklistMask;
    if (bctx.dropped || bctx.end === 'drop') return null;
    b.uri = bctx.ruri();
    b.dstUri = bctx.dstUri;
    b.flags = bctx.branchFlags[0] ?? b.flags;
    return this.core.requestBytes(bmsg, tx.rcv, PLACEHOLDER_VIA, { forceRport: ctx.forceRport || bctx.forceRport });
  }

  /**
   * Whether replies need the unnamed onreply_route. Asked of the core each time (a reload
   * may add or remove it) when it offers hasRoute; otherwise the route is simply run.
   */
  mayHaveMainReplyRoute(): boolean {
    const core = this.core as SipCoreApi & { hasRoute?: (type: RouteBlock['type'], name: string | null) => boolean };
    if (typeof core.hasRoute === 'function') return core.hasRoute('onreply', null);
    return this.mainReplyRoute !== 'no';
  }

  /**
   * The unnamed onreply_route, then the armed one (the branch's, else the transaction's).
   * The core runs the unnamed route only for replies tm does not consume, so tm runs it
   * for its own. Resolves true when a route dropped the reply.
   */
  async runReplyRoutes(tx: Transaction, b: Branch, msg: SipMessage, rcv: ReceiveInfo, route: string | null): Promise<boolean> {
    const setup = (c: ScriptContext): void => {
      const s = stateOf(c);
      s.tx = tx;
      s.branch = b;
      s.reply = msg;
      c.flags = tx.flags;
      c.branchFlags[0] = b.flags;
    };
    let dropped = false;
    if (this.mayHaveMainReplyRoute()) {
      try {
        const r = await this.core.runRoute('onreply', null, msg, rcv, setup);
        this.mainReplyRoute = 'yes';
        tx.flags = r.ctx.flags;
        dropped = r.ctx.dropped || r.result.end === 'drop';
        this.afterReplyRoute(r.ctx, b);
      } catch (e) {
        if (this.mainReplyRoute === 'unknown' && /has no|no such|does not exist|not found/i.test(errText(e))) this.mainReplyRoute = 'no';
        else throw e;
      }
    }
    if (route !== null && !dropped) {
      const r = await this.core.runRoute('onreply', route, msg, rcv, setup);
      tx.flags = r.ctx.flags;
      dropped = r.ctx.dropped || r.result.end === 'drop';
      this.afterReplyRoute(r.ctx, b);
    }
    return dropped;
  }

  private afterReplyRoute(c: ScriptContext, b: Branch): void {
    const s = peekState(c);
    if (s !== undefined && s.frInvTimeout !== null && b.client instanceof ClientInviteTransaction) b.client.setFrInvTimeout(s.frInvTimeout);
  }

  /** failure_route with the winning branch: a copy of the request whose Request-URI is the branch's. */
  async runFailureRoute(tx: Transaction, w: Branch, name: string): Promise<void> {
    const fmsg = parseMessage(tx.base ?? tx.req.toBuffer());
    if (fmsg.ruri !== w.uri) fmsg.setRuri(w.uri);
    const { ctx } = await this.core.runRoute('failure', name, fmsg, tx.rcv, (c) => {
      const s = stateOf(c);
      s.tx = tx;
      s.branch = w;
      s.replyCode = w.finalStatus;
      c.flags = tx.flags;
      c.branchFlags[0] = w.flags;
    });
    tx.flags = ctx.flags;
  }

  /** A CANCEL for a known INVITE transaction: 200 to it, CANCEL every pending branch (RFC 3261 §16.10). */
  private cancelFromUpstream(ctx: ScriptContext, cancel: SipMessage, inv: Transaction, passReason: boolean): number {
    const key = this.serverKey(cancel);
    const existing = this.cancelServers.get(key);
    if (existing !== undefined) {
      existing.requestRetransmitted();
      return 0;
    }
    const upstream = this.upstreamOf(cancel, ctx.rcv, ctx.forceRport);
    const cst = new ServerNonInviteTransaction(this.env, this.cancelOwner, key, TmEngine.sentBy(cancel), upstream, this.core.localSocket(ctx.rcv));
    this.cancelServers.set(key, cst);
    this.stat('UAS_transactions');
    cst.respond(this.replyTo(cancel, ctx.rcv, 200, 'OK', inv.toTag, []), 200);
    this.stat('local_replies');
    if (!inv.server.finalSent && !inv.cancelled) {
      inv.cancelled = true;
      if (passReason) {
        const r = cancel.getHeader('Reason');
        if (r !== undefined) inv.cancelReason = [`Reason: ${r}`];
      }
      if (inv.branches.length === 0 && !inv.relaying) inv.sendLocal(487, 'Request Terminated');
      else inv.cancelBranches(null);
    }
    return 1;
  }

  /** t_check_trans(). */
  checkTrans(ctx: ScriptContext): number {
    const msg = sipMessageOf(ctx);
    if (msg === null || !msg.isRequest) return -1;
    try {
      const tx = this.findServer(msg);
      if (msg.method === 'CANCEL') return tx !== null ? 1 : -1;
      if (msg.method === 'ACK') {
        if (tx !== null && tx.server instanceof ServerInviteTransaction && tx.server.ackReceived()) return 1;
        // An end-to-end ACK (to a 2xx) belongs to no transaction here.
        return msg.toTag() !== null ? -2 : -1;
      }
      if (tx === null) return -1;
      tx.server.requestRetransmitted();
      return 0;
    } catch (e) {
      ctx.logError(`t_check_trans: ${errText(e)}`);
      return -1;
    }
  }

  transactionInfo(ctx: ScriptContext): TmTransactionInfo | null {
    return peekState(ctx)?.tx ?? null;
  }

  /** Status the current route sees ($T_reply_code, t_check_status). */
  replyCode(ctx: ScriptContext): number {
    const s = peekState(ctx);
    switch (ctx.routeType) {
      case 'ONREPLY_ROUTE':
        return s?.reply?.status ?? ctx.msg?.status ?? 0;
      case 'FAILURE_ROUTE':
        return s?.replyCode ?? 0;
      default:
        return s?.tx?.lastStatus ?? 0;
    }
  }
}

/** The URI of the first element of a Path / Route value ("<sip:p1;lr>, <sip:p2>" -> "sip:p1;lr"). */
function firstUriOf(path: string): string | null {
  const lt = path.indexOf('<');
  if (lt >= 0) {
    const gt = path.indexOf('>', lt);
    return gt > lt ? path.slice(lt + 1, gt) : null;
  }
  const comma = path.indexOf(',');
  const t = (comma >= 0 ? path.slice(0, comma) : path).trim();
  return t === '' ? null : t;
}

/** RFC 3841 §9.1: the caller asks that a 2xx not cancel the other branches (Request-Disposition, compact `d`: no-cancel). */
function wantsNoCancel(msg: SipMessage): boolean {
  for (const v of msg.getHeaders('Request-Disposition')) {
    for (const token of v.split(',')) if (token.trim().toLowerCase() === 'no-cancel') return true;
  }
  return false;
}

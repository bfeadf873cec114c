/**
 * One stateful proxy transaction (OpenSIPS's "cell"): the server transaction facing the
 * caller, the client branches facing the callees, and the proxy logic between them
 * (RFC 3261 §16.7): provisional replies but 100 go up at once, every 2xx goes up at once and
 * cancels the other branches, a 6xx cancels the other branches, and once every branch has a
 * final reply the best one is chosen (6xx first, else the lowest class), failure_route runs
 * with it (and may relay to new branches: serial forking), then it goes up.
 *
 * Reply handling of one transaction is serialised (routes may wait), so a 200 never
 * overtakes the 180 before it, and failure_route never races a late reply.
 */
import type { Destination } from '@tsips/core';
import type { ReceiveInfo } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import type { TmReplyOutHook, TmTransactionInfo } from './api';
import { ClientInviteTransaction } from './client-invite-transaction';
import { ClientNonInviteTransaction } from './client-non-invite-transaction';
import type { ClientTransaction, ClientTxUser } from './client-transaction';
import { buildCancel } from './request-builder';
import type { ServerTransaction, ServerTxOwner } from './server-transaction';
import type { TimerEntry, TimerTarget } from './timer-queue';
import { TIMER } from './transaction-env';
import type { TmEngine } from './tm-engine';

/** One destination of the transaction (OpenSIPS's UAC branch). */
export class Branch {
  client: ClientTransaction | null = null;
  /** Last status received on the branch (0: none). */
  lastStatus = 0;
  /** The branch has its final outcome (received, or local: timeout, send failure). */
  final = false;
  finalStatus = 0;
  /** Reason phrase of a local final outcome. */
  localReason = '';
  /**
   * The final reply received, kept while best-response selection and failure_route may need
   * it (non-2xx); a 2xx goes up at once and is not kept (the transaction waits wt_timer
   * after it, and holding every call's 200 that long costs memory and GC time).
   */
  reply: SipMessage | null = null;
  /** A final reply came from the callee (not a local outcome), kept or not. */
  replied = false;
  /** CANCEL asked before any provisional reply: sent when one arrives (RFC 3261 §9.1). */
  cancelPending = false;
  cancelSent = false;
  /** onreply_route armed for this branch only (t_on_reply in branch_route). */
  onReply: string | null = null;
  /** Route set from the contact's Path (RFC 3327), sent as Route lines. */
  routes: string[] | null = null;

  constructor(
    readonly index: number,
    public uri: string,
    public dstUri: string | null,
    public flags: number,
    readonly socket: string | null,
  ) {}

  get local(): boolean {
    return this.final && !this.replied;
  }
}

const REASONS: Record<number, string> = {
  408: 'Request Timeout',
  473: 'Filtered destination (473/TM)',
  477: 'Send failed (477/TM)',
  478: 'Unresolvable destination (478/TM)',
  487: 'Request Terminated',
  500: 'Server Internal Error',
};

export function reasonFor(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

export class Transaction implements ServerTxOwner, ClientTxUser, TimerTarget, TmTransactionInfo {
  server!: ServerTransaction;
  readonly isInvite: boolean;
  /** The request after the script's changes, without our Via (what branches are made of). */
  base: Buffer | null = null;
  readonly branches: Branch[] = [];
  /** Branches of the current forking round start here (failure_route relays start a new round). */
  firstBranch = 0;
  onFailure: string | null = null;
  onReply: string | null = null;
  onBranch: string | null = null;
  cancelled = false;
  /** A 2xx does not cancel the other branches (t_relay allow-no-cancel + Request-Disposition: no-cancel, RFC 3841 §9.1). */
  noCancelOn2xx = false;
  /** Reason header lines put into the CANCELs we send (t_relay's pass-reason-hdr). */
  cancelReason: string[] = [];
  /** Message flags of the transaction (restored in reply and failure routes). */
  flags = 0;
  ruri: string | null = null;
  frTimeout: number;
  frInvTimeout: number;
  /** Branch chosen when the round completed (failure_route's reply). */
  winner: Branch | null = null;
  had2xx = false;
  /** Every reply sent upstream so far was generated here (t_local_replied("all")). */
  allLocal = true;
  lastLocal = false;
  /** A t_relay is sending branches (CANCEL must not answer 487 by itself meanwhile). */
  relaying = false;
  /** Hooks told of every reply sent upstream (dialog's state machine). */
  replyHooks: TmReplyOutHook[] | null = null;
  private busy: Promise<void> | null = null;
  private readonly waiting: Array<() => void | Promise<void>> = [];
  private guard: TimerEntry | null = null;

  constructor(
    readonly engine: TmEngine,
    readonly id: string,
    readonly req: SipMessage,
    readonly rcv: ReceiveInfo,
    readonly upstream: Destination,
  ) {
    this.isInvite = req.method === 'INVITE';
    this.frTimeout = engine.cfg.frTimeout;
    this.frInvTimeout = engine.cfg.frInvTimeout;
  }

  private tag: string | null = null;

  /** To-tag of the replies generated here (made on first need: a 100 Trying has none). */
  get toTag(): string {
    if (this.tag === null) this.tag = this.engine.newToTag();
    return this.tag;
  }

  get method(): string {
    return this.req.method;
  }

  get lastStatus(): number {
    return this.server.lastStatus;
  }

  get branchCount(): number {
    return this.branches.length;
  }

  /**
   * A transaction nobody relays nor answers (t_newtran then exit) would stay forever:
   * after fr_timeout without a branch or a final reply it is answered 500 and ends.
   */
  armGuard(): void {
    this.guard = this.engine.timers.schedule(this, TIMER.FINAL_RESPONSE, this.frTimeout);
  }

  /** Branches went out or a final reply did: the guard has nothing left to watch. */
  disarmGuard(): void {
    this.guard = this.engine.timers.cancel(this.guard);
  }

  onTimer(): void {
    this.guard = null;
    if (this.branches.length > 0 || this.server.finalSent || this.server.terminated) return;
    this.engine.log(1, `tm: transaction ${this.id} (${this.method}) was neither relayed nor answered within fr_timeout; answering 500`);
    this.sendLocal(500, 'Server Internal Error (no reply from script)');
  }

  // ------------------------------------------------------------------ sending upstream

  /** A reply generated here (t_reply, 100 Trying, 408...). True when the state let it go. */
  sendLocal(status: number, reason: string, headers: readonly string[] = [], body?: string): boolean {
    let data: Buffer;
    try {
      data = this.engine.localReply(this, status, reason, headers, body);
    } catch (e) {
      this.engine.log(-1, `tm: cannot build the ${status} reply: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
    if (!this.server.respond(data, status)) return false;
    this.engine.stat('local_replies');
    if (status >= 200) {
      this.finalStat(status);
      this.disarmGuard();
    }
    this.lastLocal = true;
    this.notifyReplyOut(status, null);
    return true;
  }

  /** A received reply relayed upstream (our Via removed). */
  relayUp(msg: SipMessage, status: number): boolean {
    if (msg.removedViaCount === 0) msg.removeTopVia();
    if (!this.server.respond(msg.toBuffer(), status)) return false;
    this.engine.stat('relayed_replies');
    if (status >= 200) this.finalStat(status);
    this.lastLocal = false;
    this.allLocal = false;
    this.notifyReplyOut(status, msg);
    return true;
  }

  private notifyReplyOut(status: number, msg: SipMessage | null): void {
    const hooks = this.replyHooks;
    if (hooks === null) return;
    for (const h of hooks) {
      try {
        h(status, msg);
      } catch (e) {
        this.engine.log(-1, `tm: reply hook of transaction ${this.id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private finalStat(status: number): void {
    if (status >= 200 && status < 300) {
      if (this.had2xxStat) return;
      this.had2xxStat = true;
    }
    this.engine.stat(`${Math.floor(status / 100)}xx_transactions`);
  }
  private had2xxStat = false;

  // ------------------------------------------------------------------ server side

  serverTerminated(st: ServerTransaction): void {
    this.guard = this.engine.timers.cancel(this.guard);
    this.engine.serverEnded(this, st);
  }

  // ------------------------------------------------------------------ client side

  clientResponse(ct: ClientTransaction, msg: SipMessage, rcv: ReceiveInfo, retransmission: boolean): void {
    const b = this.branches[ct.slot];
    if (b === undefined) return;
    if (retransmission) {
      // RFC 6026: a repeated 2xx goes up as it is (the callee did not get the ACK yet).
      this.relayUp(msg, msg.status);
      return;
    }
    this.engine.stat('received_replies');
    this.enqueue(() => this.replyReceived(b, msg, rcv));
  }

  clientTimeout(ct: ClientTransaction): void {
    const b = this.branches[ct.slot];
    if (b === undefined) return;
    this.engine.stat(this.isInvite ? 'timeout_finalresponse_inv' : 'timeout_finalresponse');
    this.enqueue(() => this.branchTimedOut(b, ct));
  }

  clientTerminated(ct: ClientTransaction): void {
    this.engine.clientEnded(ct);
  }

  /** Runs reply work in order: at once when idle, else after the work in progress. */
  enqueue(work: () => void | Promise<void>): void {
    if (this.busy !== null) {
      this.waiting.push(work);
      return;
    }
    this.runWork(work);
  }

  private runWork(work: () => void | Promise<void>): void {
    let r: void | Promise<void>;
    try {
      r = work();
    } catch (e) {
      this.engine.log(-1, `tm: transaction ${this.id}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      r = undefined;
    }
    if (r instanceof Promise) {
      this.busy = r.then(
        () => this.next(),
        (e: unknown) => {
          this.engine.log(-1, `tm: transaction ${this.id}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
          this.next();
        },
      );
    } else if (this.busy === null && this.waiting.length > 0) {
      this.runWork(this.waiting.shift()!);
    }
  }

  private next(): void {
    this.busy = null;
    const w = this.waiting.shift();
    if (w !== undefined) this.runWork(w);
  }

  private replyReceived(b: Branch, msg: SipMessage, rcv: ReceiveInfo): void | Promise<void> {
    const route = b.onReply ?? this.onReply;
    if (route !== null || this.engine.mayHaveMainReplyRoute()) {
      return this.engine.runReplyRoutes(this, b, msg, rcv, route).then((dropped) => {
        // drop() only stops provisional replies (a final reply always completes the branch).
        if (dropped && msg.status < 200) {
          b.lastStatus = msg.status;
          return;
        }
        return this.handleReply(b, msg);
      });
    }
    return this.handleReply(b, msg);
  }

  private handleReply(b: Branch, msg: SipMessage): void | Promise<void> {
    const status = msg.status;
    b.lastStatus = status;
    if (status < 200) {
      if (b.cancelPending && !b.cancelSent) this.sendCancel(b);
      if (status === 100 || this.server.finalSent) return;
      this.relayUp(msg, status);
      return;
    }
    if (b.final) {
      // A late final reply on a branch already ended here (timeout): only a 2xx goes up.
      if (status < 300) this.relayUp(msg, status);
      return;
    }
    b.final = true;
    b.finalStatus = status;
    b.replied = true;
    if (status >= 300) b.reply = msg;
    if (status < 300) {
      this.relayUp(msg, status);
      if (!this.had2xx) {
        this.had2xx = true;
        this.winner = b;
        if (this.isInvite && !this.noCancelOn2xx) this.cancelBranches(b, ['Reason: SIP;cause=200;text="Call completed elsewhere"']);
      }
      return;
    }
    if (status >= 600 && this.isInvite && !this.engine.cfg.disable6xxBlock) this.cancelBranches(b);
    return this.checkComplete();
  }

  private branchTimedOut(b: Branch, ct: ClientTransaction): void | Promise<void> {
    if (b.final) return;
    b.final = true;
    b.finalStatus = this.cancelled ? 487 : 408;
    b.localReason = reasonFor(b.finalStatus);
    if (ct instanceof ClientInviteTransaction && ct.lastStatus >= 100) this.sendCancel(b);
    return this.checkComplete();
  }

  /** A branch could not be sent at all (unresolvable, every address failed). */
  branchFailed(b: Branch, status: number): void {
    b.final = true;
    b.finalStatus = status;
    b.localReason = reasonFor(status);
  }

  /** When every branch of the round has its final outcome: failure_route, then the best reply goes up. */
  checkComplete(): void | Promise<void> {
    if (this.had2xx || this.server.finalSent || this.relaying) return;
    const from = this.firstBranch;
    if (from >= this.branches.length) return;
    for (let i = from; i < this.branches.length; i++) if (!this.branches[i].final) return;
    const w = this.pickWinner(from);
    this.winner = w;
    if (this.onFailure !== null) {
      const name = this.onFailure;
      // Armed once: failure_route must arm itself again for another round (OpenSIPS).
      this.onFailure = null;
      return this.engine.runFailureRoute(this, w, name).then(() => this.afterFailureRoute(w));
    }
    this.sendWinner(w);
  }

  private afterFailureRoute(w: Branch): void | Promise<void> {
    if (this.server.finalSent || this.had2xx) return;
    for (let i = this.firstBranch; i < this.branches.length; i++) if (!this.branches[i].final) return;
    // New branches relayed from failure_route that all failed start a round of their own.
    if (this.firstBranch > this.branches.indexOf(w)) return this.checkComplete();
    this.sendWinner(w);
  }

  private sendWinner(w: Branch): void {
    if (w.reply !== null && (w.finalStatus === 401 || w.finalStatus === 407)) this.mergeChallenges(w);
    if (w.reply !== null) this.relayUp(w.reply, w.finalStatus);
    else this.sendLocal(w.finalStatus, w.localReason || reasonFor(w.finalStatus));
  }

  /**
   * RFC 3261 §16.7 step 7: a 401/407 going up carries the challenges of every branch of the
   * round that answered 401 or 407, so the caller can answer them all at once.
   */
  private mergeChallenges(w: Branch): void {
    const reply = w.reply!;
    for (let i = this.firstBranch; i < this.branches.length; i++) {
      const b = this.branches[i];
      if (b === w || b.reply === null || (b.finalStatus !== 401 && b.finalStatus !== 407)) continue;
      for (const name of ['WWW-Authenticate', 'Proxy-Authenticate']) {
        for (const v of b.reply.getHeaders(name)) reply.addHeader(name, v);
      }
    }
  }

  /** RFC 3261 §16.7 step 6: a 6xx if any, else the lowest class; the first received within a class. */
  private pickWinner(from: number): Branch {
    let best = this.branches[from];
    let bestRank = rank(best.finalStatus);
    for (let i = from + 1; i < this.branches.length; i++) {
      // Branches dropped by branch_route (status 0) never win.
      if (this.branches[i].finalStatus === 0) continue;
      const r = rank(this.branches[i].finalStatus);
      if (r < bestRank) {
        best = this.branches[i];
        bestRank = r;
      }
    }
    return best;
  }

  // ------------------------------------------------------------------ CANCEL

  /** CANCELs every pending INVITE branch but `except` (RFC 3261 §16.10). */
  cancelBranches(except: Branch | null, extra: readonly string[] = this.cancelReason): void {
    for (const b of this.branches) {
      if (b === except || b.final || b.client === null || b.client.completed) continue;
      if (!(b.client instanceof ClientInviteTransaction)) continue;
      if (b.client.lastStatus >= 100) this.sendCancel(b, extra);
      else b.cancelPending = true;
    }
  }

  sendCancel(b: Branch, extra: readonly string[] = this.cancelReason): void {
    const ct = b.client;
    if (b.cancelSent || !(ct instanceof ClientInviteTransaction) || ct.terminated) return;
    b.cancelSent = true;
    b.cancelPending = false;
    let data: Buffer;
    try {
      data = buildCancel(ct.requestMessage(), extra);
    } catch (e) {
      this.engine.log(-1, `tm: cannot build a CANCEL: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const cc = new ClientNonInviteTransaction(this.engine.env, this.engine.cancelUser, ct.branch, 'CANCEL', data, ct.dest, ct.sock, this.engine.cfg.frTimeout);
    this.engine.startCancel(cc);
  }
}

/** Ordering of final replies for best-response selection: 6xx, then 2xx..5xx by class. */
function rank(status: number): number {
  if (status === 0) return 100;
  if (status >= 600) return 0;
  return Math.floor(status / 100);
}

/**
 * What the INVITE and non-INVITE server transactions (RFC 3261 §17.2) share: where replies
 * go (the request's source, RFC 3261 §18.2.2 with RFC 3581), the last reply kept for
 * retransmissions, and the way a transaction ends.
 */
import type { Destination, LocalSocket } from '@tsips/core';
import type { TimerEntry, TimerTarget } from './timer-queue';
import { TIMER, type TxEnv } from './transaction-env';

export interface ServerTxOwner {
  serverTerminated(st: ServerTransaction): void;
}

export abstract class ServerTransaction implements TimerTarget {
  /** The last reply sent upstream, re-sent when the request is retransmitted. */
  lastReply: Buffer | null = null;
  lastStatus = 0;
  terminated = false;
  protected retransmitTimer: TimerEntry | null = null;
  protected endTimer: TimerEntry | null = null;
  protected interval = 0;

  constructor(
    protected readonly env: TxEnv,
    protected readonly owner: ServerTxOwner,
    /** Map key: the Via branch (RFC 3261) or the RFC 2543 matching key. */
    readonly key: string,
    /** sent-by of the request's top Via ("host:port"), compared on every match (§17.2.3). */
    readonly sentBy: string,
    readonly upstream: Destination,
    readonly sock: LocalSocket | null,
  ) {}

  get reliable(): boolean {
    return this.upstream.proto !== 'udp';
  }

  abstract readonly isInvite: boolean;

  /** A final reply went upstream. */
  abstract get finalSent(): boolean;

  /** The same request arrived again: re-send the last reply where the state says so. */
  abstract requestRetransmitted(): void;

  /** Sends a reply upstream (received and relayed, or local). False when the state refuses it. */
  abstract respond(data: Buffer, status: number): boolean;

  abstract onTimer(kind: number): void;

  protected transmit(data: Buffer): void {
    this.env.send(this.upstream, data, this.sock);
  }

  /** Ends the transaction now: timers stop, the owner forgets it. */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
    this.endTimer = this.env.timers.cancel(this.endTimer);
    this.owner.serverTerminated(this);
  }

  /** Runs `terminate` after `ms` (0: now, as reliable transports do for timers I and J). */
  protected endAfter(ms: number): void {
    this.endTimer = this.env.timers.cancel(this.endTimer);
    if (ms <= 0) this.terminate();
    else this.endTimer = this.env.timers.schedule(this, TIMER.END, ms);
  }
}

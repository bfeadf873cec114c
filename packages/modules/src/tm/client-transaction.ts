/**
 * What the INVITE and non-INVITE client transactions (RFC 3261 §17.1) share: the request as
 * sent (kept for retransmissions, ACK and CANCEL), its destination, and the transaction
 * user (the proxy logic) that hears about replies and timeouts.
 */
import type { Destination, LocalSocket } from '@tsips/core';
import type { ReceiveInfo } from '@tsips/script';
import { parseMessage, type SipMessage } from '@tsips/sip';
import type { TimerEntry, TimerTarget } from './timer-queue';
import { TIMER, type TxEnv } from './transaction-env';

export interface ClientTxUser {
  /**
   * A reply the state machine passes up (RFC 3261 §17.1: "passed to the TU").
   * `retransmission` marks a 2xx repeated in the Accepted state (forwarded without routes).
   */
  clientResponse(ct: ClientTransaction, msg: SipMessage, rcv: ReceiveInfo, retransmission: boolean): void;
  /** fr_timeout / fr_inv_timeout fired without a final reply (timers B/F). */
  clientTimeout(ct: ClientTransaction): void;
  clientTerminated(ct: ClientTransaction): void;
}

export abstract class ClientTransaction implements TimerTarget {
  /** Last status received (0: none). */
  lastStatus = 0;
  terminated = false;
  /** Index of the branch this transaction serves in its proxy transaction (-1: none). */
  slot = -1;
  protected retransmitTimer: TimerEntry | null = null;
  protected frTimer: TimerEntry | null = null;
  protected endTimer: TimerEntry | null = null;
  protected interval = 0;
  private parsed: SipMessage | null = null;

  constructor(
    protected readonly env: TxEnv,
    protected readonly user: ClientTxUser,
    /** Our Via branch: the map key replies are matched by (§17.1.3, with the CSeq method). */
    readonly branch: string,
    readonly method: string,
    /** The request exactly as sent. */
    readonly request: Buffer,
    readonly dest: Destination,
    readonly sock: LocalSocket | null,
    /** fr_timeout for this transaction, ms. */
    public frTimeout: number,
  ) {}

  get reliable(): boolean {
    return this.dest.proto !== 'udp';
  }

  /** The sent request, parsed on first need (building ACK and CANCEL). */
  requestMessage(): SipMessage {
    if (this.parsed === null) this.parsed = parseMessage(this.request);
    return this.parsed;
  }

  /** Arms the timers; call after the first send succeeded. */
  abstract start(): void;

  /** A reply matched this transaction. */
  abstract receive(msg: SipMessage, rcv: ReceiveInfo): void;

  abstract onTimer(kind: number): void;

  abstract get completed(): boolean;

  protected transmit(data: Buffer): void {
    this.env.send(this.dest, data, this.sock);
  }

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
    this.frTimer = this.env.timers.cancel(this.frTimer);
    this.endTimer = this.env.timers.cancel(this.endTimer);
    this.user.clientTerminated(this);
  }

  protected endAfter(ms: number): void {
    this.endTimer = this.env.timers.cancel(this.endTimer);
    if (ms <= 0) this.terminate();
    else this.endTimer = this.env.timers.schedule(this, TIMER.END, ms);
  }
}

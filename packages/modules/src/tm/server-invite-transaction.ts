/**
 * INVITE server transaction, RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1.
 *
 *   Proceeding --1xx--> Proceeding (kept for retransmission)
 *   Proceeding --2xx--> Accepted   (timer L = wt_timer over UDP, as OpenSIPS's wait timer; later 2xx are forwarded too)
 *   Proceeding --300-699--> Completed (timer G re-sends it over UDP, timer H = fr_timeout waits for the ACK)
 *   Completed --ACK--> Confirmed (timer I = T4 over UDP, 0 over reliable transports) --> Terminated
 *
 * An INVITE retransmission re-sends the last reply in Proceeding, Completed and Accepted
 * (OpenSIPS re-sends its last reply too; RFC 6026 only asks to absorb it in Accepted).
 */
import { ServerTransaction } from './server-transaction';
import { TIMER } from './transaction-env';

export type ServerInviteState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export class ServerInviteTransaction extends ServerTransaction {
  readonly isInvite = true;
  state: ServerInviteState = 'proceeding';

  get finalSent(): boolean {
    return this.state !== 'proceeding';
  }

  requestRetransmitted(): void {
    if (this.state === 'confirmed' || this.state === 'terminated') return;
    if (this.lastReply !== null) this.transmit(this.lastReply);
  }

  /** The ACK of a non-2xx final reply (hop-by-hop); true when it belonged here. */
  ackReceived(): boolean {
    if (this.state === 'completed') {
      this.state = 'confirmed';
      this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
      this.endAfter(this.reliable ? 0 : this.env.cfg.t4);
      return true;
    }
    return this.state === 'confirmed';
  }

  respond(data: Buffer, status: number): boolean {
    switch (this.state) {
      case 'proceeding':
        this.lastReply = data;
        this.lastStatus = status;
        this.transmit(data);
        if (status < 200) return true;
        if (status < 300) {
          this.state = 'accepted';
          // OpenSIPS puts a 2xx-answered transaction on its wait timer (wt_timer), not RFC
          // 6026's 64*T1: kept that long, every call would hold its INVITE for 32 s.
          this.endAfter(this.env.cfg.wtTimer);
        } else {
          this.state = 'completed';
          if (!this.reliable) {
            this.interval = this.env.cfg.t1;
            this.retransmitTimer = this.env.timers.schedule(this, TIMER.RETRANSMIT, this.interval);
          }
          this.endAfter(this.env.cfg.frTimeout);
        }
        return true;
      case 'accepted':
      case 'completed':
      case 'confirmed':
        // RFC 3261 §16.7 step 5: every 2xx is forwarded, whatever was sent before.
        if (status >= 200 && status < 300) {
          this.transmit(data);
          if (this.state === 'accepted') this.lastReply = data;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  onTimer(kind: number): void {
    if (this.terminated) return;
    if (kind === TIMER.RETRANSMIT) {
      this.retransmitTimer = null;
      if (this.state !== 'completed' || this.lastReply === null) return;
      this.transmit(this.lastReply);
      if (this.interval >= this.env.cfg.t2) this.env.stat('retransmission_rpl_T2');
      this.interval = Math.min(2 * this.interval, this.env.cfg.t2);
      this.retransmitTimer = this.env.timers.schedule(this, TIMER.RETRANSMIT, this.interval);
    } else if (kind === TIMER.END) {
      this.endTimer = null;
      if (this.state === 'completed') this.env.log(4, `tm: no ACK for the ${this.lastStatus} reply of transaction ${this.key}`);
      this.state = 'terminated';
      this.terminate();
    }
  }

  override terminate(): void {
    this.state = 'terminated';
    super.terminate();
  }
}

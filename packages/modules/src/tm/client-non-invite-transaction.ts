/**
 * Non-INVITE client transaction, RFC 3261 §17.1.2.
 *
 *   Trying --1xx--> Proceeding --final--> Completed --timer K--> Terminated
 *   Trying/Proceeding --timer F (fr_timeout)--> the user gets a timeout; Terminated
 *
 * Timer E re-sends the request over UDP from T1, doubling up to T2 (T2 in Proceeding).
 * Timer K is T4 over UDP, 0 over reliable transports. Used for relayed non-INVITE
 * requests and for the CANCELs tm sends itself.
 */
import type { ReceiveInfo } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import { ClientTransaction } from './client-transaction';
import { requestRetransmissionStat, TIMER } from './transaction-env';

export type ClientNonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class ClientNonInviteTransaction extends ClientTransaction {
  state: ClientNonInviteState = 'trying';

  get completed(): boolean {
    return this.state === 'completed' || this.state === 'terminated';
  }

  start(): void {
    if (!this.reliable) {
      this.interval = this.env.cfg.t1;
      this.retransmitTimer = this.env.timers.schedule(this, TIMER.RETRANSMIT, this.interval);
    }
    this.frTimer = this.env.timers.schedule(this, TIMER.FINAL_RESPONSE, this.frTimeout);
  }

  receive(msg: SipMessage, rcv: ReceiveInfo): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    const status = msg.status;
    this.lastStatus = status;
    if (status < 200) {
      this.state = 'proceeding';
      this.user.clientResponse(this, msg, rcv, false);
      return;
    }
    this.state = 'completed';
    this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
    this.frTimer = this.env.timers.cancel(this.frTimer);
    this.user.clientResponse(this, msg, rcv, false);
    this.endAfter(this.reliable ? 0 : this.env.cfg.t4);
  }

  onTimer(kind: number): void {
    if (this.terminated) return;
    if (kind === TIMER.RETRANSMIT) {
      this.retransmitTimer = null;
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.transmit(this.request);
      this.env.stat(requestRetransmissionStat(this.interval, this.env.cfg));
      this.interval = this.state === 'proceeding' ? this.env.cfg.t2 : Math.min(2 * this.interval, this.env.cfg.t2);
      this.retransmitTimer = this.env.timers.schedule(this, TIMER.RETRANSMIT, this.interval);
    } else if (kind === TIMER.FINAL_RESPONSE) {
      this.frTimer = null;
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.user.clientTimeout(this);
      this.terminate();
    } else if (kind === TIMER.END) {
      this.endTimer = null;
      this.terminate();
    }
  }

  override terminate(): void {
    this.state = 'terminated';
    super.terminate();
  }
}

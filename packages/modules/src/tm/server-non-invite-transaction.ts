/**
 * Non-INVITE server transaction, RFC 3261 §17.2.2.
 *
 *   Trying --1xx--> Proceeding --final--> Completed --timer J--> Terminated
 *
 * Timer J is wt_timer over UDP (OpenSIPS keeps completed transactions wt_timer seconds,
 * not 64*T1) and 0 over reliable transports. A retransmitted request re-sends the last
 * reply in Proceeding and Completed and is absorbed in Trying.
 */
import { ServerTransaction } from './server-transaction';
import { TIMER } from './transaction-env';

export type ServerNonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class ServerNonInviteTransaction extends ServerTransaction {
  readonly isInvite = false;
  state: ServerNonInviteState = 'trying';

  get finalSent(): boolean {
    return this.state === 'completed' || this.state === 'terminated';
  }

  requestRetransmitted(): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastReply !== null) this.transmit(this.lastReply);
  }

  respond(data: Buffer, status: number): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') return false;
    this.lastReply = data;
    this.lastStatus = status;
    this.transmit(data);
    if (status < 200) this.state = 'proceeding';
    else {
      this.state = 'completed';
      this.endAfter(this.reliable ? 0 : this.env.cfg.wtTimer);
    }
    return true;
  }

  onTimer(kind: number): void {
    if (this.terminated) return;
    if (kind === TIMER.END) {
      this.endTimer = null;
      this.terminate();
    }
  }

  override terminate(): void {
    this.state = 'terminated';
    super.terminate();
  }
}

/**
 * INVITE client transaction, RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §7.2.
 *
 *   Calling --1xx--> Proceeding --1xx--> Proceeding
 *   Calling/Proceeding --2xx--> Accepted (timer M = wt_timer, as OpenSIPS; 2xx retransmissions go up,
 *       later ones are forwarded statelessly by the core)
 *   Calling/Proceeding --300-699--> Completed: ACK sent hop by hop (§17.1.1.3); a repeated
 *       final reply is ACKed again; timer D = wt_timer over UDP, 0 over reliable transports.
 *
 * Timer A re-sends the INVITE over UDP from T1, doubling up to T2 (OpenSIPS caps INVITE
 * retransmissions at T2 as well). Timer B is fr_timeout; once a provisional reply came, the
 * final-response timer becomes fr_inv_timeout (restarted on each provisional reply when
 * restart_fr_on_each_reply is set). When it fires the transaction user gets a timeout; a
 * branch that had a provisional reply is then CANCELled by the user and this transaction
 * stays a while (64*T1) to ACK the 487 that follows.
 */
import type { ReceiveInfo } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import { ClientTransaction } from './client-transaction';
import { buildAck } from './request-builder';
import { requestRetransmissionStat, TIMER } from './transaction-env';

export type ClientInviteState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export class ClientInviteTransaction extends ClientTransaction {
  state: ClientInviteState = 'calling';
  /** fr_inv_timeout for this transaction, ms ($T_fr_inv_timeout may change it in onreply_route). */
  frInvTimeout = 0;
  /** The final-response timer fired (the user answered the branch locally). */
  timedOut = false;
  private ack: Buffer | null = null;

  get completed(): boolean {
    return this.state === 'completed' || this.state === 'accepted' || this.state === 'terminated' || this.timedOut;
  }

  start(): void {
    if (!this.reliable) {
      this.interval = this.env.cfg.t1;
      this.retransmitTimer = this.env.timers.schedule(this, TIMER.RETRANSMIT, this.interval);
    }
    this.frTimer = this.env.timers.schedule(this, TIMER.FINAL_RESPONSE, this.frTimeout);
  }

  receive(msg: SipMessage, rcv: ReceiveInfo): void {
    const status = msg.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          const first = this.state === 'calling';
          this.state = 'proceeding';
          this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
          if (!this.timedOut && (first || this.env.cfg.restartFrOnEachReply)) {
            this.frTimer = this.env.timers.cancel(this.frTimer);
            this.frTimer = this.env.timers.schedule(this, TIMER.FINAL_RESPONSE, this.frInvTimeout);
          }
          this.lastStatus = status;
          this.user.clientResponse(this, msg, rcv, false);
          return;
        }
        this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
        this.frTimer = this.env.timers.cancel(this.frTimer);
        this.lastStatus = status;
        if (status < 300) {
          this.state = 'accepted';
          this.endAfter(this.env.cfg.wtTimer);
        } else {
          this.state = 'completed';
          this.ack = buildAck(this.requestMessage(), msg);
          this.transmit(this.ack);
        }
        this.user.clientResponse(this, msg, rcv, false);
        if (this.state === 'completed') this.endAfter(this.reliable ? 0 : this.env.cfg.wtTimer);
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.user.clientResponse(this, msg, rcv, true);
        return;
      case 'completed':
        if (status >= 300 && this.ack !== null) this.transmit(this.ack);
        return;
      default:
        return;
    }
  }

  /** $T_fr_inv_timeout changed (onreply_route): a running fr_inv timer restarts with it. */
  setFrInvTimeout(ms: number): void {
    this.frInvTimeout = ms;
    if (this.state === 'proceeding' && this.frTimer !== null && !this.timedOut) {
      this.frTimer = this.env.timers.cancel(this.frTimer);
      this.frTimer = this.env.timers.schedule(this, TIMER.FINAL_RESPONSE, ms);
    }
  }

  onTimer(kind: number): void {
    if (this.terminated) return;
    if (kind === TIMER.RETRANSMIT) {
      this.retransmitTimer = null;
      if (this.state !== 'calling') return;
      this.transmit(this.request);
      this.env.stat(requestRetransmissionStat(this.interval, this.env.cfg));
      this.interval = Math.min(2 * this.interval, this.env.cfg.t2);
      this.retransmitTimer = this.env.timers.schedule(this, TIMER.RETRANSMIT, this.interval);
    } else if (kind === TIMER.FINAL_RESPONSE) {
      this.frTimer = null;
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      const hadProvisional = this.state === 'proceeding';
      this.timedOut = true;
      this.retransmitTimer = this.env.timers.cancel(this.retransmitTimer);
      this.user.clientTimeout(this);
      // Without a provisional reply nothing can be cancelled (RFC 3261 §9.1): stop here.
      if (hadProvisional) this.endAfter(64 * this.env.cfg.t1);
      else this.terminate();
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

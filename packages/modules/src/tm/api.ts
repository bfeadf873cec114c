/**
 * The tm service: what other modules (signaling's send_reply, later dialog/acc/dispatcher)
 * use of SIP transactions. Provided by tm's init under {@link TM}.
 *
 * Beyond the contract's three members (transactionOf, reply, relay) it offers:
 * - `replyWithBody(ctx, status, reason, body)`: a stateful reply with a body;
 * - `transactionCount()`: server transactions in memory (inuse_transactions);
 * - `drain()`: resolves once every transaction in flight has ended (used at shutdown).
 */
import { serviceKey, type ScriptContext } from '@tsips/script';

/** What other modules may read of a transaction. */
export interface TmTransactionInfo {
  /** "$T_id": an opaque, unique hexadecimal label. */
  readonly id: string;
  readonly method: string;
  /** The Request-URI it was first relayed to ($T_ruri). */
  readonly ruri: string | null;
  /** Status of the last reply sent upstream (0: none yet). */
  readonly lastStatus: number;
  /** A CANCEL for it was received. */
  readonly cancelled: boolean;
  /** Number of client branches created so far. */
  readonly branchCount: number;
}

export interface TmRelayOptions {
  /** t_relay's "outbound proxy" parameter: "[proto:]host[:port]" (ignored when $du is set). */
  outboundProxy?: string | null;
  /** Do not answer 477/478 when no branch could be sent. */
  noAuto477?: boolean;
  /** Use only the first address DNS gives for each branch. */
  noDnsFailover?: boolean;
}

/**
 * Called each time a reply of the transaction goes upstream (relayed or generated here),
 * after it was handed to the transport: `reply` is the relayed message (our Via removed),
 * null for a local reply. Hooks must not throw and must not wait.
 */
export type TmReplyOutHook = (status: number, reply: import('@tsips/sip').SipMessage | null) => void;
export interface TmLocalRequest {
  method: string;
  /** Request-URI; also the To URI. */
  ruri: string;
  from: string;
  /** Where to send it (default: the Request-URI). */
  dstUri?: string | null;
  /** Local socket "proto:ip:port" to send from. */
  socket?: string | null;
  /** Extra header lines (without CRLF). */
  headers?: readonly string[];
}

export interface TmLocalReply {
  status: number;
  reason: string;
}

export interface TmApi {
  /** The transaction the message of this context belongs to (null: stateless so far). */
  transactionOf(ctx: ScriptContext): TmTransactionInfo | null;
  /**
   * Replies to the request of `ctx`: statefully when it has a transaction (retransmitted on
   * request retransmissions), statelessly through the core otherwise. 1 sent, -1 failed.
   */
  reply(ctx: ScriptContext, status: number, reason: string): Promise<number>;
  /** A stateful reply with a body (Content-Type from append_to_reply lines). 1 / -1. */
  replyWithBody(ctx: ScriptContext, status: number, reason: string, body: string): Promise<number>;
  /** t_relay(): relays the request of `ctx` statefully. OpenSIPS return codes (1, 0, -1..-6). */
  relay(ctx: ScriptContext, opts?: TmRelayOptions): Promise<number>;
  /**
   * Registers a hook on the transaction of `ctx` (OpenSIPS TMCB_RESPONSE_OUT): when it does
   * not exist yet, the hook is kept and given to the transaction t_relay/t_newtran creates.
   */
  onReplyOut?(ctx: ScriptContext, hook: TmReplyOutHook): void;
  /**
   * A request tm sends on its own (OpenSIPS t_request / t_uac_dlg, used by drouting's probes):
   * a fresh Call-ID, From tag and CSeq 1, sent in a non-INVITE client transaction
   * (retransmitted over UDP, fr_timeout). Resolves with the final reply's status, or 408
   * when none came in time, 477/478 when it could not be sent/resolved. INVITE is refused.
   * Optional so that stand-in tm services in tests need not offer it.
   */
  request?(req: TmLocalRequest): Promise<TmLocalReply>;
  /** Server transactions in memory. */
  transactionCount(): number;
  /** Resolves when no transaction is left in memory. */
  drain(): Promise<void>;
}

export const TM_LOCAL_REQUEST_TIMEOUT = 408;

export const TM = serviceKey<TmApi>('tm');

/**
 * What a transaction state machine needs from tm: timers, the timer values, a way to send
 * bytes, and statistics. One instance per tm instance; the state machines hold it so they
 * stay free of module wiring (and testable on their own).
 */
import type { Destination, LocalSocket } from '@tsips/core';
import type { TimerQueue } from './timer-queue';

/** Timer values in milliseconds (modparams are converted once, when applied). */
export interface TmConfig {
  /** fr_timeout: no final reply (no reply at all for non-INVITE) -> 408. RFC 3261 timers B/F. */
  frTimeout: number;
  /** fr_inv_timeout: no final reply to an INVITE after a provisional one. */
  frInvTimeout: number;
  /** wt_timer: how long a completed transaction absorbs retransmissions (timers D and J). */
  wtTimer: number;
  /** T1_timer (RFC 3261 T1, round-trip estimate). */
  t1: number;
  /** T2_timer (cap of the retransmission interval). */
  t2: number;
  /** RFC 3261 T4 (how long the network may hold a message); no OpenSIPS modparam: 5 s. */
  t4: number;
  restartFrOnEachReply: boolean;
  auto100Trying: boolean;
  disable6xxBlock: boolean;
  ruriMatching: boolean;
  via1Matching: boolean;
  enableStats: boolean;
}

export function defaultConfig(): TmConfig {
  return {
    frTimeout: 30_000,
    frInvTimeout: 120_000,
    wtTimer: 5_000,
    t1: 500,
    t2: 4_000,
    t4: 5_000,
    restartFrOnEachReply: true,
    auto100Trying: true,
    disable6xxBlock: false,
    ruriMatching: true,
    via1Matching: true,
    enableStats: true,
  };
}

export interface TxEnv {
  readonly timers: TimerQueue;
  readonly cfg: TmConfig;
  /** Sends bytes; a failure is logged (retransmissions and replies are best effort). */
  send(dest: Destination, data: Buffer, sock: LocalSocket | null): void;
  /** Counts a tm statistic ("retransmission_req_T1_1"...). */
  stat(name: string, delta?: number): void;
  log(level: number, text: string): void;
}

/** Timer kinds, shared by the state machines (each uses the ones it needs). */
export const TIMER = {
  /** A / E: request retransmission; G: final reply retransmission. */
  RETRANSMIT: 1,
  /** B / F (fr_timeout) and fr_inv_timeout. */
  FINAL_RESPONSE: 2,
  /** D, H, I, J, K, L, M: the transaction ends (or gives up waiting). */
  END: 3,
} as const;

/** The statistic for the n-th request retransmission (OpenSIPS's T1_1, T1_2, T1_3, T2 buckets). */
export function requestRetransmissionStat(intervalMs: number, cfg: TmConfig): string {
  if (intervalMs >= cfg.t2) return 'retransmission_req_T2';
  if (intervalMs <= cfg.t1) return 'retransmission_req_T1_1';
  if (intervalMs <= 2 * cfg.t1) return 'retransmission_req_T1_2';
  return 'retransmission_req_T1_3';
}

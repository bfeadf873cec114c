/**
 * The contract between the learned fraud detector (learned/), the module's script functions
 * (index.ts) and the offline tools (replay, simulate): what a call attempt is, what an
 * assessment says, and how a call's answer and end reach the detector afterwards.
 */

/** One call attempt as the detector sees it: at call setup, before the outcome is known. */
export interface CallAttempt {
  /** The calling user (account), e.g. "alice" or "+441632960001". */
  readonly user: string;
  /** The called number: E.164 ("+447911123456") or dialled digits ("00447911123456", "07911123456"). */
  readonly number: string;
  /** Start of the attempt, ms since the epoch (a simulated clock in replay). */
  readonly t: number;
  /** Source address of the request ("" when unknown). */
  readonly sourceIp: string;
}

/** One piece of evidence behind a score. */
export interface Reason {
  /** Stable machine code: "new_zone", "high_risk", "off_hours", "volume", "concurrency", ... */
  readonly code: string;
  /** Points this reason added to the score. */
  readonly points: number;
  /** Human explanation, e.g. "03:10 is outside this user's hours". */
  readonly text: string;
}

export interface Assessment {
  /** 0..100; the higher, the less the call looks like the user (and the population). */
  readonly score: number;
  /** Evidence, largest contribution first (empty for an ordinary call). */
  readonly reasons: readonly Reason[];
  /** Destination zone of the number, e.g. "GB:mobile", "CU:fixed_line", "LV:premium_rate". */
  readonly zone: string;
}

/** The rest of a call's life, reported to the detector that assessed it. */
export interface CallTracker {
  /** The call was answered at `t` (ms). */
  answered(t: number): void;
  /** The call ended at `t` (ms); `answered` false for failed or cancelled attempts. */
  ended(t: number, answered: boolean): void;
}

/** What replay and the module need of a learned detector. */
export interface LearnedDetectorApi {
  /** Scores the attempt against the user's profile, then learns from it. */
  assess(call: CallAttempt): { assessment: Assessment; call: CallTracker };
}

/** Score at or above which a call is an alert unless the caller says otherwise. */
export const DEFAULT_LEARNED_THRESHOLD = 60;

/**
 * How well a replay's alerts match the labels of the CDR records: the share of fraud
 * episodes detected, how long (in calls and seconds) each took to its first alert, and
 * the false alerts per 1,000 legitimate calls. Only this file reads label and episode.
 */

import type { CdrRecord } from './cdr';

/** What replay and its evaluation read: a CDR record (cdr.ts), read-only. */
export type ReplayRecord = Readonly<CdrRecord>;

/** What alerted: the static rules, the learned detector, or both at the same call. */
export type AlertKind = 'static' | 'learned' | 'both';

/** One alerted call. */
export interface ReplayAlert {
  readonly row: number;
  readonly caller: string;
  readonly callee: string;
  /**
   * The learned score (0..100) when the learned detector alerted (kind "learned" or
   * "both"); for a static-only alert 100 for a critical threshold, 50 for a warning.
   */
  readonly score: number;
  readonly kind: AlertKind;
  /** Human explanations, static ones first. */
  readonly reasons: readonly string[];
  /** When the alert fired, ms (the call's start; a call-duration alert fires while the call is up). */
  readonly t: number;
}

/** Median and worst (largest) of some measurements. */
export interface Spread {
  readonly median: number;
  readonly worst: number;
}

export interface ReplayEvaluation {
  readonly episodes: number;
  readonly detected: number;
  /** Episode ids without any alert, in order of their first call. */
  readonly undetected: readonly string[];
  /** Calls of the episode started up to its first alert (1: its first call alerted); null when none was detected. */
  readonly callsToDetect: Spread | null;
  /** Seconds from the episode's first call to its first alert; null when none was detected. */
  readonly secondsToDetect: Spread | null;
  /** Each detected episode: calls up to its first alert and seconds from its first call (to sum figures over several replays). */
  readonly detections: readonly { readonly episode: string; readonly calls: number; readonly seconds: number }[];
  readonly legitRows: number;
  readonly fraudRows: number;
  /** Alerts on rows labelled legit. */
  readonly falseAlerts: number;
  readonly falseAlertsPer1000: number;
}

interface Episode {
  readonly id: string;
  /** Start times of its calls, in time order (records come in time order). */
  readonly starts: number[];
  firstAlert: number;
}

function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, worst: v[v.length - 1]! };
}

/** How many of the sorted times are <= t. */
function countUpTo(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sorted[m]! <= t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Accumulates records and alerts as a replay goes, so the records need not be kept. */
export class ReplayEvaluator {
  private readonly episodes = new Map<string, Episode>();
  private labelled = false;
  private legit = 0;
  private fraud = 0;
  private falseAlerts = 0;

  /** A record replayed (in time order). */
  observe(r: ReplayRecord): void {
    if (r.label === 'legit') this.legit++;
    else if (r.label === 'fraud') this.fraud++;
    if (r.label !== undefined) this.labelled = true;
    if (r.episode === undefined || r.episode === '') return;
    let e = this.episodes.get(r.episode);
    if (e === undefined) this.episodes.set(r.episode, (e = { id: r.episode, starts: [], firstAlert: Number.POSITIVE_INFINITY }));
    e.starts.push(r.startMs);
  }

  /** An alert on the call of record `r` (observed before). */
  alerted(a: ReplayAlert, r: ReplayRecord): void {
    if (r.label === 'legit') this.falseAlerts++;
    if (r.episode === undefined || r.episode === '') return;
    const e = this.episodes.get(r.episode);
    if (e !== undefined && a.t < e.firstAlert) e.firstAlert = a.t;
  }

  /** The evaluation; null when no record carried a label or an episode. */
  result(): ReplayEvaluation | null {
    if (!this.labelled && this.episodes.size === 0) return null;
    const calls: number[] = [];
    const seconds: number[] = [];
    const undetected: string[] = [];
    const detections: { episode: string; calls: number; seconds: number }[] = [];
    for (const e of this.episodes.values()) {
      if (e.firstAlert === Number.POSITIVE_INFINITY) {
        undetected.push(e.id);
        continue;
      }
      const d = { episode: e.id, calls: countUpTo(e.starts, e.firstAlert), seconds: (e.firstAlert - e.starts[0]!) / 1000 };
      detections.push(d);
      calls.push(d.calls);
      seconds.push(d.seconds);
    }
    return {
      episodes: this.episodes.size,
      detected: this.episodes.size - undetected.length,
      undetected,
      callsToDetect: spread(calls),
      secondsToDetect: spread(seconds),
      detections,
      legitRows: this.legit,
      fraudRows: this.fraud,
      falseAlerts: this.falseAlerts,
      falseAlertsPer1000: this.legit === 0 ? 0 : (this.falseAlerts * 1000) / this.legit,
    };
  }
}

/** The evaluation of alerts against records already in memory (in time order). */
export function evaluateReplay(records: Iterable<ReplayRecord>, alerts: Iterable<ReplayAlert>): ReplayEvaluation | null {
  const ev = new ReplayEvaluator();
  const byRow = new Map<number, ReplayRecord>();
  for (const r of records) {
    ev.observe(r);
    byRow.set(r.row, r);
  }
  for (const a of alerts) {
    const r = byRow.get(a.row);
    if (r === undefined) throw new Error(`alert on row ${a.row}, which is not among the records`);
    ev.alerted(a, r);
  }
  return ev.result();
}

/** The evaluation as a few human lines (stderr of `tsips fraud replay`). */
export function formatEvaluation(e: ReplayEvaluation, recordsPerSecond: number): string {
  const pct = e.episodes === 0 ? '-' : `${((100 * e.detected) / e.episodes).toFixed(1)}%`;
  const lines = [
    `episodes detected: ${e.detected}/${e.episodes} (${pct})`,
    e.callsToDetect === null || e.secondsToDetect === null
      ? 'time to first alert: no episode detected'
      : `time to first alert: median ${e.callsToDetect.median} call(s), ${e.secondsToDetect.median.toFixed(1)} s; worst ${e.callsToDetect.worst} call(s), ${e.secondsToDetect.worst.toFixed(1)} s`,
    `undetected episodes: ${e.undetected.length === 0 ? 'none' : e.undetected.join(', ')}`,
    `false alerts: ${e.falseAlerts} on ${e.legitRows} legitimate call(s) = ${e.falseAlertsPer1000.toFixed(2)} per 1,000 (fraud rows: ${e.fraudRows})`,
    `replay speed: ${Math.round(recordsPerSecond)} records/s (${(recordsPerSecond * 60 / 1e6).toFixed(2)} M/min)`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * The dialog service: what other modules (fraud_detection) use of dialogs. Provided by
 * dialog's init under {@link DIALOG}.
 */
import { serviceKey, type ScriptContext } from '@tsips/script';

/** Callbacks on one dialog; they must not throw and must not wait. */
export interface DialogWatcher {
  /** The dialog was answered (confirmed), at `nowMs` of the dialog's clock. */
  onAnswer?(nowMs: number): void;
  /** The dialog ended: BYE, lifetime expiry, or it failed (rejected, cancelled) before answer. Called once. */
  onEnd(answered: boolean): void;
}

export interface DialogApi {
  /** Watches the current dialog of the request; false when the request has none. */
  watchCurrent(ctx: ScriptContext, w: DialogWatcher): boolean;
}

export const DIALOG = serviceKey<DialogApi>('dialog');

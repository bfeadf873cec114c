/**
 * Learned profiles in the database (`fraud_profiles`: one JSON row per user, the population
 * prior in the row with an empty username), so what tsips learned survives a restart.
 * Reads are lazy: a user's row is read the first time the user calls after a start (one
 * indexed SELECT, synchronous with the embedded SQLite driver); writes are batched by the
 * module's save timer, in one transaction.
 */
import type { DbConnection, DbRow } from '@tsips/core';
import type { SavedPopulation, SavedProfile, UserProfile } from './profile';

/** Username of the population prior's row. */
export const POPULATION_ROW = '';
/** Rows written per transaction (~1 ms of SQLite each). */
const SAVE_BATCH = 500;

export class ProfileStore {
  private warnedAsync = false;

  constructor(
    private readonly conn: DbConnection,
    private readonly table: string,
    private readonly log: (level: number, text: string) => void,
  ) {}

  /** The saved profile of `user`; undefined when there is none (or the driver cannot answer now). */
  load(user: string): SavedProfile | undefined {
    return this.read(user) as SavedProfile | undefined;
  }

  loadPopulation(): SavedPopulation | undefined {
    return this.read(POPULATION_ROW) as SavedPopulation | undefined;
  }

  /**
   * Writes the profiles (and the prior), SAVE_BATCH rows per transaction with the event loop
   * let go between batches, so a busy server's save never stalls call setup for long;
   * resolves to the rows written.
   */
  async save(profiles: readonly (readonly [string, UserProfile])[], population: SavedPopulation | null, now: number): Promise<number> {
    if (profiles.length === 0 && population === null) return 0;
    const updated = Math.floor(now / 1000);
    let written = 0;
    for (let from = 0; from < profiles.length || (from === 0 && population !== null); from += SAVE_BATCH) {
      if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const rows: DbRow[] = profiles.slice(from, from + SAVE_BATCH).map(([user, p]) => ({ username: user, profile: JSON.stringify(p), updated }));
      if (from + SAVE_BATCH >= profiles.length && population !== null) rows.push({ username: POPULATION_ROW, profile: JSON.stringify(population), updated });
      await this.conn.transaction(() => {
        for (const r of rows) {
          const w = this.conn.replace(this.table, r);
          if (w instanceof Promise) w.catch((e: unknown) => this.log(-1, `fraud_detection: cannot save a profile: ${String(e)}`));
        }
      });
      written += rows.length;
    }
    return written;
  }

  private read(user: string): unknown {
    const r = this.conn.query(this.table, { columns: ['profile'], keys: ['username'], values: [user], limit: 1 });
    if (r instanceof Promise) {
      // A network driver answers later; profiles then start fresh (said once, not per call).
      if (!this.warnedAsync) this.log(2, `fraud_detection: ${this.conn.driver} cannot read profiles synchronously; users start from the population prior`);
      this.warnedAsync = true;
      r.catch(() => undefined);
      return undefined;
    }
    const text = r[0]?.['profile'];
    if (typeof text !== 'string') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      this.log(-1, `fraud_detection: the saved profile of '${user}' is not JSON; it starts afresh`);
      return undefined;
    }
  }
}

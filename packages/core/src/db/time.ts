/**
 * DATETIME columns hold 'YYYY-MM-DD HH:MM:SS' text in local time, as OpenSIPS writes them
 * (db_time2str uses localtime).
 */
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function formatDbTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Milliseconds since the epoch of a DATETIME text (or a number of seconds), or null. */
export function parseDbTime(v: unknown): number | null {
  if (typeof v === 'number') return v * 1000;
  if (typeof v !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v);
  if (m === null) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])).getTime();
}

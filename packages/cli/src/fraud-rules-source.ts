/**
 * Where `tsips fraud replay` takes its static rules from: the fraud_detection table named
 * by a tsips/OpenSIPS script (its modparams, as the running module would read them), or a
 * CSV file with the table's column names.
 */
import * as fs from 'node:fs';
import { DbManager, SqliteDriver, type DbConnection, type DbRow } from '@tsips/core';
import { FRAUD_RULE_COLUMNS, readRiskRanges, rulesFromRows, splitCsvLine, type FraudColumnParam, type RiskRange, type RuleSet } from '@tsips/modules';
import { formatDiagnostics, loadScript } from '@tsips/script';

/** fraud_detection's settings in a script. */
export interface FraudSettings {
  /** db_url, else the core's db_default_url; null when neither is set. */
  readonly dbUrl: string | null;
  readonly table: string;
  readonly utc: boolean;
  /** Column name of each column modparam (the defaults unless the script renames them). */
  readonly column: (param: FraudColumnParam) => string;
  /** The learned detector's modparams (home_country, learned_threshold, utc_offset, risk_table). */
  readonly homeCountry: string;
  readonly learnedThreshold: number | null;
  /** Minutes east of UTC; -1: this machine's local time. */
  readonly utcOffset: number;
  readonly riskTable: string;
}

export class RulesSourceError extends Error {}

const DEFAULT_COLUMN = new Map<string, string>(FRAUD_RULE_COLUMNS);

function settingsOf(modparams: ReadonlyMap<string, string | number>, defaultUrl: string | null): FraudSettings {
  const text = (name: string): string | null => {
    const v = modparams.get(name);
    return v === undefined || String(v).trim() === '' ? null : String(v);
  };
  return {
    dbUrl: text('db_url') ?? defaultUrl,
    table: text('table_name') ?? 'fraud_detection',
    utc: Number(modparams.get('use_utc_time') ?? 0) !== 0,
    column: (p) => text(p) ?? DEFAULT_COLUMN.get(p)!,
    homeCountry: (text('home_country') ?? 'GB').toUpperCase(),
    learnedThreshold: text('learned_threshold') === null ? null : Number(text('learned_threshold')),
    utcOffset: Number(text('utc_offset') ?? -1),
    riskTable: text('risk_table') ?? 'fraud_risk_ranges',
  };
}

/** The default settings (no script): OpenSIPS's table and column names, local time. */
export const DEFAULT_FRAUD_SETTINGS: FraudSettings = settingsOf(new Map(), null);

/** fraud_detection's modparams (and db_default_url) of the script `file`; a script that does not load is an error with its diagnostics. */
export function fraudSettingsOf(file: string, cwd: string = process.cwd()): FraudSettings {
  const loaded = loadScript(file, { cwd });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new RulesSourceError(`${file} does not load:\n${formatDiagnostics(errors, loaded.files)}`);
  const modparams = new Map<string, string | number>();
  let defaultUrl: string | null = null;
  for (const item of loaded.script.items) {
    if (item.kind === 'ModParam' && item.module.value === 'fraud_detection') modparams.set(item.param.value, item.value.value);
    else if (item.kind === 'CoreParam' && item.name === 'db_default_url' && item.value.kind === 'String') defaultUrl = item.value.value;
  }
  return settingsOf(modparams, defaultUrl);
}

/** Runs `fn` on the settings' database (relative SQLite paths resolve against `cwd`, as the server's do). */
async function withFraudDb<T>(s: FraudSettings, cwd: string, fn: (conn: DbConnection) => Promise<T>): Promise<T> {
  const manager = new DbManager(cwd);
  manager.registerDriver(new SqliteDriver());
  manager.defaultUrl = s.dbUrl;
  const conn = await manager.open(manager.resolveUrl(null, 'fraud_detection'));
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

/** The rules in the settings' database table. */
export async function rulesFromDatabase(s: FraudSettings, cwd: string = process.cwd()): Promise<RuleSet> {
  return withFraudDb(s, cwd, async (conn) => rulesFromRows(await conn.query(s.table, { columns: FRAUD_RULE_COLUMNS.map(([p]) => s.column(p)) }), s.column));
}

/**
 * The high-risk ranges of the settings' database (the learned detector's table), or null
 * when there is no database, no such table or no rows (the built-in list applies then).
 */
export async function riskRangesFromDatabase(s: FraudSettings, cwd: string = process.cwd()): Promise<RiskRange[] | null> {
  if (s.dbUrl === null) return null;
  const ranges = await withFraudDb(s, cwd, (conn) => readRiskRanges(conn, s.riskTable));
  return ranges === undefined || ranges.length === 0 ? null : ranges;
}

/** The rows of a small CSV file (no line breaks inside fields), with cdr.ts's field splitter. */
function csvRows(file: string): string[][] {
  const rows: string[][] = [];
  fs.readFileSync(file, 'utf8').split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      rows.push(splitCsvLine(line));
    } catch (e) {
      throw new RulesSourceError(`${file}:${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return rows;
}

/** The rules of a CSV file whose header names the table's columns; empty cells (but the prefix) take the column's default. */
export function rulesFromCsv(file: string, s: FraudSettings = DEFAULT_FRAUD_SETTINGS): RuleSet {
  const [header, ...data] = csvRows(file);
  if (header === undefined) throw new RulesSourceError(`${file}: empty (expected a header with the fraud_detection columns)`);
  const names = header.map((h) => h.trim());
  for (const p of ['rid_col', 'pid_col', 'prefix_col'] as const) {
    if (!names.includes(s.column(p))) throw new RulesSourceError(`${file}: no column '${s.column(p)}' in the header`);
  }
  const prefix = s.column('prefix_col');
  const rows: DbRow[] = data.map((cells) => {
    const r: Record<string, string> = {};
    names.forEach((n, i) => {
      const v = cells[i]?.trim() ?? '';
      // An empty prefix is the rule of every number; other empty cells are NULL (their column's default).
      if (v !== '' || n === prefix) r[n] = v;
    });
    return r;
  });
  try {
    return rulesFromRows(rows, s.column);
  } catch (e) {
    throw new RulesSourceError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * High-risk destination ranges: the admin-editable table of the learned detector. A call to
 * a listed range adds the range's risk points to its score (less once the user calls it
 * regularly). The defaults are the destinations that recur in public IRSF reports
 * (countries whose termination rates make fraud pay, international premium networks);
 * national premium-rate numbers need no row: the numbering plan says what they are.
 */
import type { DbConnection } from '@tsips/core';

export interface RiskRange {
  /** Digits of the E.164 number without '+', e.g. "53" (Cuba) or "37190" (Latvia premium). */
  readonly prefix: string;
  /** What the admin calls it, shown in the explanation. */
  readonly label: string;
  /** Points added to the score of a first call to the range (0..100). */
  readonly risk: number;
}

const country = (prefix: string, name: string): RiskRange => ({ prefix, label: `${name} (IRSF-prone)`, risk: 25 });

/** The defaults a fresh install uses until the table holds rows of its own. */
export const DEFAULT_RISK_RANGES: readonly RiskRange[] = [
  country('53', 'Cuba'), country('252', 'Somalia'), country('224', 'Guinea'), country('232', 'Sierra Leone'),
  country('220', 'Gambia'), country('231', 'Liberia'), country('235', 'Chad'), country('223', 'Mali'),
  country('239', 'Sao Tome and Principe'), country('261', 'Madagascar'), country('263', 'Zimbabwe'),
  country('216', 'Tunisia'), country('375', 'Belarus'), country('387', 'Bosnia and Herzegovina'),
  country('960', 'Maldives'), country('674', 'Nauru'), country('675', 'Papua New Guinea'),
  country('677', 'Solomon Islands'), country('678', 'Vanuatu'), country('682', 'Cook Islands'),
  country('688', 'Tuvalu'), country('690', 'Tokelau'),
  { prefix: '37190', label: 'Latvia premium rate', risk: 40 },
  { prefix: '3709', label: 'Lithuania premium rate', risk: 40 },
  { prefix: '3819', label: 'Serbia premium rate', risk: 40 },
  { prefix: '881', label: 'global satellite networks', risk: 40 },
  { prefix: '882', label: 'international networks', risk: 40 },
  { prefix: '883', label: 'international networks', risk: 40 },
  { prefix: '979', label: 'international premium rate', risk: 45 },
];

/** Longest-prefix lookup over the table (a map per prefix length: tables are small, numbers short). */
export class RiskTable {
  private readonly byLength = new Map<number, Map<string, RiskRange>>();
  private readonly lengths: number[] = [];

  constructor(ranges: readonly RiskRange[]) {
    for (const r of ranges) {
      if (!/^\d{1,15}$/.test(r.prefix)) throw new Error(`high-risk range '${r.prefix}': a prefix is 1 to 15 digits`);
      if (!(r.risk >= 0 && r.risk <= 100)) throw new Error(`high-risk range '${r.prefix}': risk must be 0..100`);
      let m = this.byLength.get(r.prefix.length);
      if (m === undefined) this.byLength.set(r.prefix.length, (m = new Map()));
      m.set(r.prefix, r);
    }
    this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
  }

  get size(): number {
    let n = 0;
    for (const m of this.byLength.values()) n += m.size;
    return n;
  }

  /** The longest listed prefix of `digits` (E.164 without '+'), or undefined. */
  match(digits: string): RiskRange | undefined {
    for (const len of this.lengths) {
      if (len > digits.length) continue;
      const r = this.byLength.get(len)!.get(digits.slice(0, len));
      if (r !== undefined) return r;
    }
    return undefined;
  }
}

/**
 * The rows of the high-risk table `table` (columns prefix, label, risk); undefined when the
 * table does not exist. The module and `tsips fraud replay` both read it here.
 */
export async function readRiskRanges(conn: DbConnection, table: string): Promise<RiskRange[] | undefined> {
  if ((await conn.tableColumns(table)) === null) return undefined;
  const rows = await conn.query(table, { columns: ['prefix', 'label', 'risk'] });
  return rows.map((r) => ({ prefix: String(r['prefix'] ?? ''), label: String(r['label'] ?? ''), risk: Number(r['risk'] ?? 0) }));
}

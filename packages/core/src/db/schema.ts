/**
 * OpenSIPS's table layouts, described as data: the same column names, types, defaults,
 * unique keys and `version` numbers as OpenSIPS 3.x/4.x ships in its schema scripts
 * (scripts/<db>/*-create.sql), so a database made by OpenSIPS's tools works with tsips
 * and the other way round. Each driver renders DDL from these descriptions in its own
 * dialect (sqlite-ddl.ts for SQLite).
 *
 * `group` is the name of the OpenSIPS script a table comes from (standard, usrloc,
 * auth_db...), which is also how `tsips-cli db create --tables` selects them.
 */

/** Portable column kinds (a PostgreSQL driver maps these to its own types). */
export type ColumnKind = 'int' | 'smallint' | 'tinyint' | 'bigint' | 'char' | 'text' | 'float' | 'datetime' | 'blob';

export interface ColumnDef {
  name: string;
  kind: ColumnKind;
  /** CHAR(n)/TEXT(n)/BLOB(n)/SMALLINT(n) width; FLOAT precision as "10,2". */
  size?: number | string;
  nullable: boolean;
  /** Default value; `undefined` means no DEFAULT clause, `null` means DEFAULT NULL. */
  default?: string | number | null;
  /** INTEGER PRIMARY KEY AUTOINCREMENT (OpenSIPS `id` columns). */
  autoIncrement?: boolean;
  /** PRIMARY KEY without autoincrement (dialog.dlg_id). */
  primaryKey?: boolean;
}

export interface IndexDef {
  name: string;
  columns: readonly string[];
  unique: boolean;
}

export interface TableDef {
  name: string;
  /** The row OpenSIPS keeps in the `version` table for it. */
  version: number;
  /** OpenSIPS schema script the table belongs to. */
  group: string;
  columns: readonly ColumnDef[];
  indexes: readonly IndexDef[];
}

type ColOpts = { size?: number | string; null?: boolean; def?: string | number | null };

function col(name: string, kind: ColumnKind, o: ColOpts = {}): ColumnDef {
  const c: ColumnDef = { name, kind, nullable: o.null ?? false };
  if (o.size !== undefined) c.size = o.size;
  if ('def' in o) c.default = o.def;
  return c;
}
const id = (name = 'id'): ColumnDef => ({ name, kind: 'int', nullable: false, autoIncrement: true });
const char = (name: string, size: number, o: Omit<ColOpts, 'size'> = {}): ColumnDef => col(name, 'char', { ...o, size });
const int = (name: string, o: ColOpts = {}): ColumnDef => col(name, 'int', o);
const unique = (name: string, ...columns: string[]): IndexDef => ({ name, columns, unique: true });
const index = (name: string, ...columns: string[]): IndexDef => ({ name, columns, unique: false });

/** The `version` table itself (OpenSIPS keeps no version row for it). */
export const VERSION_TABLE: TableDef = {
  name: 'version',
  version: 0,
  group: 'standard',
  columns: [char('table_name', 32), int('table_version', { def: 0 })],
  indexes: [unique('version_t_name_idx', 'table_name')],
};

export const TABLES: readonly TableDef[] = [
  {
    name: 'subscriber', version: 8, group: 'auth_db',
    columns: [
      id(), char('username', 64, { def: '' }), char('domain', 64, { def: '' }), char('password', 25, { def: '' }),
      char('ha1', 64, { def: '' }), char('ha1_sha256', 64, { def: '' }), char('ha1_sha512t256', 64, { def: '' }),
    ],
    indexes: [unique('subscriber_account_idx', 'username', 'domain'), index('subscriber_username_idx', 'username')],
  },
  {
    name: 'uri', version: 2, group: 'auth_db',
    columns: [
      id(), char('username', 64, { def: '' }), char('domain', 64, { def: '' }), char('uri_user', 64, { def: '' }),
      col('last_modified', 'datetime', { def: '1900-01-01 00:00:01' }),
    ],
    indexes: [unique('uri_account_idx', 'username', 'domain', 'uri_user')],
  },
  {
    name: 'location', version: 1013, group: 'usrloc',
    columns: [
      id('contact_id'), char('username', 64, { def: '' }), char('domain', 64, { null: true, def: null }),
      col('contact', 'text'), char('received', 255, { null: true, def: null }), char('path', 255, { null: true, def: null }),
      int('expires'), col('q', 'float', { size: '10,2', def: 1.0 }), char('callid', 255, { def: 'Default-Call-ID' }),
      int('cseq', { def: 13 }), col('last_modified', 'datetime', { def: '1900-01-01 00:00:01' }), int('flags', { def: 0 }),
      char('cflags', 255, { null: true, def: null }), char('user_agent', 255, { def: '' }), char('socket', 64, { null: true, def: null }),
      int('methods', { null: true, def: null }), char('sip_instance', 255, { null: true, def: null }),
      col('kv_store', 'text', { size: 512, null: true, def: null }), char('attr', 255, { null: true, def: null }),
    ],
    indexes: [],
  },
  {
    name: 'dialog', version: 12, group: 'dialog',
    columns: [
      { name: 'dlg_id', kind: 'bigint', size: 10, nullable: false, primaryKey: true },
      char('callid', 255), char('from_uri', 255), char('from_tag', 64), char('to_uri', 255), char('to_tag', 64),
      char('mangled_from_uri', 255, { null: true, def: null }), char('mangled_to_uri', 255, { null: true, def: null }),
      char('caller_cseq', 11), char('callee_cseq', 11), int('caller_ping_cseq'), int('callee_ping_cseq'),
      col('caller_route_set', 'text', { size: 512, null: true }), col('callee_route_set', 'text', { size: 512, null: true }),
      char('caller_contact', 255, { null: true }), char('callee_contact', 255, { null: true }),
      char('caller_sock', 64), char('callee_sock', 64), int('state'), int('start_time'), int('timeout'),
      col('vars', 'blob', { size: 4096, null: true, def: null }), col('profiles', 'text', { size: 512, null: true, def: null }),
      char('script_flags', 255, { null: true, def: null }), int('module_flags', { def: 0 }), int('flags', { def: 0 }),
      char('rt_on_answer', 64, { null: true, def: null }), char('rt_on_timeout', 64, { null: true, def: null }),
      char('rt_on_hangup', 64, { null: true, def: null }),
    ],
    indexes: [],
  },
  {
    name: 'dr_gateways', version: 6, group: 'drouting',
    columns: [
      id(), char('gwid', 64), int('type', { def: 0 }), char('address', 128), int('strip', { def: 0 }),
      char('pri_prefix', 16, { null: true, def: null }), char('attrs', 255, { null: true, def: null }),
      int('probe_mode', { def: 0 }), int('state', { def: 0 }), char('socket', 128, { null: true, def: null }),
      char('description', 128, { null: true, def: null }),
    ],
    indexes: [unique('dr_gateways_dr_gw_idx', 'gwid')],
  },
  {
    name: 'dr_rules', version: 4, group: 'drouting',
    columns: [
      id('ruleid'), char('groupid', 255), char('prefix', 64), char('timerec', 255, { null: true, def: null }),
      int('priority', { def: 0 }), char('routeid', 255, { null: true, def: null }), char('gwlist', 255, { null: true }),
      char('sort_alg', 1, { def: 'N' }), int('sort_profile', { null: true, def: null }), char('attrs', 255, { null: true, def: null }),
      char('description', 128, { null: true, def: null }),
    ],
    indexes: [],
  },
  {
    name: 'dr_carriers', version: 3, group: 'drouting',
    columns: [
      id(), char('carrierid', 64), char('gwlist', 255), int('flags', { def: 0 }), char('sort_alg', 1, { def: 'N' }),
      int('state', { def: 0 }), char('attrs', 255, { null: true, def: null }), char('description', 128, { null: true, def: null }),
    ],
    indexes: [unique('dr_carriers_dr_carrier_idx', 'carrierid')],
  },
  {
    name: 'dr_groups', version: 2, group: 'drouting',
    columns: [
      id(), char('username', 64), char('domain', 128, { null: true, def: null }), int('groupid', { def: 0 }),
      char('description', 128, { null: true, def: null }),
    ],
    indexes: [],
  },
  {
    name: 'dr_partitions', version: 1, group: 'drouting',
    columns: [
      id(), char('partition_name', 255), char('db_url', 255),
      ...['drd_table', 'drr_table', 'drg_table', 'drc_table', 'ruri_avp', 'gw_id_avp', 'gw_priprefix_avp', 'gw_sock_avp',
        'rule_id_avp', 'rule_prefix_avp', 'carrier_id_avp'].map((n) => char(n, 255, { null: true })),
    ],
    indexes: [],
  },
  {
    name: 'address', version: 5, group: 'permissions',
    columns: [
      id(), col('grp', 'smallint', { size: 5, def: 0 }), char('ip', 50), col('mask', 'smallint', { def: 32 }),
      col('port', 'smallint', { size: 5, def: 0 }), char('proto', 4, { def: 'any' }), char('pattern', 64, { null: true, def: null }),
      char('context_info', 32, { null: true, def: null }),
    ],
    indexes: [],
  },
  {
    name: 'userblacklist', version: 2, group: 'userblacklist',
    columns: [
      id(), char('username', 64, { def: '' }), char('domain', 64, { def: '' }), char('prefix', 64, { def: '' }),
      col('whitelist', 'tinyint', { size: 1, def: 0 }),
    ],
    indexes: [index('ORA_userblacklist_idx', 'username', 'domain', 'prefix')],
  },
  {
    name: 'globalblacklist', version: 2, group: 'userblacklist',
    columns: [
      id(), char('prefix', 64, { def: '' }), col('whitelist', 'tinyint', { size: 1, def: 0 }),
      char('description', 255, { null: true, def: null }),
    ],
    indexes: [index('ORA_globalblacklist_idx', 'prefix')],
  },
  {
    name: 'fraud_detection', version: 1, group: 'fraud_detection',
    columns: [
      id('ruleid'), int('profileid'), char('prefix', 64), char('start_hour', 5, { def: '00:00' }), char('end_hour', 5, { def: '23:59' }),
      char('daysoftheweek', 64, { def: 'Mon-Sun' }),
      ...['cpm', 'call_duration', 'total_calls', 'concurrent_calls', 'sequential_calls'].flatMap((n) => [
        int(`${n}_warning`, { def: 0 }), int(`${n}_critical`, { def: 0 }),
      ]),
    ],
    indexes: [],
  },
  // tsips's own (no OpenSIPS counterpart): the learned half of fraud detection. One row per
  // user holds the profile as JSON; the row with an empty username is the population prior.
  {
    name: 'fraud_profiles', version: 1, group: 'fraud_detection',
    columns: [id(), char('username', 128), col('profile', 'text'), int('updated', { def: 0 })],
    indexes: [unique('fraud_profiles_username_idx', 'username')],
  },
  {
    name: 'fraud_risk_ranges', version: 1, group: 'fraud_detection',
    columns: [id(), char('prefix', 32), char('label', 128, { def: '' }), int('risk', { def: 25 })],
    indexes: [unique('fraud_risk_ranges_prefix_idx', 'prefix')],
  },
  {
    name: 'dispatcher', version: 9, group: 'dispatcher',
    columns: [
      id(), int('setid', { def: 0 }), char('destination', 192, { def: '' }), char('socket', 128, { null: true, def: null }),
      int('state', { def: 0 }), int('probe_mode', { def: 0 }), char('weight', 64, { def: 1 }), int('priority', { def: 0 }),
      char('attrs', 128, { null: true, def: null }), char('description', 64, { null: true, def: null }),
    ],
    indexes: [],
  },
  {
    name: 'load_balancer', version: 3, group: 'load_balancer',
    columns: [
      id(), int('group_id', { def: 0 }), char('dst_uri', 128), char('resources', 255), int('probe_mode', { def: 0 }),
      char('attrs', 255, { null: true, def: null }), char('description', 128, { null: true, def: null }),
    ],
    indexes: [index('load_balancer_dsturi_idx', 'dst_uri')],
  },
  {
    name: 'acc', version: 7, group: 'acc',
    columns: [
      id(), char('method', 16, { def: '' }), char('from_tag', 64, { def: '' }), char('to_tag', 64, { def: '' }),
      char('callid', 64, { def: '' }), char('sip_code', 3, { def: '' }), char('sip_reason', 32, { def: '' }),
      col('time', 'datetime'), int('duration', { def: 0 }), int('ms_duration', { def: 0 }), int('setuptime', { def: 0 }),
      col('created', 'datetime', { null: true, def: null }),
    ],
    indexes: [index('acc_callid_idx', 'callid')],
  },
  {
    name: 'missed_calls', version: 5, group: 'acc',
    columns: [
      id(), char('method', 16, { def: '' }), char('from_tag', 64, { def: '' }), char('to_tag', 64, { def: '' }),
      char('callid', 64, { def: '' }), char('sip_code', 3, { def: '' }), char('sip_reason', 32, { def: '' }),
      col('time', 'datetime'), int('setuptime', { def: 0 }), col('created', 'datetime', { null: true, def: null }),
    ],
    indexes: [index('missed_calls_callid_idx', 'callid')],
  },
  {
    name: 'domain', version: 4, group: 'domain',
    columns: [
      id(), char('domain', 64, { def: '' }), char('attrs', 255, { null: true, def: null }), int('accept_subdomain', { def: 0 }),
      col('last_modified', 'datetime', { def: '1900-01-01 00:00:01' }),
    ],
    indexes: [unique('domain_domain_idx', 'domain')],
  },
  {
    name: 'dbaliases', version: 2, group: 'alias_db',
    columns: [
      id(), char('alias_username', 64, { def: '' }), char('alias_domain', 64, { def: '' }), char('username', 64, { def: '' }),
      char('domain', 64, { def: '' }),
    ],
    indexes: [unique('dbaliases_alias_idx', 'alias_username', 'alias_domain'), index('dbaliases_target_idx', 'username', 'domain')],
  },
];

const BY_NAME = new Map(TABLES.map((t) => [t.name, t]));

/** The description of a known table, or undefined. */
export function tableDef(name: string): TableDef | undefined {
  return BY_NAME.get(name);
}

/** The version number tsips expects for a table (OpenSIPS's), or undefined for unknown tables. */
export function expectedVersion(name: string): number | undefined {
  return BY_NAME.get(name)?.version;
}

/** Known schema groups (OpenSIPS script names), in creation order. */
export function schemaGroups(): string[] {
  return [...new Set(TABLES.map((t) => t.group))];
}

/**
 * usrloc: the location table behind registrar. Bindings (AOR -> contacts) live in memory
 * and, depending on the working mode, are written through to the database so they survive
 * a restart. Contact changes raise E_UL_* events.
 */
import type { MiExport, ModparamExport, ModuleEnv, ModuleExports, ScriptContext, ScriptTables, ScriptValue } from '@tsips/script';
import { CORE, type DbConnection, checkTableVersion, dbManagerOf } from '@tsips/core';
import { column, event, fn, gauge, implementedMi, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { oneOf, outVar, staticStr, str } from '../shared/params';
import { ALL } from '../shared/routes';
import { USRLOC, type UsrlocApi } from './api';
import { DEFAULT_COLUMNS, type LocationColumns, SqlLocationBackend } from './backend';
import type { Ucontact } from './contact';
import { type SqlWriteMode, UsrlocDomain, type UsrlocEventName } from './domain';

const CONTACT_EVENT_PARAMS = [
  'domain', 'aor', 'uri', 'received', 'path', 'qval', 'user_agent', 'socket', 'bflags',
  'expires', 'callid', 'cseq', 'attr', 'latency', 'shtag',
] as const;

const domain = staticStr('domain');

const DECLARED: ModuleExports = {
  name: 'usrloc',
  functions: [
    fn('ul_add_key', [domain, str('aor'), str('key'), str('value', true)], ALL, ISSUE.unscheduled,
      'Stores a key/value pair in the per-AOR key-value store.'),
    fn('ul_get_key', [domain, str('aor'), str('key'), outVar('destination')], ALL, ISSUE.unscheduled,
      'Reads a key of the per-AOR key-value store into a variable.'),
    fn('ul_del_key', [domain, str('aor'), str('key')], ALL, ISSUE.unscheduled,
      'Deletes a key of the per-AOR key-value store.'),
  ],
  params: [
    strParam('db_url', null, 'Database holding the location table (sqlite:///path in tsips).'),
    strParam('cachedb_url', null, 'NoSQL backend for the federated/full-sharing cluster modes.'),
    intParam('timer_interval', 60, 'Seconds between expiry sweeps (and database syncs in write-back mode).'),
    strParam('working_mode_preset', 'single-instance-no-db', 'One of the documented presets (single-instance-no-db, single-instance-sql-write-through, ...).', {
      validate: (v) => oneOf([
        'single-instance-no-db', 'single-instance-sql-write-through', 'single-instance-sql-write-back',
        'sql-only', 'full-sharing-cluster', 'full-sharing-cachedb-cluster', 'federation-cachedb-cluster',
      ])(String(v)),
    }),
    strParam('cluster_mode', 'none', 'Clustering: none, federation, federation-cachedb, full-sharing, full-sharing-cachedb, sql-only.'),
    strParam('restart_persistency', null, 'How bindings survive a restart: none, load-from-sql, sync-from-cluster (unset: follows working_mode_preset).'),
    strParam('sql_write_mode', 'none', 'When bindings go to SQL: none, write-through, write-back.'),
    strParam('pinging_mode', null, 'Which node pings a contact in a cluster: ownership or cooperation (unset: follows the cluster mode).'),
    intParam('use_domain', 1, 'AORs include the domain (user@domain) rather than the user alone.'),
    intParam('desc_time_order', 0, 'Order contacts by last update, newest first (instead of by q).'),
    intParam('mi_dump_kv_store', 0, 'Include the key-value store in MI dumps.'),
    intParam('latency_event_min_us', 0, 'Raise E_UL_LATENCY_UPDATE only for latencies above this (us).'),
    intParam('latency_event_min_us_delta', 0, 'Raise E_UL_LATENCY_UPDATE only when latency moved this much (us).'),
    intParam('matching_mode', 0, 'Binding matching: 0 contact URI only, 1 contact URI and Call-ID.'),
    intParam('cseq_delay', 20, 'Seconds during which a repeated CSeq is treated as a retransmission.'),
    intParam('hash_size', 9, 'The in-memory table has 2^hash_size buckets.'),
    strParam('nat_bflag', null, 'Branch flag marking contacts behind NAT (pinged by nathelper).'),
    intParam('contact_refresh_timer', 0, 'Raise E_UL_CONTACT_REFRESH ahead of expiry (push notification support).'),
    intParam('location_cluster', 0, 'Cluster id used to replicate bindings (0: none).'),
    intParam('ha_cluster', 0, 'Cluster id of a high-availability pair (0: none).'),
    strParam('ha_shtag', null, 'Sharing tag deciding which HA node is active.'),
    intParam('skip_replicated_db_ops', 0, 'Do not repeat database writes for replicated bindings.'),
    intParam('max_contact_delete', 10, 'Contacts deleted per database query.'),
    intParam('regen_broken_contactid', 0, 'Rebuild contact ids that do not decode when loading from the database.'),
    column('user_column', 'username'),
    column('contact_id_column', 'contact_id'),
    column('domain_column', 'domain'),
    column('contact_column', 'contact'),
    column('expires_column', 'expires'),
    column('q_column', 'q'),
    column('callid_column', 'callid'),
    column('cseq_column', 'cseq'),
    column('flags_column', 'flags'),
    column('cflags_column', 'cflags'),
    column('user_agent_column', 'user_agent'),
    column('received_column', 'received'),
    column('path_column', 'path'),
    column('socket_column', 'socket'),
    column('methods_column', 'methods'),
    strParam('sip_instance_column', null, 'column of +sip.instance (unset by default)'),
    column('kv_store_column', 'kv_store'),
    column('attr_column', 'attr'),
  ],
  mi: [
    mi('usrloc', 'rm', { aliases: ['ul_rm'], params: [{ name: 'table_name' }, { name: 'aor' }], reason: ISSUE.sipCore, doc: 'Deletes an AOR and all its contacts.' }),
    mi('usrloc', 'rm_contact', { aliases: ['ul_rm_contact'], params: [{ name: 'table_name' }, { name: 'aor' }, { name: 'contact' }], reason: ISSUE.sipCore, doc: 'Deletes one contact of an AOR.' }),
    mi('usrloc', 'dump', { aliases: ['ul_dump'], params: [{ name: 'brief', optional: true }], reason: ISSUE.sipCore, doc: 'Lists every AOR and its contacts.' }),
    mi('usrloc', 'flush', { aliases: ['ul_flush'], reason: ISSUE.sipCore, doc: 'Writes pending changes to the database now.' }),
    mi('usrloc', 'add', {
      aliases: ['ul_add'],
      params: ['table_name', 'aor', 'contact', 'expires', 'q', 'flags', 'cflags', 'methods'].map((name) => ({ name })),
      reason: ISSUE.sipCore,
      doc: 'Adds a binding by hand.',
    }),
    mi('usrloc', 'show_contact', { aliases: ['ul_show_contact'], params: [{ name: 'table_name' }, { name: 'aor' }], reason: ISSUE.sipCore, doc: 'Lists the contacts of an AOR.' }),
    mi('usrloc', 'sync', { aliases: ['ul_sync'], params: [{ name: 'table_name' }, { name: 'aor', optional: true }], reason: ISSUE.sipCore, doc: 'Rewrites the database copy of a table (or of one AOR) from memory.' }),
    mi('usrloc', 'cluster_sync', { aliases: ['ul_cluster_sync'], reason: ISSUE.unscheduled, doc: 'Pulls all bindings from a cluster peer.' }),
  ],
  events: [
    event('E_UL_AOR_INSERT', ['domain', 'aor'], 'An AOR got its first contact.'),
    event('E_UL_AOR_DELETE', ['domain', 'aor'], 'An AOR lost its last contact.'),
    event('E_UL_CONTACT_INSERT', CONTACT_EVENT_PARAMS, 'A contact was added.'),
    event('E_UL_CONTACT_DELETE', CONTACT_EVENT_PARAMS, 'A contact was removed (expired or unregistered).'),
    event('E_UL_CONTACT_UPDATE', CONTACT_EVENT_PARAMS, 'A contact was refreshed or changed.'),
    event('E_UL_CONTACT_REFRESH', [
      'domain', 'aor', 'uri', 'received', 'user_agent', 'socket', 'bflags', 'expires', 'callid', 'attr', 'shtag', 'reason', 'req_callid',
    ], 'A contact is about to expire and should be refreshed (contact_refresh_timer).'),
    event('E_UL_LATENCY_UPDATE', CONTACT_EVENT_PARAMS, 'A ping measured a contact latency that passes the latency filters.'),
  ],
  stats: [gauge('registered_users', 'AORs with at least one contact.')],
};

/** Table version of `location` that tsips (OpenSIPS 3.x/4.x) reads and writes. */
export const LOCATION_TABLE_VERSION = 1013;

interface Persistence {
  loadFromSql: boolean;
  writeMode: SqlWriteMode;
}

/** Working mode from working_mode_preset (when set) or cluster_mode/restart_persistency/sql_write_mode. */
export function resolveWorkingMode(p: {
  preset: string | null; clusterMode: string; restartPersistency: string | null; sqlWriteMode: string | null;
}): Persistence {
  if (p.preset !== null) {
    switch (p.preset) {
      case 'single-instance-no-db': return { loadFromSql: false, writeMode: 'none' };
      case 'single-instance-sql-write-through': return { loadFromSql: true, writeMode: 'write-through' };
      case 'single-instance-sql-write-back': return { loadFromSql: true, writeMode: 'write-back' };
      default:
        throw new UsrlocConfigError(`working_mode_preset '${p.preset}' is not supported by tsips yet (supported: single-instance-no-db, single-instance-sql-write-through, single-instance-sql-write-back)`);
    }
  }
  if (p.clusterMode !== 'none') throw new UsrlocConfigError(`cluster_mode '${p.clusterMode}' is not supported by tsips yet (only 'none')`);
  const rp = p.restartPersistency ?? 'none';
  if (rp !== 'none' && rp !== 'load-from-sql') throw new UsrlocConfigError(`restart_persistency '${rp}' is not supported by tsips yet (none, load-from-sql)`);
  const loadFromSql = rp === 'load-from-sql';
  const wm = p.sqlWriteMode ?? (loadFromSql ? 'write-back' : 'none');
  if (wm !== 'none' && wm !== 'write-through' && wm !== 'write-back') throw new UsrlocConfigError(`sql_write_mode '${wm}' is not one of none, write-through, write-back`);
  return { loadFromSql, writeMode: wm };
}

export class UsrlocConfigError extends Error {
  constructor(message: string) {
    super(`usrloc: ${message}`);
    this.name = 'UsrlocConfigError';
  }
}

const COLUMN_PARAMS: Record<string, keyof LocationColumns> = {
  contact_id_column: 'contactId', user_column: 'user', domain_column: 'domain', contact_column: 'contact',
  expires_column: 'expires', q_column: 'q', callid_column: 'callid', cseq_column: 'cseq', flags_column: 'flags',
  cflags_column: 'cflags', user_agent_column: 'userAgent', received_column: 'received', path_column: 'path',
  socket_column: 'socket', methods_column: 'methods', sip_instance_column: 'sipInstance', kv_store_column: 'kvStore',
  attr_column: 'attr',
};

/** Names of the set bits, space-separated as OpenSIPS stores cflags; bits without a name are written as numbers. */
function flagNames(bits: number, tables: ScriptTables | null): string | null {
  if (bits === 0) return null;
  const byBit = new Map<number, string>();
  if (tables !== null) for (const [n, b] of tables.flagBits) byBit.set(b, n);
  const out: string[] = [];
  for (let b = 0; b < 32; b++) if ((bits >>> b) & 1) out.push(byBit.get(b) ?? String(b));
  return out.join(' ');
}

function flagBitsOf(names: string, tables: ScriptTables): number {
  let bits = 0;
  for (const n of names.split(/[\s,]+/)) {
    if (n === '') continue;
    const b = /^\d+$/.test(n) ? Number(n) : tables.flagBits.get(n);
    if (b !== undefined && b >= 0 && b < 32) bits |= 1 << b;
  }
  return bits >>> 0;
}

/** A fresh usrloc instance (state: its tables, database connection and timer). */
export function createUsrloc(): ModuleExports {
  const values = new Map<string, string | number>();
  const param = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  let env: ModuleEnv | null = null;
  let persistence: Persistence = { loadFromSql: false, writeMode: 'none' };
  let conn: DbConnection | null = null;
  let versionTable = 'version';
  let timer: NodeJS.Timeout | null = null;
  let eventCtx: ScriptContext | null = null;
  let tables: ScriptTables | null = null;
  const domains = new Map<string, UsrlocDomain>();
  const pending = new Map<string, Promise<UsrlocDomain>>();

  const now = (): number => env?.services.find(CORE)?.now() ?? Date.now();
  const log = (level: number, text: string): void => env?.log(level, text);

  const raise = (name: UsrlocEventName, params: Record<string, ScriptValue>): void => {
    const core = env?.services.find(CORE);
    if (name === 'E_UL_AOR_INSERT') core?.stat('usrloc:registered_users', 1);
    if (name === 'E_UL_AOR_DELETE') core?.stat('usrloc:registered_users', -1);
    if (eventCtx !== null) {
      eventCtx.raiseEvent(name, params);
      return;
    }
    // Timer expiries have no message: run event_route[NAME] directly when the script has one.
    if (core === undefined) return;
    let run: Promise<unknown>;
    try {
      run = core.runRoute('event', name, null, null, (ctx) => {
        ctx.namedParams = params;
      });
    } catch {
      return;
    }
    run.catch(() => undefined);
  };

  const columns = (): LocationColumns => {
    const cols: LocationColumns = { ...DEFAULT_COLUMNS };
    for (const [p, key] of Object.entries(COLUMN_PARAMS)) {
      const v = values.get(p);
      if (v !== undefined) (cols as unknown as Record<string, string | null>)[key] = String(v);
    }
    return cols;
  };

  const api: UsrlocApi = {
    domain: (name) => domains.get(name),
    registerDomain(name) {
      const have = domains.get(name);
      if (have !== undefined) return Promise.resolve(have);
      const p = pending.get(name);
      if (p !== undefined) return p;
      const job = (async () => {
        let backend: SqlLocationBackend | null = null;
        if (conn !== null) {
          await checkTableVersion(conn, name, LOCATION_TABLE_VERSION, versionTable);
          backend = new SqlLocationBackend(conn, name, columns(), param<number>('use_domain') !== 0, { names: (bits) => flagNames(bits, tables) });
        }
        const d = new UsrlocDomain({
          name, writeMode: persistence.writeMode, backend, descTimeOrder: param<number>('desc_time_order') !== 0,
          now, events: raise, flagText: (c) => flagNames(c.cflags, tables) ?? '',
        });
        if (persistence.loadFromSql) {
          const n = await d.load();
          log(3, `loaded ${n} contact(s) of ${d.size} AOR(s) from table '${name}'`);
          if (d.size > 0) env?.services.find(CORE)?.stat('usrloc:registered_users', d.size);
        }
        domains.set(name, d);
        return d;
      })();
      pending.set(name, job);
      job.then(() => pending.delete(name), () => pending.delete(name));
      return job;
    },
    get useDomain() {
      return param<number>('use_domain') !== 0;
    },
    get matchingMode() {
      return param<number>('matching_mode');
    },
    get cseqDelay() {
      return param<number>('cseq_delay');
    },
    natBflag(t) {
      const name = param<string | null>('nat_bflag');
      if (name === null) return -1;
      const b = /^\d+$/.test(name) ? Number(name) : t.flagBits.get(name);
      return b === undefined ? -1 : b;
    },
    contactBflags(c, t) {
      if (c.cflagNames !== null) {
        c.cflags = flagBitsOf(c.cflagNames, t);
        c.cflagNames = null;
      }
      return c.cflags;
    },
    withContext(ctx, fn) {
      tables = ctx.tables;
      const prev = eventCtx;
      eventCtx = ctx;
      try {
        return fn();
      } finally {
        eventCtx = prev;
      }
    },
    now,
  };

  const sweep = (): void => {
    const nowSec = Math.floor(now() / 1000);
    for (const d of domains.values()) {
      try {
        const r = d.expire(nowSec);
        const f = r instanceof Promise ? r.then(() => d.flush()) : d.flush();
        if (f instanceof Promise) f.catch((e: unknown) => log(-1, `timer on table '${d.name}': ${String(e)}`));
      } catch (e) {
        log(-1, `timer on table '${d.name}': ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };

  const findDomain = (table: string): UsrlocDomain => {
    const d = domains.get(table);
    if (d === undefined) throw new Error(`table '${table}' not found`);
    return d;
  };
  const contactJson = (d: UsrlocDomain, c: Ucontact): Record<string, unknown> => {
    const nowSec = Math.floor(now() / 1000);
    return {
      Contact: c.uri, ContactID: String(c.id),
      Expires: c.expires === 0 ? 'permanent' : c.expires <= nowSec ? 'deleted' : c.expires - nowSec,
      Q: c.q < 0 ? '' : c.q / 1000, Callid: c.callid, Cseq: c.cseq, 'User-agent': c.userAgent,
      Received: c.received ?? undefined, Path: c.path ?? undefined, State: c.state === 'clean' ? 'CS_SYNC' : c.state === 'new' ? 'CS_NEW' : 'CS_DIRTY',
      Flags: c.flags, Cflags: d.eventParams(c)['bflags'] ?? '', Socket: c.socket ?? undefined,
      Methods: c.methods ?? undefined, SIP_instance: c.sipInstance ?? undefined, Attr: c.attr ?? undefined,
    };
  };
  const miImpl: Record<string, MiExport['handler']> = {
    'usrloc:dump': (p) => {
      const brief = p['brief'] !== undefined && p['brief'] !== '0';
      return {
        Domains: [...domains.values()].map((d) => ({
          name: d.name, hash_size: 1 << param<number>('hash_size'),
          AORs: [...d.aors()].map((r) => (brief ? { AOR: r.aor, Contacts: r.contacts.map((c) => ({ Contact: c.uri, Expires: contactJson(d, c)['Expires'] })) }
            : { AOR: r.aor, Contacts: r.contacts.map((c) => contactJson(d, c)) })),
        })),
      };
    },
    'usrloc:show_contact': (p) => {
      const d = findDomain(p['table_name'] ?? '');
      const r = d.get(p['aor'] ?? '');
      if (r === undefined) throw new Error('AOR not found');
      return { AOR: r.aor, Contacts: r.contacts.map((c) => contactJson(d, c)) };
    },
    'usrloc:rm': async (p) => {
      const d = findDomain(p['table_name'] ?? '');
      if (d.get(p['aor'] ?? '') === undefined) throw new Error('AOR not found');
      await d.removeAor(p['aor']!);
      return 'OK';
    },
    'usrloc:rm_contact': async (p) => {
      const d = findDomain(p['table_name'] ?? '');
      const r = d.get(p['aor'] ?? '');
      if (r === undefined) throw new Error('AOR not found');
      const c = r.contacts.find((x) => x.uri === p['contact']);
      if (c === undefined) throw new Error('Contact not found');
      await d.remove(c);
      return 'OK';
    },
    'usrloc:flush': async () => {
      for (const d of domains.values()) await d.flush();
      return 'OK';
    },
  };

  const params: ModparamExport[] = DECLARED.params!.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } }));
  return {
    ...DECLARED,
    params,
    mi: DECLARED.mi!.map((m) => (miImpl[m.name] !== undefined ? implementedMi(m, miImpl[m.name]!) : m)),
    async init(e) {
      env = e;
      persistence = resolveWorkingMode({
        preset: (values.get('working_mode_preset') as string | undefined) ?? null,
        clusterMode: param<string>('cluster_mode'),
        restartPersistency: param<string | null>('restart_persistency'),
        sqlWriteMode: (values.get('sql_write_mode') as string | undefined) ?? null,
      });
      if (persistence.loadFromSql || persistence.writeMode !== 'none') {
        const dbm = dbManagerOf(e.services);
        versionTable = dbm.versionTable;
        conn = await dbm.open(dbm.resolveUrl(param<string | null>('db_url'), 'usrloc'));
      }
      e.services.provide(USRLOC, api);
      const secs = param<number>('timer_interval');
      if (secs > 0) {
        timer = setInterval(sweep, secs * 1000);
        timer.unref();
      }
    },
    async destroy() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      for (const d of domains.values()) {
        try {
          await d.flush();
        } catch (e) {
          log(-1, `flushing table '${d.name}' at shutdown: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (conn !== null) await conn.close();
      conn = null;
    },
  };
}

/** The usrloc table for checking scripts (no state is used until init). */
export const usrloc: ModuleExports = createUsrloc();
export { USRLOC, type UsrlocApi } from './api';
export { UsrlocDomain, type SqlWriteMode, type UsrlocEventName } from './domain';
export type { Ucontact, Urecord, ContactInfo } from './contact';
export { ALL_METHODS, METHOD_BITS, methodBit, methodsMask, isValid } from './contact';
export { SqlLocationBackend, DEFAULT_COLUMNS, type LocationBackend, type LocationColumns } from './backend';

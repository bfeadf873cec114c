/**
 * usrloc: the location table behind registrar. Bindings (AOR -> contacts) live in memory
 * and, depending on the working mode, are written through to the database so they survive
 * a restart. Contact changes raise E_UL_* events.
 */
import type { ModuleExports } from '@tsips/script';
import { column, event, fn, gauge, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { oneOf, outVar, staticStr, str } from '../shared/params';
import { ALL } from '../shared/routes';

const CONTACT_EVENT_PARAMS = [
  'domain', 'aor', 'uri', 'received', 'path', 'qval', 'user_agent', 'socket', 'bflags',
  'expires', 'callid', 'cseq', 'attr', 'latency', 'shtag',
] as const;

const domain = staticStr('domain');

export const usrloc: ModuleExports = {
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

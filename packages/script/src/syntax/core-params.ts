/**
 * Core parameter names of OpenSIPS 2.x to 4.x and the kind of value each
 * takes. In OpenSIPS every core parameter is a keyword of the grammar, so an
 * unknown name is a syntax error there; tsips parses `name = value`
 * generically and checks names and value kinds here, after the parse, with a
 * "did you mean" suggestion. Parameters renamed since 2.x are accepted with a
 * notice that shows the current spelling.
 */
import type * as A from './ast';
import { suggest, type Diagnostic } from './diagnostics';

/** What a parameter's value may be written as. */
export type CoreParamKind =
  | 'int'      // a number (hex/octal/negative allowed)
  | 'bool'     // yes/no/true/false/on/off or 0/1
  | 'string'   // a quoted string
  | 'name'     // a bare word or a string (LOG_LOCAL0, epoll, a directory)
  | 'address'  // an IP address, host name or string
  | 'int-or-name' // tos = 0x10 | IPTOS_LOWDELAY, flags by number or name
  | 'socket' | 'alias' | 'blacklist' | 'mem-group' | 'scaling-profile'; // own syntax

export interface CoreParamInfo {
  kind: CoreParamKind;
  /** Set for 2.x names that newer OpenSIPS spells differently. */
  renamedTo?: string;
}

const I = (kind: CoreParamKind, renamedTo?: string): CoreParamInfo => (renamedTo ? { kind, renamedTo } : { kind });

export const CORE_PARAMS: ReadonlyMap<string, CoreParamInfo> = new Map<string, CoreParamInfo>([
  // logging
  ['log_level', I('int')], ['debug', I('int', 'log_level')], ['xlog_level', I('int')], ['log_prefix', I('string')],
  ['log_stdout', I('bool')], ['log_stderror', I('bool', 'stderror_enabled')], ['stderror_enabled', I('bool')],
  ['syslog_enabled', I('bool')], ['log_event_enabled', I('bool')], ['stderror_level_filter', I('int')],
  ['syslog_level_filter', I('int')], ['log_event_level_filter', I('int')], ['stderror_log_format', I('string')],
  ['syslog_log_format', I('string')], ['log_json_buf_size', I('int')], ['log_msg_buf_size', I('int')],
  ['syslog_facility', I('name')], ['log_facility', I('name', 'syslog_facility')], ['syslog_name', I('string')],
  ['log_name', I('string', 'syslog_name')], ['xlog_buf_size', I('int')], ['xlog_force_color', I('bool')],
  ['xlog_print_level', I('int')], ['xlog_default_level', I('int', 'xlog_level')], ['pv_print_buf_size', I('int')],
  ['debug_mode', I('bool')], ['pi_framework', I('string')], ['enable_asserts', I('bool')], ['abort_on_assert', I('bool')],
  // processes
  ['udp_workers', I('int')], ['children', I('int', 'udp_workers')], ['tcp_workers', I('int')],
  ['tcp_children', I('int', 'tcp_workers')], ['timer_workers', I('int')], ['fork', I('bool')],
  ['auto_scaling_profile', I('scaling-profile')], ['auto_scaling_cycle', I('int')],
  ['worker_reactor_timeout', I('int')], ['workerreactortimeout', I('int')],
  // sockets and names
  ['socket', I('socket')], ['listen', I('socket', 'socket')], ['alias', I('alias')], ['auto_aliases', I('bool')],
  ['advertised_address', I('address')], ['advertised_port', I('int')], ['port', I('int')], ['mhomed', I('bool')],
  ['tos', I('int-or-name')], ['mcast_loopback', I('bool')], ['mcast_ttl', I('int')], ['check_via', I('bool')],
  ['reply_to_via', I('bool')], ['disable_tcp', I('bool')], ['disable_tls', I('bool')], ['disable_sctp', I('bool')],
  ['server_signature', I('bool')], ['server_header', I('string')], ['user_agent_header', I('string')],
  ['sip_warning', I('bool')], ['maxbuffer', I('int')],
  // dns and blacklists
  ['dns', I('bool')], ['rev_dns', I('bool')], ['dns_try_ipv6', I('bool')], ['dns_try_naptr', I('bool')],
  ['dns_retr_time', I('int')], ['dns_retr_no', I('int')], ['dns_servers_no', I('int')],
  ['dns_use_search_list', I('bool')], ['disable_dns_failover', I('bool')], ['disable_dns_blacklist', I('bool')],
  ['dst_blacklist', I('blacklist')], ['disable_stateless_fwd', I('bool')], ['disable_503_translation', I('bool')],
  // tcp
  ['tcp_accept_aliases', I('bool')], ['tcp_connect_timeout', I('int')], ['tcp_connection_lifetime', I('int')],
  ['tcp_socket_backlog', I('int')], ['tcp_listen_backlog', I('int', 'tcp_socket_backlog')],
  ['tcp_max_connections', I('int')], ['tcp_no_new_conn_bflag', I('int-or-name')],
  ['tcp_no_new_conn_rplflag', I('int-or-name')], ['tcp_keepalive', I('bool')], ['tcp_keepcount', I('int')],
  ['tcp_keepidle', I('int')], ['tcp_keepinterval', I('int')], ['tcp_max_msg_time', I('int')], ['tcp_threads', I('int')],
  ['tcp_threshold', I('int')], ['tcpthreshold', I('int')], ['poll_method', I('name')], ['tcp_poll_method', I('name', 'poll_method')],
  // memory and thresholds
  ['mem-group', I('mem-group')], ['mem_warming', I('bool')], ['mem_warming_enabled', I('bool')],
  ['mem_warming_pattern_file', I('string')], ['mem_warming_percentage', I('int')],
  ['restart_persistency_cache_file', I('string')], ['restart_persistency_size', I('int')],
  ['memlog', I('int')], ['mem_log', I('int')], ['memdump', I('int')], ['mem_dump', I('int')], ['shm_memlog_size', I('int')],
  ['shm_hash_split_percentage', I('int')], ['shm_secondary_hash_size', I('int')],
  ['exec_msg_threshold', I('int')], ['execmsgthreshold', I('int')], ['exec_dns_threshold', I('int')],
  ['execdnsthreshold', I('int')], ['event_shm_threshold', I('int')], ['event_pkg_threshold', I('int')],
  ['query_buffer_size', I('int')], ['query_flush_time', I('int')], ['max_while_loops', I('int')],
  // process environment
  ['chroot', I('name')], ['workdir', I('name')], ['wdir', I('name')], ['user', I('name')], ['uid', I('name')],
  ['group', I('name')], ['gid', I('name')], ['disable_core_dump', I('bool')], ['open_files_limit', I('int')],
  ['db_version_table', I('string')], ['db_default_url', I('string')], ['db_max_async_connections', I('int')],
]);

function fits(kind: CoreParamKind, v: A.CoreParamValue): boolean {
  switch (kind) {
    case 'int':
    case 'bool':
      return v.kind === 'Number';
    case 'string':
      return v.kind === 'String';
    case 'name':
      return v.kind === 'Word' || v.kind === 'String';
    case 'address':
      return v.kind === 'Ip' || v.kind === 'Word' || v.kind === 'String';
    case 'int-or-name':
      return v.kind === 'Number' || v.kind === 'Word' || v.kind === 'String';
    case 'socket':
      return v.kind === 'Socket' || v.kind === 'SocketBond';
    case 'alias':
      return v.kind === 'Alias';
    case 'blacklist':
      return v.kind === 'Blacklist';
    case 'mem-group':
      return v.kind === 'MemGroup';
    case 'scaling-profile':
      return v.kind === 'ScalingProfile';
  }
}

const KIND_WORDS: Record<CoreParamKind, string> = {
  int: 'a number',
  bool: 'yes or no (or 1/0)',
  string: 'a quoted string',
  name: 'a name or a quoted string',
  address: 'an IP address or a host name',
  'int-or-name': 'a number or a name',
  socket: 'a socket such as udp:192.0.2.10:5060',
  alias: 'host names, optionally proto:host:port',
  blacklist: 'NAME:{ (proto, ip, port, "pattern"), ... }',
  'mem-group': '"group": "module" ...',
  'scaling-profile': 'NAME scale up to N on P% for C cycles ...',
};

/** Names, value kinds and old spellings of the core parameters of a parsed script. */
export function checkCoreParams(items: readonly A.TopLevelItem[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const item of items) {
    if (item.kind !== 'CoreParam') continue;
    const info = CORE_PARAMS.get(item.name);
    if (info === undefined) {
      const near = suggest(item.name, CORE_PARAMS.keys());
      out.push({
        severity: 'error',
        message: `unknown core parameter '${item.name}'`,
        loc: item.nameLoc,
        expected: 'a core parameter of OpenSIPS (log_level, udp_workers, socket, ...)',
        ...(near !== undefined ? { suggestion: near } : {}),
      });
      continue;
    }
    if (!fits(info.kind, item.value)) {
      out.push({
        severity: 'error',
        message: `'${item.name}' takes ${KIND_WORDS[info.kind]}`,
        loc: item.value.loc,
        expected: KIND_WORDS[info.kind],
      });
      continue;
    }
    if (info.kind === 'bool' && item.value.kind === 'Number' && item.value.value !== 0 && item.value.value !== 1) {
      out.push({ severity: 'error', message: `'${item.name}' is yes or no, not ${item.value.raw}`, loc: item.value.loc, expected: 'yes, no, 1 or 0' });
    }
    if (info.renamedTo !== undefined) {
      out.push({
        severity: 'notice',
        message: `'${item.name}' is the OpenSIPS 2.x name of '${info.renamedTo}'`,
        loc: item.nameLoc,
        suggestion: info.renamedTo,
      });
    }
  }
  return out;
}

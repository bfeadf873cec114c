/**
 * proto_tls: SIP over TLS (RFC 3261 section 26.2). Certificates and TLS domains come from
 * tls_mgm; this module is the transport. Loading it makes `socket=tls:...` usable.
 */
import type { ModuleExports } from '@tsips/script';
import { intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';

export const proto_tls: ModuleExports = {
  name: 'proto_tls',
  params: [
    intParam('tls_port', 5061, 'Port of TLS sockets and TLS destinations that do not name one.'),
    intParam('tls_crlf_pingpong', 1, 'Answer CRLFCRLF keepalives with CRLF.'),
    intParam('tls_crlf_drop', 0, 'Silently drop CRLF keepalives.'),
    intParam('tls_max_msg_chunks', 4, 'Reads a message may arrive in before the sender is treated as an attacker.'),
    intParam('tls_send_timeout', 100, 'Milliseconds a blocking send may take.'),
    intParam('tls_handshake_timeout', 100, 'Milliseconds a TLS handshake may take.'),
    strParam('trace_destination', null, 'Tracing destination (proto_hep).'),
    intParam('tls_async', 1, 'Connect and write without blocking the worker.'),
    intParam('tls_async_max_postponed_chunks', 32, 'Pending write chunks per connection before it is closed.'),
    intParam('trace_on', 0, 'Trace connection events.'),
    strParam('trace_filter_route', null, 'Route deciding which connections are traced.'),
    intParam('cert_check_on_conn_reusage', 0, 'Check that a reused connection matches the TLS domain of the new request.'),
  ],
  mi: [
    mi('proto_tls', 'trace', { aliases: ['tls:trace', 'tls_trace'], params: [{ name: 'trace_mode', optional: true }], reason: ISSUE.unscheduled, doc: 'Shows or switches connection tracing.' }),
  ],
  dependencies: ['tls_mgm'],
};

/**
 * proto_tcp: the TCP transport (stream framing by Content-Length, CRLF keepalives,
 * asynchronous writes). Loading it makes `socket=tcp:...` usable.
 */
import type { ModuleExports } from '@tsips/script';
import { intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';

export const proto_tcp: ModuleExports = {
  name: 'proto_tcp',
  params: [
    intParam('tcp_port', 5060, 'Port of TCP sockets and TCP destinations that do not name one.'),
    intParam('tcp_send_timeout', 100, 'Milliseconds a blocking send may take before the connection is dropped.'),
    intParam('tcp_max_msg_chunks', 4, 'Reads a message may arrive in before the sender is treated as an attacker.'),
    intParam('tcp_crlf_pingpong', 1, 'Answer a CRLFCRLF keepalive with CRLF (RFC 5626).'),
    intParam('tcp_crlf_drop', 0, 'Silently drop CRLF keepalives.'),
    intParam('tcp_async', 1, 'Connect and write without blocking the worker.'),
    intParam('tcp_async_max_postponed_chunks', 32, 'Pending write chunks per connection before it is closed.'),
    intParam('tcp_async_local_write_timeout', 10, 'Milliseconds a worker tries to write before handing the rest off.'),
    strParam('trace_destination', null, 'Tracing destination (proto_hep) for connection events.'),
    intParam('trace_on', 0, 'Trace connection events.'),
    strParam('trace_filter_route', null, 'Route deciding which connections are traced.'),
  ],
  mi: [
    mi('proto_tcp', 'trace', { aliases: ['tcp:trace', 'tcp_trace'], params: [{ name: 'trace_mode', optional: true }], reason: ISSUE.unscheduled, doc: 'Shows or switches connection tracing.' }),
  ],
};

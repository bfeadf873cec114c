import { checkScript, createModuleRegistry, parseScript, type ModuleExports } from '@tsips/script';
import { readCoreConfig } from './config';

const modules: ModuleExports[] = [
  { name: 'proto_udp' },
  { name: 'proto_tcp', params: [{ name: 'tcp_max_msg_chunks', type: 'int' }, { name: 'tcp_crlf_pingpong', type: 'int' }] },
  { name: 'proto_tls' },
  { name: 'proto_sctp' },
];

function config(text: string): ReturnType<typeof readCoreConfig> {
  const loaded = parseScript(`loadmodule "proto_udp.so"\nloadmodule "proto_tcp.so"\nloadmodule "proto_tls.so"\n${text}\nroute { exit; }\n`);
  const checked = checkScript(loaded.script, createModuleRegistry(modules));
  if (checked.compiled === null) throw new Error(checked.diagnostics.map((d) => d.message).join('; '));
  return readCoreConfig(checked.compiled);
}

describe('readCoreConfig', () => {
  it('reads sockets with default ports, advertised addresses and aliases', () => {
    const c = config(`
socket = udp:192.0.2.1
socket = tls:192.0.2.1 as 203.0.113.5:5061
listen = tcp:192.0.2.1:5070
alias = sip.example.com
advertised_port = 5999`);
    expect(c.sockets).toEqual([
      { proto: 'udp', host: '192.0.2.1', port: 5060, advertisedAddress: null, advertisedPort: 5999 },
      { proto: 'tls', host: '192.0.2.1', port: 5061, advertisedAddress: '203.0.113.5', advertisedPort: 5061 },
      { proto: 'tcp', host: '192.0.2.1', port: 5070, advertisedAddress: null, advertisedPort: 5999 },
    ]);
    expect(c.aliases).toEqual([{ host: 'sip.example.com', port: null, proto: null }]);
  });

  it('defaults the Server header to "Server: tsips" without a version; server_header replaces it', () => {
    expect(config('socket = udp:127.0.0.1').serverHeader).toBe('Server: tsips');
    expect(config('socket = udp:127.0.0.1\nserver_header = "Server: edge"').serverHeader).toBe('Server: edge');
    expect(config('socket = udp:127.0.0.1\nserver_signature = no').serverHeader).toBeNull();
  });

  it('reads maxbuffer as the UDP receive buffer size (default 4 MiB)', () => {
    expect(config('socket = udp:127.0.0.1').udpMaxBuffer).toBe(4 * 1024 * 1024);
    expect(config('socket = udp:127.0.0.1\nmaxbuffer = 1048576').udpMaxBuffer).toBe(1048576);
  });

  it('reads the TCP limits under their OpenSIPS names', () => {
    const c = config(`socket = tcp:127.0.0.1
tcp_connection_lifetime = 30
tcp_max_connections = 100
tcp_connect_timeout = 2
tcp_max_msg_time = 6
modparam("proto_tcp", "tcp_max_msg_chunks", 8)
modparam("proto_tcp", "tcp_crlf_pingpong", 0)
log_level = 1`);
    expect([c.tcpConnectionLifetime, c.tcpMaxConnections, c.tcpConnectTimeoutMs, c.tcpMaxMsgTime, c.tcpMaxMsgChunks, c.tcpCrlfPingpong, c.logLevel]).toEqual([30, 100, 2000, 6, 8, false, 1]);
  });
});

/**
 * The core's view of a checked script's top level: sockets, aliases, names, logging and
 * transport limits, read once at start (never per message).
 */
import type { CompiledScript, CoreParam, SocketAddress } from '@tsips/script';
import type { Proto } from './api';

export interface SocketSpec {
  proto: Proto;
  /** Host as written: an IP literal, a host name, or `*` (every local IPv4 address). */
  host: string;
  /** 0: any free port (tests). */
  port: number;
  advertisedAddress: string | null;
  advertisedPort: number | null;
}

export interface AliasSpec {
  host: string;
  port: number | null;
  proto: string | null;
}

export interface CoreConfig {
  sockets: SocketSpec[];
  aliases: AliasSpec[];
  logLevel: number;
  /** Full header line text without CRLF ("Server: tsips"), null when disabled. */
  serverHeader: string | null;
  userAgentHeader: string | null;
  /** Seconds a TCP/TLS connection may stay idle (OpenSIPS tcp_connection_lifetime, default 120). */
  tcpConnectionLifetime: number;
  /** Most TCP/TLS connections at once (tcp_max_connections, default 2048). */
  tcpMaxConnections: number;
  /** Seconds to wait for an outgoing connection (tcp_connect_timeout; OpenSIPS has ms, tsips accepts both). */
  tcpConnectTimeoutMs: number;
  /** Seconds a message may take to arrive completely on a stream (tcp_max_msg_time, default 4). */
  tcpMaxMsgTime: number;
  /** proto_tcp tcp_max_msg_chunks: reads one message may take (default 4 in OpenSIPS; 0 = no limit). */
  tcpMaxMsgChunks: number;
  /** proto_tcp tcp_crlf_pingpong: answer CRLFCRLF keepalives with CRLF. */
  tcpCrlfPingpong: boolean;
  /** Stateless forwarding allowed (disable_stateless_fwd = no). */
  statelessForwarding: boolean;
  /** dns = no: never resolve host names in URIs (only IP literals work). */
  dnsEnabled: boolean;
  /**
   * maxbuffer: the UDP receive buffer asked of the kernel, bytes (it caps the request at
   * net.core.rmem_max). tsips default 4 MiB, not OpenSIPS's 256 KiB: one event loop serves
   * every message, so a burst or a GC pause must fit in the socket queue.
   */
  udpMaxBuffer: number;
}

const PROTOS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls']);

function num(p: CoreParam): number | null {
  return p.value.kind === 'Number' ? p.value.value : null;
}

function text(p: CoreParam): string | null {
  const v = p.value;
  if (v.kind === 'String') return v.value;
  if (v.kind === 'Word') return v.text;
  if (v.kind === 'Ip') return v.address;
  if (v.kind === 'Number') return v.raw;
  return null;
}

function defaultPort(proto: Proto): number {
  return proto === 'tls' ? 5061 : 5060;
}

/** Header text from server_header / user_agent_header: OpenSIPS takes the whole line ("Server: x"). */
function headerLine(value: string, name: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  return /^[A-Za-z-]+\s*:/.test(v) ? v : `${name}: ${v}`;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function readCoreConfig(compiled: CompiledScript): CoreConfig {
  const cfg: CoreConfig = {
    sockets: [],
    aliases: [],
    logLevel: 3,
    serverHeader: 'Server: tsips',
    userAgentHeader: 'User-Agent: tsips',
    tcpConnectionLifetime: 120,
    tcpMaxConnections: 2048,
    tcpConnectTimeoutMs: 100_000,
    tcpMaxMsgTime: 4,
    tcpMaxMsgChunks: 4,
    tcpCrlfPingpong: true,
    statelessForwarding: true,
    dnsEnabled: true,
    udpMaxBuffer: 4 * 1024 * 1024,
  };
  let advertisedAddress: string | null = null;
  let advertisedPort: number | null = null;
  let connectTimeoutSet = false;
  const pending: Array<{ addr: SocketAddress; as: SocketAddress | null }> = [];
  for (const p of compiled.coreParams) {
    switch (p.name.toLowerCase()) {
      case 'socket':
      case 'listen':
        if (p.value.kind === 'Socket') {
          const as = p.value.options.find((o) => o.name === 'as');
          pending.push({ addr: p.value.address, as: as !== undefined && typeof as.value === 'object' && as.value !== null ? as.value : null });
        }
        break;
      case 'alias':
        if (p.value.kind === 'Alias') for (const e of p.value.entries) cfg.aliases.push({ host: e.address.host, port: e.address.port, proto: e.address.proto });
        break;
      case 'log_level':
      case 'debug':
        if (num(p) !== null) cfg.logLevel = num(p)!;
        break;
      case 'server_header': {
        const t = text(p);
        if (t !== null) cfg.serverHeader = headerLine(t, 'Server');
        break;
      }
      case 'user_agent_header': {
        const t = text(p);
        if (t !== null) cfg.userAgentHeader = headerLine(t, 'User-Agent');
        break;
      }
      case 'server_signature':
        if (num(p) === 0) cfg.serverHeader = null;
        break;
      case 'advertised_address':
        advertisedAddress = text(p);
        break;
      case 'advertised_port':
        advertisedPort = num(p);
        break;
      case 'tcp_connection_lifetime':
        if (num(p) !== null && num(p)! > 0) cfg.tcpConnectionLifetime = num(p)!;
        break;
      case 'tcp_max_connections':
        if (num(p) !== null && num(p)! > 0) cfg.tcpMaxConnections = num(p)!;
        break;
      case 'tcp_connect_timeout':
        if (num(p) !== null && num(p)! > 0) {
          // OpenSIPS 3.x counts milliseconds; small values are taken as the older seconds.
          cfg.tcpConnectTimeoutMs = num(p)! < 100 ? num(p)! * 1000 : num(p)!;
          connectTimeoutSet = true;
        }
        break;
      case 'tcp_max_msg_time':
        if (num(p) !== null && num(p)! > 0) cfg.tcpMaxMsgTime = num(p)!;
        break;
      case 'disable_stateless_fwd':
        cfg.statelessForwarding = num(p) !== 1;
        break;
      case 'dns':
        cfg.dnsEnabled = num(p) !== 0;
        break;
      case 'maxbuffer':
        if (num(p) !== null && num(p)! > 0) cfg.udpMaxBuffer = num(p)!;
        break;
      default:
        break;
    }
  }
  if (!connectTimeoutSet) cfg.tcpConnectTimeoutMs = 10_000;
  for (const m of compiled.modparams) {
    if (m.module === 'proto_tcp' && m.param === 'tcp_max_msg_chunks' && typeof m.value === 'number') cfg.tcpMaxMsgChunks = m.value;
    if (m.module === 'proto_tcp' && m.param === 'tcp_crlf_pingpong' && typeof m.value === 'number') cfg.tcpCrlfPingpong = m.value !== 0;
  }
  for (const { addr, as } of pending) {
    const proto = (addr.proto ?? 'udp').toLowerCase();
    if (!PROTOS.has(proto)) {
      throw new ConfigError(`socket ${proto}:${addr.host}: tsips has no ${proto} transport yet (udp, tcp and tls are supported)`);
    }
    if (addr.portRanges !== null && addr.portRanges.length > 0) {
      for (const r of addr.portRanges) {
        for (let port = r.from; port <= r.to; port++) {
          cfg.sockets.push({ proto: proto as Proto, host: addr.host, port, advertisedAddress: as?.host ?? advertisedAddress, advertisedPort: as?.port ?? advertisedPort });
        }
      }
      continue;
    }
    cfg.sockets.push({
      proto: proto as Proto,
      host: addr.host,
      port: addr.port ?? defaultPort(proto as Proto),
      advertisedAddress: as?.host ?? advertisedAddress,
      advertisedPort: as?.port ?? advertisedPort,
    });
  }
  return cfg;
}

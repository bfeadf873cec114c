/**
 * TCP and TLS transports (RFC 3261 §18.3): messages framed by Content-Length
 * (@tsips/sip StreamFramer), one connection reused per remote address in both directions,
 * idle connections closed after tcp_connection_lifetime, and limits that keep a flood of
 * connections or a slow sender from exhausting the process: a total and a per-IP number of
 * connections, a maximum message size, a maximum number of reads and a maximum time per
 * message (tcp_max_msg_chunks, tcp_max_msg_time).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ParseError, StreamFramer } from '@tsips/sip';
import type { Destination, LocalSocket, Proto } from '../api';
import type { CoreReceiveInfo, MessageHandler, StreamConnectionRef, Transport, TransportLog } from './types';
import { socketName } from './udp';

const L_ERR = -1;
const L_WARN = 1;
const L_DBG = 4;
const CRLF = Buffer.from('\r\n', 'latin1');

export interface StreamLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  idleMs: number;
  maxMessageSize: number;
  /** 0: no limit. */
  maxMsgChunks: number;
  maxMsgTimeMs: number;
  connectTimeoutMs: number;
  crlfPingpong: boolean;
}

function key(proto: Proto, ip: string, port: number): string {
  return `${proto}|${ip}|${port}`;
}

/** Every stream connection of the server (all TCP and TLS sockets), with the counts the limits need. */
export class ConnectionTable {
  private readonly byKey = new Map<string, StreamConnection>();
  private readonly perIp = new Map<string, number>();
  private readonly all = new Set<StreamConnection>();
  rejected = 0;

  get size(): number {
    return this.all.size;
  }

  countFor(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  add(c: StreamConnection): void {
    this.all.add(c);
    this.perIp.set(c.remoteIp, this.countFor(c.remoteIp) + 1);
    this.byKey.set(key(c.proto, c.remoteIp, c.remotePort), c);
  }

  alias(c: StreamConnection, ip: string, port: number): void {
    const k = key(c.proto, ip, port);
    const prev = this.byKey.get(k);
    if (prev === undefined || prev.closed) {
      this.byKey.set(k, c);
      c.aliases.push(k);
    }
  }

  remove(c: StreamConnection): void {
    if (!this.all.delete(c)) return;
    const n = this.countFor(c.remoteIp) - 1;
    if (n <= 0) this.perIp.delete(c.remoteIp);
    else this.perIp.set(c.remoteIp, n);
    const k = key(c.proto, c.remoteIp, c.remotePort);
    if (this.byKey.get(k) === c) this.byKey.delete(k);
    for (const a of c.aliases) if (this.byKey.get(a) === c) this.byKey.delete(a);
  }

  find(proto: Proto, ip: string, port: number): StreamConnection | undefined {
    const c = this.byKey.get(key(proto, ip, port));
    return c === undefined || c.closed ? undefined : c;
  }

  connections(): StreamConnection[] {
    return [...this.all];
  }
}

let nextId = 1;

export class StreamConnection implements StreamConnectionRef {
  readonly id = nextId++;
  readonly aliases: string[] = [];
  closed = false;
  private readonly framer: StreamFramer;
  private readonly rcv: CoreReceiveInfo;
  /** Reads spent on the message being received, and when its first byte came. */
  private chunks = 0;
  private partialSince = 0;
  private keepalives = 0;

  constructor(
    readonly proto: Proto,
    readonly sock: net.Socket,
    readonly remoteIp: string,
    readonly remotePort: number,
    private readonly transport: StreamTransport,
  ) {
    this.framer = new StreamFramer({ maxMessageSize: transport.limits.maxMessageSize });
    this.rcv = {
      srcIp: remoteIp,
      srcPort: remotePort,
      proto,
      dstIp: transport.socket.address,
      dstPort: transport.socket.port,
      socket: transport.socket,
      conn: this,
    };
    sock.setNoDelay(true);
    sock.setTimeout(transport.limits.idleMs, () => this.destroy('idle for tcp_connection_lifetime'));
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (err) => transport.log(L_DBG, `${proto} connection ${remoteIp}:${remotePort}: ${err.message}`));
    sock.on('close', () => {
      this.closed = true;
      transport.table.remove(this);
    });
  }

  addAlias(ip: string, port: number): void {
    if (ip === this.remoteIp && port === this.remotePort) return;
    this.transport.table.alias(this, ip, port);
  }

  private onData(chunk: Buffer): void {
    let msgs: Buffer[];
    try {
      msgs = this.framer.push(chunk);
    } catch (e) {
      if (e instanceof ParseError) {
        this.transport.badStream(this, e.message);
        this.destroy(e.message);
        return;
      }
      throw e;
    }
    const limits = this.transport.limits;
    if (this.framer.keepalives !== this.keepalives) {
      const n = this.framer.keepalives - this.keepalives;
      this.keepalives = this.framer.keepalives;
      if (limits.crlfPingpong) for (let i = 0; i < n; i++) this.sock.write(CRLF);
    }
    for (let i = 0; i < msgs.length; i++) this.transport.handler(msgs[i]!, this.rcv);
    if (this.framer.buffered === 0) {
      this.chunks = 0;
      this.partialSince = 0;
      return;
    }
    // A message is pending: count the reads it takes and the time since its first byte.
    if (this.chunks === 0 || msgs.length > 0) {
      this.chunks = 1;
      this.partialSince = Date.now();
    } else this.chunks++;
    if (limits.maxMsgChunks > 0 && this.chunks > limits.maxMsgChunks) {
      this.transport.badStream(this, `message still incomplete after ${limits.maxMsgChunks} reads (tcp_max_msg_chunks)`);
      this.destroy('too many reads for one message');
    } else if (Date.now() - this.partialSince > limits.maxMsgTimeMs) {
      this.transport.badStream(this, `message still incomplete after ${limits.maxMsgTimeMs / 1000} s (tcp_max_msg_time)`);
      this.destroy('message too slow');
    }
  }

  write(data: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.proto} connection to ${this.remoteIp}:${this.remotePort} is closed`));
    return new Promise((resolve, reject) => {
      this.sock.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  destroy(reason: string): void {
    if (this.closed) return;
    this.transport.log(L_DBG, `closing ${this.proto} connection ${this.remoteIp}:${this.remotePort}: ${reason}`);
    this.closed = true;
    this.transport.table.remove(this);
    this.sock.destroy();
  }
}

export class StreamTransport implements Transport {
  private server: net.Server | null = null;
  /** TLS: raw TCP connections (handshaking or established) per source IP, limited before any handshake work. */
  private readonly rawPerIp = new Map<string, number>();
  private rawTotal = 0;
  /** TLS connections past their handshake (counted in both rawTotal and the table). */
  private tlsEstablished = 0;

  constructor(
    readonly socket: LocalSocket,
    readonly table: ConnectionTable,
    readonly limits: StreamLimits,
    readonly handler: MessageHandler,
    readonly log: TransportLog,
    private readonly tlsServer: tls.TlsOptions | null = null,
    private readonly tlsClient: ((dest: Destination) => tls.ConnectionOptions) | null = null,
  ) {}

  /** Logs a stream that cannot be framed or abuses the limits (rate limited by the caller's logger). */
  badStream(c: StreamConnection, why: string): void {
    this.log(L_WARN, `${c.proto} connection from ${c.remoteIp}:${c.remotePort} closed: ${why}`);
  }

  open(): Promise<void> {
    const onConn = (sock: net.Socket): void => this.accept(sock);
    const isTls = this.socket.proto === 'tls';
    // A handshake costs CPU: connections over the limits are refused before it starts, and
    // one that does not finish its handshake in time is dropped.
    const server = isTls
      ? tls.createServer({ handshakeTimeout: Math.max(this.limits.maxMsgTimeMs, 5000), ...(this.tlsServer ?? {}) }, onConn)
      : net.createServer(onConn);
    this.server = server;
    if (isTls) {
      server.on('connection', (raw: net.Socket) => this.admitRaw(raw));
      server.on('tlsClientError', (err: Error, sock: tls.TLSSocket) => {
        this.log(L_WARN, `TLS handshake with ${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'} failed: ${err.message}`);
        sock.destroy();
      });
    }
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => reject(new Error(`cannot listen on ${this.socket.name}: ${err.message}`));
      server.once('error', fail);
      server.listen({ port: this.socket.port, host: this.socket.address, backlog: 1024 }, () => {
        server.removeListener('error', fail);
        server.on('error', (err) => this.log(L_ERR, `${this.socket.name}: ${err.message}`));
        const addr = server.address() as net.AddressInfo;
        if (addr.port !== this.socket.port) {
          (this.socket as { port: number }).port = addr.port;
          (this.socket as { name: string }).name = socketName(this.socket.proto, this.socket.address, addr.port);
        }
        resolve();
      });
    });
  }

  /** TLS only: counts the TCP connection under the limits before its handshake. */
  private admitRaw(raw: net.Socket): void {
    const ip = normalizeIp(raw.remoteAddress ?? '');
    const l = this.limits;
    const n = this.rawPerIp.get(ip) ?? 0;
    if (this.rawTotal + this.table.size - this.tlsEstablished >= l.maxConnections || n >= l.maxConnectionsPerIp) {
      this.table.rejected++;
      this.log(L_WARN, `tls connection from ${ip}:${raw.remotePort ?? 0} refused: ${n >= l.maxConnectionsPerIp ? 'per-IP connection limit' : 'tcp_max_connections'} reached`);
      raw.destroy();
      return;
    }
    this.rawPerIp.set(ip, n + 1);
    this.rawTotal++;
    raw.once('close', () => {
      this.rawTotal--;
      const m = (this.rawPerIp.get(ip) ?? 1) - 1;
      if (m <= 0) this.rawPerIp.delete(ip);
      else this.rawPerIp.set(ip, m);
    });
  }

  private accept(sock: net.Socket): void {
    const ip = normalizeIp(sock.remoteAddress ?? '');
    const port = sock.remotePort ?? 0;
    const l = this.limits;
    // TLS connections were counted (and limited) before their handshake.
    if (this.socket.proto !== 'tls' && (this.table.size >= l.maxConnections || this.table.countFor(ip) >= l.maxConnectionsPerIp)) {
      this.table.rejected++;
      this.log(L_WARN, `${this.socket.proto} connection from ${ip}:${port} refused: ${this.table.size >= l.maxConnections ? 'tcp_max_connections' : 'per-IP connection limit'} reached`);
      sock.destroy();
      return;
    }
    this.table.add(new StreamConnection(this.socket.proto, sock, ip, port, this));
    if (this.socket.proto === 'tls') {
      this.tlsEstablished++;
      sock.once('close', () => this.tlsEstablished--);
    }
  }

  send(dest: Destination, data: Buffer): true | Promise<void> {
    const existing = this.table.find(this.socket.proto, dest.address, dest.port);
    if (existing !== undefined) return existing.write(data);
    return this.connect(dest).then((c) => c.write(data));
  }

  private connect(dest: Destination): Promise<StreamConnection> {
    if (this.table.size >= this.limits.maxConnections) {
      return Promise.reject(new Error(`tcp_max_connections (${this.limits.maxConnections}) reached`));
    }
    return new Promise((resolve, reject) => {
      const opts: net.TcpNetConnectOpts = { host: dest.address, port: dest.port };
      if (this.socket.address !== '0.0.0.0' && this.socket.address !== '::') opts.localAddress = this.socket.address;
      let sock: net.Socket;
      const ready = this.socket.proto === 'tls' ? 'secureConnect' : 'connect';
      if (this.socket.proto === 'tls') {
        sock = tls.connect({ ...opts, ...(this.tlsClient?.(dest) ?? {}) });
      } else sock = net.connect(opts);
      // Registered at once so that sends racing the handshake share this connection.
      const c = new StreamConnection(this.socket.proto, sock, dest.address, dest.port, this);
      this.table.add(c);
      const timer = setTimeout(() => {
        c.destroy('connect timeout');
        reject(new Error(`${this.socket.proto} connect to ${dest.address}:${dest.port} timed out`));
      }, this.limits.connectTimeoutMs);
      sock.once(ready, () => {
        clearTimeout(timer);
        resolve(c);
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        c.destroy(err.message);
        reject(new Error(`${this.socket.proto} connect to ${dest.address}:${dest.port} failed: ${err.message}`));
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of this.table.connections()) if (c.proto === this.socket.proto) c.destroy('server stopping');
    if (server === null) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

/** "::ffff:1.2.3.4" (IPv4 on a dual-stack socket) -> "1.2.3.4". */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

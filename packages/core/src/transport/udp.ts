import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Destination, LocalSocket } from '../api';
import type { CoreReceiveInfo, MessageHandler, Transport, TransportLog } from './types';

const L_ERR = -1;
const L_WARN = 1;

/** One UDP socket (node:dgram). Receive path: one bound handler, one ReceiveInfo per datagram. */
export class UdpTransport implements Transport {
  private sock: dgram.Socket | null = null;
  private readonly onMessage: (buf: Buffer, rinfo: dgram.RemoteInfo) => void;
  private readonly onSendDone: (err: Error | null) => void;

  constructor(
    readonly socket: LocalSocket,
    private readonly handler: MessageHandler,
    private readonly log: TransportLog,
    /** SO_RCVBUF asked of the kernel (core param maxbuffer); 0 keeps the system default. */
    private readonly recvBufferSize = 0,
  ) {
    this.onMessage = (buf, rinfo) => {
      const rcv: CoreReceiveInfo = {
        srcIp: rinfo.address,
        srcPort: rinfo.port,
        proto: 'udp',
        dstIp: this.socket.address,
        dstPort: this.socket.port,
        socket: this.socket,
        conn: null,
      };
      this.handler(buf, rcv);
    };
    this.onSendDone = (err) => {
      if (err) this.log(L_ERR, `udp send from ${this.socket.name} failed: ${err.message}`);
    };
  }

  open(): Promise<void> {
    const type = net.isIPv6(this.socket.address) ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, reuseAddr: false });
    this.sock = sock;
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        sock.close();
        reject(new Error(`cannot listen on ${this.socket.name}: ${err.message}`));
      };
      sock.once('error', fail);
      sock.bind(this.socket.port, this.socket.address, () => {
        sock.removeListener('error', fail);
        sock.on('error', (err) => this.log(L_ERR, `udp socket ${this.socket.name}: ${err.message}`));
        sock.on('message', this.onMessage);
        this.growReceiveBuffer(sock);
        const port = sock.address().port;
        if (this.socket.port !== port) {
          (this.socket as { port: number }).port = port;
          (this.socket as { name: string }).name = socketName('udp', this.socket.address, port);
        }
        resolve();
      });
    });
  }

  /**
   * A datagram that arrives while the event loop is busy (a burst, a GC pause) waits in the
   * socket's receive queue; when the queue is full the kernel drops it (RcvbufErrors) and the
   * peer retransmits 500 ms later. The system default (net.core.rmem_default, ~208 KiB)
   * holds only about a hundred messages, so ask for more; the kernel caps the request at
   * net.core.rmem_max.
   */
  private growReceiveBuffer(sock: dgram.Socket): void {
    if (this.recvBufferSize <= 0) return;
    try {
      // Linux reports twice what was set (bookkeeping overhead included).
      if (sock.getRecvBufferSize() < this.recvBufferSize) sock.setRecvBufferSize(this.recvBufferSize);
    } catch (e) {
      this.log(L_WARN, `udp socket ${this.socket.name}: cannot set the receive buffer to ${this.recvBufferSize} bytes: ${(e as Error).message}`);
    }
  }

  /** The receive buffer the kernel granted, bytes (as getsockopt reports it). */
  receiveBufferSize(): number {
    return this.sock === null ? 0 : this.sock.getRecvBufferSize();
  }

  send(dest: Destination, data: Buffer): true | Promise<void> {
    const sock = this.sock;
    if (sock === null) return Promise.reject(new Error(`${this.socket.name} is closed`));
    sock.send(data, dest.port, dest.address, this.onSendDone);
    return true;
  }

  /** Sends and reports the outcome (for callers that need to know). */
  sendChecked(dest: Destination, data: Buffer): Promise<void> {
    const sock = this.sock;
    if (sock === null) return Promise.reject(new Error(`${this.socket.name} is closed`));
    return new Promise((resolve, reject) => sock.send(data, dest.port, dest.address, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    const sock = this.sock;
    this.sock = null;
    if (sock === null) return Promise.resolve();
    return new Promise((resolve) => sock.close(() => resolve()));
  }
}

export function socketName(proto: string, address: string, port: number): string {
  return `${proto}:${net.isIPv6(address) ? `[${address}]` : address}:${port}`;
}

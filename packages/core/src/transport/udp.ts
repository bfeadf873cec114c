import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Destination, LocalSocket } from '../api';
import type { CoreReceiveInfo, MessageHandler, Transport, TransportLog } from './types';

const L_ERR = -1;

/** One UDP socket (node:dgram). Receive path: one bound handler, one ReceiveInfo per datagram. */
export class UdpTransport implements Transport {
  private sock: dgram.Socket | null = null;
  private readonly onMessage: (buf: Buffer, rinfo: dgram.RemoteInfo) => void;
  private readonly onSendDone: (err: Error | null) => void;

  constructor(
    readonly socket: LocalSocket,
    private readonly handler: MessageHandler,
    private readonly log: TransportLog,
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
        const port = sock.address().port;
        if (this.socket.port !== port) {
          (this.socket as { port: number }).port = port;
          (this.socket as { name: string }).name = socketName('udp', this.socket.address, port);
        }
        resolve();
      });
    });
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

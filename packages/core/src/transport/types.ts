/**
 * What the dispatcher and the SIP layer see of a transport. Nothing above this file knows
 * node:dgram/net/tls, so a batched socket layer (recvmmsg/sendmmsg) or worker processes can
 * replace these classes without touching the dispatcher or any module.
 */
import type { ReceiveInfo } from '@tsips/script';
import type { Destination, LocalSocket } from '../api';

/** A received message's origin as the core keeps it: the script's ReceiveInfo plus the local socket and stream. */
export interface CoreReceiveInfo extends ReceiveInfo {
  readonly socket: LocalSocket;
  /** The stream connection it came on (TCP/TLS), null for datagrams. */
  readonly conn: StreamConnectionRef | null;
}

/** The part of a stream connection other layers may use (replies on the same connection, aliases). */
export interface StreamConnectionRef {
  readonly id: number;
  readonly remoteIp: string;
  readonly remotePort: number;
  /** RFC 5923-style alias: later sends to ip:port use this connection (OpenSIPS tcpconn_add_alias). */
  addAlias(ip: string, port: number): void;
  readonly closed: boolean;
}

/** Receives every complete message a transport read; must not throw. */
export type MessageHandler = (data: Buffer, rcv: CoreReceiveInfo) => void;

export interface TransportLog {
  (level: number, text: string): void;
}

export interface Transport {
  readonly socket: LocalSocket;
  /** Binds/listens; fills socket.port when it was 0. */
  open(): Promise<void>;
  /**
   * Sends one message. Returns true when the bytes were handed over synchronously (errors
   * are then only logged), or a promise that settles when they were (or failed).
   */
  send(dest: Destination, data: Buffer): true | Promise<void>;
  /** Stops receiving; open connections are closed. */
  close(): Promise<void>;
}

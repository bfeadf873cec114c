/**
 * What the runtime needs from a SIP message: the subset of @tsips/sip's SipMessage that
 * core pseudo-variables and functions read or change. Declared structurally so the
 * runtime compiles against the contract, and so tests may hand in a hand-built message;
 * the real SipMessage satisfies it (checked in testkit).
 */
export interface RtParam {
  name: string;
  value: string | null;
}

export interface RtNameAddr {
  displayName: string | null;
  uri: string;
  params: RtParam[];
  raw: string;
}

export interface RtFromTo extends RtNameAddr {
  tag: string | null;
}

export interface RtContactList {
  star: boolean;
  contacts: RtNameAddr[];
}

export interface RtVia {
  transport: string;
  host: string;
  port: number | null;
  branch: string | null;
}

export interface RuntimeMessage {
  readonly isRequest: boolean;
  readonly method: string;
  /** Current Request-URI (after setRuri). */
  readonly ruri: string;
  /** Request-URI as received; absent means `ruri` is never rewritten in place. */
  readonly originalRuri?: string;
  readonly status: number;
  readonly reason: string;
  getHeader(name: string): string | undefined;
  getHeaders(name: string): string[];
  headerCount(name: string): number;
  headerNames(): string[];
  readonly body: Buffer;
  bodyText(): string;
  callId(): string;
  cseq(): { seq: number; method: string };
  from(): RtFromTo;
  to(): RtFromTo;
  contacts(): RtContactList;
  topVia(): RtVia;
  setRuri(uri: string): void;
  addHeader(name: string, value: string, where?: 'first' | 'last' | 'afterVia'): void;
  removeHeader(name: string, index?: number): number;
  toBuffer(): Buffer;
}

/** Where a message came from and on which local socket (OpenSIPS receive_info). */
export interface ReceiveInfo {
  srcIp: string;
  srcPort: number;
  /** Lower-case transport name: udp, tcp, tls, ws, wss, sctp. */
  proto: string;
  dstIp: string;
  dstPort: number;
}

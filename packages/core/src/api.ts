/**
 * The SIP core's service, as modules see it (issue 4 contract, /work/core-contract.md).
 * Modules never touch node:dgram/net/tls: everything goes through {@link SipCoreApi}, so the
 * transport layer (batched sockets, worker processes) can change without touching them.
 *
 * Members beyond the contract (added by core-spine): {@link SipCoreApi.onShutdown},
 * {@link SipCoreApi.statValue}, {@link SipCoreApi.localSocket}, {@link SipCoreApi.now},
 * {@link SipCoreApi.requestBytes}, {@link SipCoreApi.toTagFor}, {@link SipCoreApi.disableStats}.
 */
import { serviceKey } from '@tsips/script';
import type { ReceiveInfo, RouteBlock, RunResult, ScriptContext, ScriptValue } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';

export type Proto = 'udp' | 'tcp' | 'tls';

export interface Destination {
  proto: Proto;
  /** IP literal (IPv6 without brackets). */
  address: string;
  port: number;
}

export interface LocalSocket {
  proto: Proto;
  address: string;
  port: number;
  /** "udp:127.0.0.1:5060" (IPv6: "udp:[::1]:5060"). */
  name: string;
  advertisedAddress: string | null;
  advertisedPort: number | null;
}

export interface SipCoreApi {
  readonly sockets: readonly LocalSocket[];
  /** Sends bytes (TCP/TLS: reuses a connection to dest or opens one). Resolves when handed to the OS; rejects on failure. */
  send(dest: Destination, data: Buffer, from?: LocalSocket | null): Promise<void>;
  /**
   * send() without a promise when the bytes went out synchronously (datagrams): `true`, else
   * the promise send() would return. Optional (hot paths use it when present).
   */
  trySend?(dest: Destination, data: Buffer, from?: LocalSocket | null): true | Promise<void>;
  /** The local socket to send to dest from (same proto; `forced` = "proto:ip:port" name from force_send_socket). */
  socketFor(dest: Destination, forced?: string | null): LocalSocket | null;
  /** The local socket a message arrived on (by ReceiveInfo), or null. (core-spine addition) */
  localSocket(rcv: ReceiveInfo): LocalSocket | null;
  /** RFC 3263 resolution of a SIP URI (NAPTR/SRV/A/AAAA via node:dns; IP literals without DNS). */
  resolve(uri: string): Promise<Destination[]>;
  /** Our Via header value for a hop: "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK...[;rport]". */
  viaFor(sock: LocalSocket, branch: string, opts?: { rport?: boolean }): string;
  /** Whether host[:port] is this proxy (sockets, advertised addresses, alias=). */
  isMyself(host: string, port: number | null, proto?: string | null): boolean;
  /** Hooks run in registration order; returning true means "consumed": later hooks and the script do not run. */
  onRawMessage(hook: (data: Buffer, rcv: ReceiveInfo) => boolean): void;
  /** After parsing, before the main route (tm: retransmissions, ACK, CANCEL). */
  onRequest(hook: (msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>): void;
  /** tm matches client transactions; unconsumed replies: onreply_route then stateless forwarding. */
  onReply(hook: (msg: SipMessage, rcv: ReceiveInfo) => boolean | Promise<boolean>): void;
  /**
   * Called by stop() after the sockets stopped receiving, before modules' destroy; the core
   * waits for every returned promise (bounded by the shutdown timeout). tm uses it to let
   * transactions in flight finish. (core-spine addition)
   */
  onShutdown(hook: () => Promise<void>): void;
  /** Runs a route block of the script with a fresh context (failure/onreply/branch/timer/event routes). */
  runRoute(
    type: RouteBlock['type'],
    name: string | null,
    msg: SipMessage | null,
    rcv: ReceiveInfo | null,
    setup?: (ctx: ScriptContext) => void,
  ): Promise<{ result: RunResult; ctx: ScriptContext }>;
  /** Whether the running script has this route block (pike checks its check_route at start-up). (pike addition) */
  hasRoute?(type: RouteBlock['type'], name: string | null): boolean;
  /**
   * Runs a route block on a pooled context and gives the context back: the result is
   * synchronous when nothing in the route waits, so a raw-message hook can decide at once
   * (pike's check_route). `msg` may be null (an unparseable datagram). null when the
   * running script has no such route (it went away in a reload). (pike addition)
   */
  runRouteNow?(type: RouteBlock['type'], name: string | null, msg: SipMessage | null, rcv: ReceiveInfo): RunResult | Promise<RunResult> | null;
  /**
   * Raises an event that has no script context behind it (a module's timer, a raw-message
   * hook): event_route[name] runs with `params` as $param(name). (pike addition)
   */
  raiseEvent?(name: string, params: Record<string, ScriptValue>): void;
  /** Stateless reply to a request (RFC 3261 §8.2.6 + received/rport), with ctx.replyHeaders lines appended; counts stats. */
  sendReply(
    req: SipMessage,
    rcv: ReceiveInfo,
    status: number,
    reason: string,
    opts?: { headers?: readonly string[]; body?: Buffer | string; contentType?: string; toTag?: string },
  ): Promise<void>;
  /** Stateless forwarding of a request as forward() does (our Via, $du/$ru, RFC 3263). 1 ok, <0 error. */
  forwardStateless(ctx: ScriptContext, destination: string | null): Promise<number>;
  /**
   * The bytes of a request to relay (what forward() sends; tm uses it for its branches): the
   * message with the script's edits, `via` inserted as the new top Via, and received/rport
   * set on the received top Via (RFC 3261 §18.2.1, RFC 3581; rport also with force_rport).
   * Does not change `msg`, so it can be called once per branch. (core-spine addition)
   */
  requestBytes(msg: SipMessage, rcv: ReceiveInfo, via: string, opts?: { forceRport?: boolean }): Buffer;
  /**
   * The To-tag the core puts in its stateless replies to this request: stable for
   * retransmissions and for the ACK of a non-2xx reply, so sl can recognise that ACK. (core-spine addition)
   */
  toTagFor(req: SipMessage): string;
  /** Stops counting stats whose name starts with `prefix` (sl's enable_stats=0). (core-spine addition) */
  disableStats(prefix: string): void;
  /** Core param server_header (default "Server: tsips" WITHOUT version); null when disabled. */
  readonly serverHeader: string | null;
  /** Core param user_agent_header (default "User-Agent: tsips"); null when disabled. */
  readonly userAgentHeader: string | null;
  /** OpenSIPS levels: L_ALERT=-3 L_CRIT=-2 L_ERR=-1 L_WARN=1 L_NOTICE=2 L_INFO=3 L_DBG=4. */
  log(level: number, text: string): void;
  /** Core counters (e.g. "core:bad_msg_hdr", "sl:sent_replies"); delta defaults to 1. */
  stat(name: string, delta?: number): void;
  /** Current value of a counter (0 when never counted). (core-spine addition) */
  statValue(name: string): number;
  /** Milliseconds since the epoch from the server's clock (tests may use a fake one). (core-spine addition) */
  now(): number;
}

export const CORE = serviceKey<SipCoreApi>('core');

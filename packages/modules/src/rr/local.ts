/**
 * "Is this URI me?" and "which of my addresses goes into Record-Route?" for rr. With the
 * SIP core running, its sockets, advertised addresses and aliases answer; without it (a
 * script test kit), the script's socket=/alias= lines and the address the message arrived
 * on stand in.
 */
import type { ScriptContext } from '@tsips/script';
import { parseUri } from '@tsips/sip';
import type { LocalSocket, Proto, SipCoreApi } from '@tsips/core';

export interface UriTarget {
  host: string;
  /** Explicit port, or the default of the scheme/transport (5060, 5061 for TLS). */
  port: number;
  proto: string;
}

/** Host, port and transport a SIP URI points at (maddr wins over the host); null when not a SIP URI. */
export function uriTarget(uri: string): UriTarget | null {
  let u;
  try {
    u = parseUri(uri);
  } catch {
    return null;
  }
  if (!('host' in u)) return null;
  const param = (n: string) => u.params.find((p) => p.name.toLowerCase() === n)?.value ?? null;
  const transport = param('transport')?.toLowerCase() ?? null;
  const proto = transport ?? (u.scheme === 'sips' ? 'tls' : 'udp');
  const maddr = param('maddr');
  const port = u.port ?? (proto === 'tls' || u.scheme === 'sips' ? 5061 : 5060);
  return { host: maddr !== null && maddr !== '' ? maddr : u.host, port, proto };
}

function bareHost(h: string): string {
  const t = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  return t.toLowerCase();
}

/** An address this proxy puts into a Record-Route URI. */
export interface RrAddress {
  /** host[:port][;transport=x], as OpenSIPS prints a socket into Record-Route. */
  text: string;
  /** Identifies the socket (two Record-Routes are needed when in and out differ). */
  key: string;
}

function formatAddress(host: string, port: number, proto: string, forcePort: boolean): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  // The port is left out when it is the SIP default (unless advertised), as OpenSIPS does.
  const p = forcePort || port !== 5060 ? `:${port}` : '';
  const t = proto === 'udp' ? '' : `;transport=${proto}`;
  return `${h}${p}${t}`;
}

export function socketAddress(s: LocalSocket): RrAddress {
  const host = s.advertisedAddress ?? s.address;
  const port = s.advertisedPort ?? s.port;
  return { text: formatAddress(host, port, s.proto, s.advertisedPort !== null), key: s.name };
}

export class LocalView {
  constructor(private readonly core: SipCoreApi | null) {}

  isMyself(ctx: ScriptContext, t: UriTarget): boolean {
    if (this.core !== null) return this.core.isMyself(t.host, t.port, t.proto);
    const host = bareHost(t.host);
    const list = ctx.tables.localAddresses ?? [];
    for (const a of list) {
      if (bareHost(a.host) !== host) continue;
      if (a.port === null || a.port === 0 || a.port === t.port) return true;
    }
    // The address the request arrived on is ours even when the script names no socket.
    return bareHost(ctx.rcv.dstIp) === host && ctx.rcv.dstPort === t.port;
  }

  /** Record-Route address of the socket the request arrived on. */
  inbound(ctx: ScriptContext): RrAddress {
    const s = this.core?.localSocket(ctx.rcv) ?? null;
    if (s !== null) return socketAddress(s);
    const proto = ctx.rcv.proto.toLowerCase();
    return { text: formatAddress(ctx.rcv.dstIp, ctx.rcv.dstPort, proto, false), key: `${proto}:${ctx.rcv.dstIp}:${ctx.rcv.dstPort}` };
  }

  /**
   * Record-Route address of the socket the request will leave by, when it can be known now:
   * the next hop ($du, else the Request-URI) must be an IP literal. Null otherwise (and
   * without the core).
   */
  outbound(ctx: ScriptContext): RrAddress | null {
    if (this.core === null) return null;
    const t = uriTarget(ctx.dstUri ?? ctx.ruri());
    if (t === null) return null;
    const address = bareHost(t.host);
    if (!/^[0-9.]+$/.test(address) && !address.includes(':')) return null;
    if (t.proto !== 'udp' && t.proto !== 'tcp' && t.proto !== 'tls') return null;
    const s = this.core.socketFor({ proto: t.proto as Proto, address, port: t.port });
    return s === null ? null : socketAddress(s);
  }
}

/**
 * RFC 3263 §4: where to send a request for a SIP URI. IP literals need no DNS; a host name
 * with a port is an A/AAAA lookup; otherwise NAPTR (when no transport is given) and SRV
 * decide the transport and port, falling back to A/AAAA on the default port. Results are
 * cached for a short time so that a busy route does not query DNS per message.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import { parseUri, type SipUri } from '@tsips/sip';
import type { Destination, Proto } from './api';

export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

export interface DnsBackend {
  lookup(host: string): Promise<string[]>;
  resolveSrv(name: string): Promise<dns.SrvRecord[]>;
  resolveNaptr(name: string): Promise<dns.NaptrRecord[]>;
}

export const systemDns: DnsBackend = {
  lookup: async (host) => (await dns.promises.lookup(host, { all: true, order: 'ipv4first' })).map((a) => a.address),
  resolveSrv: (name) => dns.promises.resolveSrv(name),
  resolveNaptr: (name) => dns.promises.resolveNaptr(name),
};

const NAPTR_SERVICES: Record<string, Proto> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
const SRV_PREFIX: Record<Proto, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };
const CACHE_MS = 30_000;
const CACHE_MAX = 1000;

function defaultPort(p: Proto): number {
  return p === 'tls' ? 5061 : 5060;
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export class Resolver {
  private readonly cache = new Map<string, { until: number; dests: Destination[] }>();

  constructor(
    /** Transports we can send on, in preference order. */
    private readonly protos: () => readonly Proto[],
    private readonly enabled = true,
    private readonly backend: DnsBackend = systemDns,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Destinations of a URI whose host is an IP literal (no DNS needed), or null when DNS is
   * needed. Throws ResolveError for a URI that cannot be routed at all.
   */
  literal(uriText: string): Destination[] | null {
    const t = this.target(uriText);
    if (net.isIP(t.host) === 0) return null;
    const proto = t.explicit ?? 'udp';
    return [{ proto, address: t.host, port: t.port ?? defaultPort(proto) }];
  }

  private target(uriText: string): { host: string; port: number | null; explicit: Proto | null } {
    let uri;
    try {
      uri = parseUri(uriText);
    } catch (e) {
      throw new ResolveError(`cannot resolve '${uriText}': ${(e as Error).message}`);
    }
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new ResolveError(`cannot route to a ${uri.scheme}: URI (${uriText})`);
    const su = uri as SipUri;
    let explicit: Proto | null = null;
    let host = su.host;
    for (const p of su.params) {
      const n = p.name.toLowerCase();
      if (n === 'transport' && p.value !== null) {
        const t = p.value.toLowerCase();
        if (t !== 'udp' && t !== 'tcp' && t !== 'tls') throw new ResolveError(`transport '${p.value}' is not supported (${uriText})`);
        explicit = t;
      } else if (n === 'maddr' && p.value !== null) host = p.value;
    }
    if (su.scheme === 'sips') explicit = 'tls';
    return { host: bare(host), port: su.port, explicit };
  }

  async resolve(uriText: string): Promise<Destination[]> {
    const lit = this.literal(uriText);
    if (lit !== null) return lit;
    const { host, port, explicit } = this.target(uriText);
    if (!this.enabled) throw new ResolveError(`DNS is disabled (dns = no): cannot resolve ${host}`);
    const key = `${host}|${explicit ?? ''}|${port ?? ''}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.until > this.now()) return hit.dests;
    const dests = await this.lookupUncached(host.toLowerCase(), explicit, port);
    if (dests.length === 0) throw new ResolveError(`no address for ${host}`);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { until: this.now() + CACHE_MS, dests });
    return dests;
  }

  private async lookupUncached(host: string, explicit: Proto | null, port: number | null): Promise<Destination[]> {
    if (port !== null) return this.addresses(host, explicit ?? 'udp', port);
    const usable = this.protos();
    if (explicit === null) {
      // NAPTR first (RFC 3263 §4.1): the domain's own preference among transports we have.
      const naptr = await this.backend.resolveNaptr(host).catch(() => [] as dns.NaptrRecord[]);
      const picks = naptr
        .filter((r) => r.flags.toLowerCase() === 's' && NAPTR_SERVICES[r.service.toUpperCase()] !== undefined && usable.includes(NAPTR_SERVICES[r.service.toUpperCase()]!))
        .sort((a, b) => a.order - b.order || a.preference - b.preference);
      for (const r of picks) {
        const d = await this.srv(r.replacement, NAPTR_SERVICES[r.service.toUpperCase()]!);
        if (d.length > 0) return d;
      }
      for (const p of usable) {
        const d = await this.srv(SRV_PREFIX[p] + host, p);
        if (d.length > 0) return d;
      }
      return this.addresses(host, 'udp', 5060);
    }
    const d = await this.srv(SRV_PREFIX[explicit] + host, explicit);
    return d.length > 0 ? d : this.addresses(host, explicit, defaultPort(explicit));
  }

  private async srv(name: string, proto: Proto): Promise<Destination[]> {
    const records = await this.backend.resolveSrv(name).catch(() => [] as dns.SrvRecord[]);
    // Lowest priority first; within a priority, heavier weight first (deterministic order).
    records.sort((a, b) => a.priority - b.priority || b.weight - a.weight);
    const out: Destination[] = [];
    for (const r of records) {
      const addrs = await this.backend.lookup(r.name).catch(() => [] as string[]);
      for (const a of addrs) out.push({ proto, address: a, port: r.port });
    }
    return out;
  }

  private async addresses(host: string, proto: Proto, port: number): Promise<Destination[]> {
    let addrs: string[];
    try {
      addrs = await this.backend.lookup(host);
    } catch (e) {
      throw new ResolveError(`cannot resolve ${host}: ${(e as Error).message}`);
    }
    return addrs.map((address) => ({ proto, address, port }));
  }
}

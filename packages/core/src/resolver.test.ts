import type * as dns from 'node:dns';
import { Resolver, ResolveError, type DnsBackend } from './resolver';

function fakeDns(records: { a?: Record<string, string[]>; srv?: Record<string, dns.SrvRecord[]>; naptr?: Record<string, dns.NaptrRecord[]> }): DnsBackend & { queries: string[] } {
  const queries: string[] = [];
  const notFound = (n: string): Error => Object.assign(new Error(`ENOTFOUND ${n}`), { code: 'ENOTFOUND' });
  return {
    queries,
    lookup: async (h) => {
      queries.push(`A ${h}`);
      const r = records.a?.[h];
      if (r === undefined) throw notFound(h);
      return r;
    },
    resolveSrv: async (n) => {
      queries.push(`SRV ${n}`);
      const r = records.srv?.[n];
      if (r === undefined) throw notFound(n);
      return r;
    },
    resolveNaptr: async (n) => {
      queries.push(`NAPTR ${n}`);
      const r = records.naptr?.[n];
      if (r === undefined) throw notFound(n);
      return r;
    },
  };
}

describe('Resolver (RFC 3263)', () => {
  it('uses IP literals as they are, with the default port per transport', async () => {
    const d = fakeDns({});
    const r = new Resolver(() => ['udp', 'tcp', 'tls'], true, d);
    expect(await r.resolve('sip:alice@192.0.2.4')).toEqual([{ proto: 'udp', address: '192.0.2.4', port: 5060 }]);
    expect(await r.resolve('sips:alice@[2001:db8::2]')).toEqual([{ proto: 'tls', address: '2001:db8::2', port: 5061 }]);
    expect(await r.resolve('sip:x@example.com;maddr=192.0.2.9;transport=TCP')).toEqual([{ proto: 'tcp', address: '192.0.2.9', port: 5060 }]);
    expect(d.queries).toEqual([]);
  });

  it('follows NAPTR then SRV, keeping only transports it has sockets for', async () => {
    const d = fakeDns({
      naptr: {
        'example.com': [
          { flags: 's', service: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.example.com', order: 10, preference: 1 },
          { flags: 's', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.com', order: 20, preference: 1 },
        ],
      },
      srv: { '_sip._tcp.example.com': [{ name: 'b.example.com', port: 5080, priority: 20, weight: 1 }, { name: 'a.example.com', port: 5070, priority: 10, weight: 1 }] },
      a: { 'a.example.com': ['192.0.2.1'], 'b.example.com': ['192.0.2.2'] },
    });
    const r = new Resolver(() => ['udp', 'tcp'], true, d);
    expect(await r.resolve('sip:bob@example.com')).toEqual([
      { proto: 'tcp', address: '192.0.2.1', port: 5070 },
      { proto: 'tcp', address: '192.0.2.2', port: 5080 },
    ]);
    expect(d.queries).not.toContain('SRV _sips._tcp.example.com');
  });

  it('falls back to A on 5060 without NAPTR/SRV, uses A directly with an explicit port, and caches', async () => {
    const d = fakeDns({ a: { 'pbx.example.net': ['198.51.100.3'] } });
    const r = new Resolver(() => ['udp'], true, d);
    expect(await r.resolve('sip:pbx.example.net')).toEqual([{ proto: 'udp', address: '198.51.100.3', port: 5060 }]);
    const n = d.queries.length;
    expect(await r.resolve('sip:pbx.example.net')).toEqual([{ proto: 'udp', address: '198.51.100.3', port: 5060 }]);
    expect(d.queries.length).toBe(n);
    expect(await r.resolve('sip:pbx.example.net:5099')).toEqual([{ proto: 'udp', address: '198.51.100.3', port: 5099 }]);
    expect(d.queries.slice(n)).toEqual(['A pbx.example.net']);
  });

  it('rejects unroutable URIs and unknown names with ResolveError', async () => {
    const r = new Resolver(() => ['udp'], true, fakeDns({}));
    await expect(r.resolve('tel:+123')).rejects.toBeInstanceOf(ResolveError);
    await expect(r.resolve('sip:nobody@nowhere.invalid')).rejects.toThrow(/nowhere.invalid/);
    await expect(r.resolve('sip:x@1.2.3.4;transport=sctp')).rejects.toThrow(/sctp/);
    const off = new Resolver(() => ['udp'], false, fakeDns({}));
    await expect(off.resolve('sip:host.example')).rejects.toThrow(/dns = no/);
  });
});

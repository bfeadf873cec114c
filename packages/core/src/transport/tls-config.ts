/**
 * TLS domains from tls_mgm modparams, in OpenSIPS's style: `server_domain` / `client_domain`
 * declare a domain by name; every other setting is written "[domain]value" (without the
 * prefix it applies to the implicit "default" domain, used when no declared domain matches).
 * Server domains match the listening socket, client domains the destination, by
 * `match_ip_address` ("*" or "ip[:port], ...").
 */
import * as fs from 'node:fs';
import type * as tls from 'node:tls';
import type { ModparamSetting } from '@tsips/script';

export interface TlsDomain {
  name: string;
  kind: 'server' | 'client' | 'default';
  matchIp: string[];
  certificate: string | null;
  privateKey: string | null;
  caList: string | null;
  verifyCert: boolean | null;
  requireCert: boolean | null;
  method: string | null;
  ciphers: string | null;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

const SETTINGS = new Set(['certificate', 'private_key', 'ca_list', 'verify_cert', 'require_cert', 'tls_method', 'ciphers_list', 'match_ip_address']);

function splitDomain(value: string): { domain: string | null; rest: string } {
  const m = /^\s*\[([^\]]*)\](.*)$/s.exec(value);
  return m === null ? { domain: null, rest: value.trim() } : { domain: m[1]!.trim(), rest: m[2]!.trim() };
}

function flag(v: string): boolean {
  return !(v === '0' || v.toLowerCase() === 'no' || v.toLowerCase() === 'false');
}

export function readTlsDomains(modparams: readonly ModparamSetting[]): TlsDomain[] {
  const domains = new Map<string, TlsDomain>();
  const make = (name: string, kind: TlsDomain['kind']): TlsDomain => ({
    name, kind, matchIp: ['*'], certificate: null, privateKey: null, caList: null, verifyCert: null, requireCert: null, method: null, ciphers: null,
  });
  domains.set('default', make('default', 'default'));
  for (const m of modparams) {
    if (m.module !== 'tls_mgm') continue;
    const value = String(m.value);
    if (m.param === 'server_domain' || m.param === 'client_domain') {
      // "name" or "name=ip:port" (older form binding the domain to one address).
      const [name, addr] = value.split('=', 2) as [string, string | undefined];
      const d = make(name.trim(), m.param === 'server_domain' ? 'server' : 'client');
      if (addr !== undefined && addr.trim() !== '') d.matchIp = [addr.trim()];
      domains.set(d.name, d);
      continue;
    }
    if (!SETTINGS.has(m.param)) continue;
    const { domain, rest } = splitDomain(value);
    const d = domains.get(domain ?? 'default');
    if (d === undefined) throw new TlsConfigError(`tls_mgm ${m.param}: unknown TLS domain '${domain}' (declare it with server_domain or client_domain first)`);
    switch (m.param) {
      case 'certificate': d.certificate = rest; break;
      case 'private_key': d.privateKey = rest; break;
      case 'ca_list': d.caList = rest; break;
      case 'verify_cert': d.verifyCert = flag(rest); break;
      case 'require_cert': d.requireCert = flag(rest); break;
      case 'tls_method': d.method = rest; break;
      case 'ciphers_list': d.ciphers = rest; break;
      case 'match_ip_address': d.matchIp = rest.split(',').map((s) => s.trim()).filter((s) => s !== ''); break;
    }
  }
  return [...domains.values()];
}

function matches(d: TlsDomain, ip: string, port: number): boolean {
  for (const m of d.matchIp) {
    if (m === '*') return true;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(m);
    let host: string;
    let p: string | undefined;
    if (bracket !== null) {
      host = bracket[1]!;
      p = bracket[2];
    } else {
      const colon = m.lastIndexOf(':');
      if (colon !== -1 && m.indexOf(':') === colon) {
        host = m.slice(0, colon);
        p = m.slice(colon + 1);
      } else host = m;
    }
    if (host === ip && (p === undefined || Number(p) === port)) return true;
  }
  return false;
}

/** The domain for a socket (server) or destination (client): declared domains first, then "default". */
export function pickDomain(domains: readonly TlsDomain[], kind: 'server' | 'client', ip: string, port: number): TlsDomain {
  const declared = domains.filter((d) => d.kind === kind);
  const exact = declared.find((d) => !d.matchIp.includes('*') && matches(d, ip, port));
  if (exact !== undefined) return exact;
  const any = declared.find((d) => matches(d, ip, port));
  if (any !== undefined) return any;
  return domains.find((d) => d.kind === 'default')!;
}

function versions(method: string | null): Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion'> {
  if (method === null || /^SSLv23$/i.test(method)) return { minVersion: 'TLSv1.2' };
  const name = (s: string): tls.SecureVersion => {
    const v = s.trim().replace(/^TLSv1_?/i, 'TLSv1.').replace(/\.$/, '');
    const map: Record<string, tls.SecureVersion> = { 'TLSv1.': 'TLSv1', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' };
    const r = map[v] ?? (s.trim().toUpperCase() === 'TLSV1' ? 'TLSv1' : undefined);
    if (r === undefined) throw new TlsConfigError(`tls_mgm tls_method: unknown method '${s}'`);
    return r;
  };
  const [lo, hi] = method.split('-');
  return hi === undefined ? { minVersion: name(lo!), maxVersion: name(lo!) } : { minVersion: name(lo!), maxVersion: name(hi) };
}

function read(file: string, what: string, domain: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new TlsConfigError(`TLS domain '${domain}': cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** node:tls server options of a domain; the certificate and key are required. */
export function serverOptions(d: TlsDomain): tls.TlsOptions {
  if (d.certificate === null || d.privateKey === null) {
    throw new TlsConfigError(`TLS domain '${d.name}' has no certificate/private_key (modparam("tls_mgm", "certificate", ...))`);
  }
  const verify = d.verifyCert ?? false;
  const o: tls.TlsOptions = {
    cert: read(d.certificate, 'certificate', d.name),
    key: read(d.privateKey, 'private key', d.name),
    requestCert: verify,
    rejectUnauthorized: verify && (d.requireCert ?? true),
    ...versions(d.method),
  };
  if (d.caList !== null) o.ca = read(d.caList, 'CA list', d.name);
  if (d.ciphers !== null) o.ciphers = d.ciphers;
  return o;
}

/** node:tls client options of a domain (certificate optional, verification on by default as in tls_mgm). */
export function clientOptions(d: TlsDomain): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { rejectUnauthorized: d.verifyCert ?? true, ...versions(d.method) };
  if (d.certificate !== null) o.cert = read(d.certificate, 'certificate', d.name);
  if (d.privateKey !== null) o.key = read(d.privateKey, 'private key', d.name);
  if (d.caList !== null) o.ca = read(d.caList, 'CA list', d.name);
  if (d.ciphers !== null) o.ciphers = d.ciphers;
  return o;
}

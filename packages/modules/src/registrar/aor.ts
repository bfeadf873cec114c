/**
 * Address-of-record keys as registrar builds them: `user@host` from a SIP URI (user part
 * unescaped, host lower-case), with realm_prefix stripped, the user lower-cased when
 * case_sensitive is 0, and the host dropped when usrloc's use_domain is 0.
 */
import { parseUri, ParseError, unescapeUriPart } from '@tsips/sip';

export interface AorOptions {
  useDomain: boolean;
  caseSensitive: boolean;
  realmPrefix: string | null;
  maxUsernameLen: number;
  maxDomainLen: number;
  maxAorLen: number;
}

export class AorError extends Error {
  constructor(message: string, readonly kind: 'parse' | 'no-user' | 'too-long') {
    super(message);
    this.name = 'AorError';
  }
}

/** The AOR key of a URI (name-addr brackets allowed); throws {@link AorError}. */
export function extractAor(text: string, o: AorOptions): string {
  let uriText = text.trim();
  const lt = uriText.indexOf('<');
  if (lt >= 0) {
    const gt = uriText.indexOf('>', lt);
    uriText = uriText.slice(lt + 1, gt < 0 ? undefined : gt);
  }
  let user: string;
  let host: string;
  try {
    const u = parseUri(uriText);
    if ('number' in u) {
      user = u.number;
      host = '';
    } else if ('host' in u) {
      user = u.user === null ? '' : unescapeUriPart(u.user);
      host = u.host.toLowerCase();
    } else {
      throw new AorError(`unsupported URI scheme in AOR '${uriText}'`, 'parse');
    }
  } catch (e) {
    if (e instanceof AorError) throw e;
    if (e instanceof ParseError) throw new AorError(`bad AOR URI '${uriText}': ${e.message}`, 'parse');
    throw e;
  }
  if (user === '' && !o.useDomain) throw new AorError(`no username in AOR URI '${uriText}'`, 'no-user');
  if (o.realmPrefix !== null && o.realmPrefix !== '' && host.startsWith(o.realmPrefix.toLowerCase()) && host.length > o.realmPrefix.length) {
    host = host.slice(o.realmPrefix.length);
  }
  if (!o.caseSensitive) user = user.toLowerCase();
  if (user.length > o.maxUsernameLen) throw new AorError(`username of AOR '${uriText}' is longer than ${o.maxUsernameLen}`, 'too-long');
  if (host.length > o.maxDomainLen) throw new AorError(`domain of AOR '${uriText}' is longer than ${o.maxDomainLen}`, 'too-long');
  const aor = o.useDomain && host !== '' ? (user === '' ? host : `${user}@${host}`) : user;
  if (aor.length > o.maxAorLen) throw new AorError(`AOR '${aor}' is longer than ${o.maxAorLen}`, 'too-long');
  return aor;
}

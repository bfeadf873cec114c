/**
 * The credential pseudo-variables OpenSIPS keeps in its core ($au, $ar, $adu, ...): fields
 * of the request's digest credentials. As in OpenSIPS, Proxy-Authorization is read when
 * present, else Authorization; ACK and CANCEL never carry credentials worth reading; a
 * field that is absent or empty reads as NULL, and so does a header that does not parse.
 */
import { parseCredentials, type DigestCredentials } from '@tsips/sip';
import type { ScriptValue } from '../values';
import type { PvarExport, PvSite } from '../exports/types';
import { PvBindError } from '../exports/types';
import type { ScriptContext } from './context';

type Field = (c: DigestCredentials) => string | undefined;

/** `user@domain` usernames split the way OpenSIPS's digest parser splits them. */
function userPart(c: DigestCredentials): string | undefined {
  const u = c.username;
  if (u === undefined) return undefined;
  const at = u.indexOf('@');
  return at < 0 ? u : u.slice(0, at);
}

function domainPart(c: DigestCredentials): string | undefined {
  const u = c.username;
  if (u === undefined) return undefined;
  const at = u.indexOf('@');
  return at < 0 ? undefined : u.slice(at + 1);
}

/** The credentials of the current request, or null (no request, ACK/CANCEL, none, unparsable). */
export function requestCredentials(ctx: ScriptContext): DigestCredentials | null {
  const m = ctx.msg;
  if (m === null || !m.isRequest || m.method === 'ACK' || m.method === 'CANCEL') return null;
  const body = m.getHeader('Proxy-Authorization') ?? m.getHeader('Authorization');
  if (body === undefined) return null;
  try {
    return parseCredentials(body);
  } catch {
    return null;
  }
}

function authVar(name: string, field: Field, doc: string): PvarExport {
  return {
    name,
    inner: 'none',
    doc,
    bind(site: PvSite) {
      if (site.name !== null || site.index !== null) throw new PvBindError(`$${name} takes no name or index`);
      return {
        get(ctx: ScriptContext): ScriptValue {
          const c = requestCredentials(ctx);
          if (c === null) return null;
          const v = field(c);
          return v === undefined || v === '' ? null : v;
        },
      };
    },
  };
}

export function authPvars(): PvarExport[] {
  return [
    authVar('au', userPart, 'credentials username, without an @domain part'),
    authVar('aU', (c) => c.username, 'credentials username as written, @domain included'),
    authVar('ad', domainPart, 'domain part of a user@domain credentials username'),
    authVar('ar', (c) => c.realm, 'credentials realm'),
    authVar('adu', (c) => c.uri, 'credentials digest URI'),
    authVar('an', (c) => c.nonce, 'credentials nonce'),
    authVar('auth.nonce', (c) => c.nonce, 'credentials nonce'),
    authVar('auth.resp', (c) => c.response, 'credentials response'),
    authVar('auth.cnonce', (c) => c.cnonce, 'credentials cnonce'),
    authVar('auth.opaque', (c) => c.opaque, 'credentials opaque'),
    authVar('auth.alg', (c) => c.algorithm, 'credentials algorithm'),
    authVar('auth.qop', (c) => c.qop, 'credentials qop'),
    authVar('auth.nc', (c) => c.nc, 'credentials nonce count'),
  ];
}

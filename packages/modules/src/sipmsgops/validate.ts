/**
 * sipmsg_validate(): structural checks of a message against RFC 3261 with OpenSIPS's
 * numbered results, in OpenSIPS's order (the first failing check decides the code).
 */
import type { PvRef, ScriptContext } from '@tsips/script';
import {
  parseChallenge,
  parseContentType,
  parseCSeq,
  parseCredentials,
  parseExpires,
  parseFromTo,
  parseNameAddrList,
  parseTokenList,
  parseUri,
  type SipMessage,
  type Uri,
} from '@tsips/sip';
import type { ValidateCheck } from './validate-flags';
import { sipMessage } from './message-edit';

/** The result codes, named as OpenSIPS's sip_validation_failures. */
export const SV = {
  NO_MSG: -1,
  HDR_PARSE_ERROR: -2,
  NO_CALLID: -3,
  NO_CONTENT_LENGTH: -4,
  INVALID_CONTENT_LENGTH: -5,
  PARSE_SDP: -6,
  NO_CSEQ: -7,
  NO_FROM: -8,
  NO_TO: -9,
  NO_VIA1: -10,
  RURI_PARSE_ERROR: -11,
  BAD_HOSTNAME: -12,
  NO_MF: -13,
  NO_CONTACT: -14,
  PATH_NONREGISTER: -15,
  NOALLOW_405: -16,
  NOMINEXP_423: -17,
  NO_PROXY_AUTH: -18,
  NO_UNSUPPORTED: -19,
  NO_WWW_AUTH: -20,
  NO_CONTENT_TYPE: -21,
  TO_PARSE_ERROR: -22,
  TO_DOMAIN_ERROR: -23,
  FROM_PARSE_ERROR: -24,
  FROM_DOMAIN_ERROR: -25,
  CONTACT_PARSE_ERROR: -26,
  BAD_USERNAME: -27,
  FROM_USERNAME_ERROR: -28,
  TO_USERNAME_ERROR: -29,
  BAD_STAR_CONTACT: -30,
  GENERIC_FAILURE: -255,
} as const;

class Invalid extends Error {
  constructor(readonly code: number, reason: string) {
    super(reason);
  }
}

/** OpenSIPS's enum sip_protos numbers, which its -4 reason prints. */
const PROTO_NUMBER: Record<string, number> = { udp: 1, tcp: 2, tls: 3, sctp: 4, ws: 5, wss: 6 };

const fail = (code: number, reason: string): never => {
  throw new Invalid(code, reason);
};

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** OpenSIPS's hostname check: alphanumeric (or '[') first, no "..", no '-' last. */
export function checkHostname(domain: string): boolean {
  if (domain.length === 0) return false;
  if (!isAlnum(domain[0]!) && domain[0] !== '[') return false;
  const end = domain.length - 1;
  for (let i = 1; i < end; i++) {
    const c = domain[i]!;
    if (isAlnum(c) || c === '-' || c === ':') continue;
    if (c !== '.') return false;
    if (domain[i - 1] === '.') return false;
  }
  const last = domain[end]!;
  return isAlnum(last) || last === '.' || last === ']';
}

const USER_CHARS = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]$/;

/** RFC 3261 `user`: unreserved, user-unreserved and %HH escapes only. */
export function isUsername(user: string): boolean {
  for (let i = 0; i < user.length; i++) {
    const c = user[i]!;
    if (c === '%') {
      if (!/^[0-9A-Fa-f]{2}$/.test(user.slice(i + 1, i + 3))) return false;
      i += 2;
    } else if (!USER_CHARS.test(c)) return false;
  }
  return true;
}

/**
 * A URI as OpenSIPS's parse_uri() sees it, or null when that parser refuses it (it knows
 * only sip, sips, tel, tels, urn:service and urn:nena:service). A tel/tels URI has its
 * number as the user and an empty host; a urn:...service URI its service as the host.
 */
interface OsUri {
  kind: 'sip' | 'tel' | 'urn';
  host: string;
  user: string;
}

function opensipsView(u: Uri): OsUri | null {
  if (u.scheme === 'sip' || u.scheme === 'sips') {
    const s = u as Extract<Uri, { host: string }>;
    return { kind: 'sip', host: s.host, user: s.user ?? '' };
  }
  if (u.scheme === 'tel' || u.scheme === 'tels') {
    const rest = u.raw.slice(u.raw.indexOf(':') + 1);
    const semi = rest.indexOf(';');
    return { kind: 'tel', host: '', user: semi === -1 ? rest : rest.slice(0, semi) };
  }
  const m = /^urn:(?:nena:)?service:([^;]*)/i.exec(u.raw);
  if (m !== null) return { kind: 'urn', host: m[1]!, user: '' };
  return null;
}

function parses(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/**
 * OpenSIPS's URI parser takes hosts and users that tsips's strict one refuses, and lets
 * the hostname/username checks reject them with their own codes: for a SIP URI that does
 * not parse, the same checks run on the parts a lenient split finds.
 */
function checkLoosely(uri: string, domainCode: number, userCode: number, what: string): void {
  const m = /^sips?:(?:([^@]*)@)?(\[[^\]]*\]|[^;:?>]*)/i.exec(uri);
  if (m === null) return;
  const user = m[1] === undefined ? null : m[1].split(':')[0]!;
  if (!checkHostname(m[2]!)) fail(domainCode, `invalid domain for ${what}`);
  if (user !== null && !isUsername(user)) fail(userCode, `invalid username for ${what}`);
}

/** The To or From URI checks of flags t / f. */
function checkAddress(msg: SipMessage, which: 'To' | 'From'): void {
  const codes = which === 'To'
    ? { parse: SV.TO_PARSE_ERROR, domain: SV.TO_DOMAIN_ERROR, user: SV.TO_USERNAME_ERROR }
    : { parse: SV.FROM_PARSE_ERROR, domain: SV.FROM_DOMAIN_ERROR, user: SV.FROM_USERNAME_ERROR };
  let uri: OsUri | null;
  try {
    const text = (which === 'To' ? msg.to() : msg.from()).uri;
    try {
      uri = opensipsView(parseUri(text));
    } catch {
      checkLoosely(text, codes.domain, codes.user, `'${which}' header`);
      throw new Error('unparsable');
    }
  } catch (e) {
    if (e instanceof Invalid) throw e;
    return fail(codes.parse, `failed to parse '${which}' header`);
  }
  if (uri === null) return fail(codes.parse, `failed to parse '${which}' header`);
  if (uri.kind === 'sip' && !checkHostname(uri.host)) fail(codes.domain, `invalid domain for '${which}' header`);
  if (!isUsername(uri.user)) fail(codes.user, `invalid username for '${which}' header`);
}

const METHODS_WITH_CONTACT = new Set(['INVITE', 'REGISTER', 'UPDATE', 'SUBSCRIBE', 'REFER']);

function checkContacts(msg: SipMessage, method: string, isReply: boolean): void {
  if (!METHODS_WITH_CONTACT.has(method)) return;
  if (!msg.hasHeader('Contact')) fail(SV.NO_CONTACT, "SIP message doesn't have 'Contact' header");
  let list;
  try {
    list = msg.contacts();
  } catch {
    // "*" mixed with other contacts is a parse error of the list.
    return fail(SV.CONTACT_PARSE_ERROR, "failed to parse 'Contact' header");
  }
  if (list.star) {
    if (method !== 'REGISTER') return fail(SV.BAD_STAR_CONTACT, "'Contact' header for SIP message contains '*' only valid for REGISTER request");
    if (isReply) return fail(SV.BAD_STAR_CONTACT, "'Contact' header for REGISTER reply contains '*' only valid for REGISTER request");
    let expires: number | null;
    try {
      expires = msg.expires();
    } catch {
      return fail(SV.BAD_STAR_CONTACT, "failed to parse 'Expires' header");
    }
    if (expires === null) fail(SV.BAD_STAR_CONTACT, "failed to parse 'Expires' header");
    if (expires !== 0) fail(SV.BAD_STAR_CONTACT, "'Expires' header greater than 0 for REGISTER 'Contact' header with '*' value");
    return;
  }
  for (const c of list.contacts) {
    let u: Uri;
    try {
      u = parseUri(c.uri);
    } catch {
      return fail(SV.CONTACT_PARSE_ERROR, "failed to parse 'Contact' header");
    }
    const os = opensipsView(u);
    if (os === null || (os.kind === 'sip' && os.host === '')) fail(SV.CONTACT_PARSE_ERROR, "failed to parse 'Contact' header");
  }
}

/** Header bodies that must not be empty (flag h), compact forms included. */
const MUST_HAVE_BODY = new Set([
  'call-id', 'i', 'proxy-require', 'unsupported', 'accept-language', 'organization', 'priority',
  'subject', 's', 'user-agent', 'accept-disposition', 'retry-after',
]);

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const PRIVACY_VALUES = new Set(['critical', 'header', 'history', 'id', 'none', 'session', 'user']);

/** `token *(;param)`: the shape of Event and Content-Disposition (params as in parse_params). */
function tokenWithParams(value: string): boolean {
  const parts = value.trim().split(';');
  if (!TOKEN.test(parts[0]!.trim())) return false;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!.trim();
    const eq = p.indexOf('=');
    if (!TOKEN.test((eq === -1 ? p : p.slice(0, eq)).trim())) return false;
  }
  return true;
}

/** OpenSIPS's parse_privacy: priv-values separated by ';', `none` alone. */
function privacyOk(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  const vals = v.split(';').map((x) => x.trim().toLowerCase());
  if (!vals.every((x) => PRIVACY_VALUES.has(x))) return false;
  return !(vals.includes('none') && vals.some((x) => x !== 'none'));
}

/** Accept: comma-separated media ranges (type/subtype, wildcards allowed), with params. */
function acceptOk(value: string): boolean {
  if (value.trim() === '') return true;
  return value.split(',').every((item) => {
    const range = item.split(';')[0]!.trim();
    const slash = range.indexOf('/');
    return slash > 0 && TOKEN.test(range.slice(0, slash).trim()) && TOKEN.test(range.slice(slash + 1).trim());
  });
}

/** Call-Info: comma-separated `<uri> *(;param)`. */
function callInfoOk(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  return parses(() => {
    for (const na of parseNameAddrList(v, 'Call-Info')) if (na.uri === '') throw new Error('empty');
  }) && /^<[^>]*>/.test(v);
}

/** The URI type class RFC 3325 pairs: 'sip' (sip/sips), 'tel' (tel/tels) or 'other'. */
function uriClass(uri: string): 'sip' | 'tel' | 'other' {
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  return scheme === 'sip' || scheme === 'sips' ? 'sip' : scheme === 'tel' || scheme === 'tels' ? 'tel' : 'other';
}

/**
 * P-Asserted-/P-Preferred-Identity (RFC 3325 as OpenSIPS enforces it): every value's URI
 * parses, at most two values over all lines of that header, and two are one SIP(S) and one TEL(S).
 */
function identityOk(msg: SipMessage, name: string): boolean {
  const uris: string[] = [];
  const names = msg.headerNames();
  for (let h = 0; h < names.length; h++) {
    if (names[h]!.toLowerCase() !== name) continue;
    try {
      for (const na of parseNameAddrList(msg.headerValue(h) ?? '', names[h]!)) {
        parseUri(na.uri);
        uris.push(na.uri);
      }
    } catch {
      return false;
    }
  }
  if (uris.length > 2) return false;
  if (uris.length === 2) {
    const a = uriClass(uris[0]!);
    const b = uriClass(uris[1]!);
    if (!((a === 'sip' && b === 'tel') || (a === 'tel' && b === 'sip'))) return false;
  }
  return true;
}

/**
 * Flag h, OpenSIPS's sip_validate_hdrs(): each header OpenSIPS has a parser for must parse.
 * Not checked, as there: Require, Session-Expires (its parser's errors are positive codes,
 * which the check does not see), and every header OpenSIPS does not know.
 */
function checkHeaderBodies(msg: SipMessage): boolean {
  const names = msg.headerNames();
  for (let h = 0; h < names.length; h++) {
    const value = msg.headerValue(h) ?? '';
    const name = names[h]!.toLowerCase();
    let ok = true;
    switch (name) {
      case 'from': case 'f': case 'remote-party-id': case 'refer-to': case 'r':
        ok = parses(() => parseFromTo(value, names[h]!));
        break;
      case 'p-asserted-identity': case 'p-preferred-identity':
        ok = identityOk(msg, name);
        break;
      case 'diversion':
        ok = parses(() => parseNameAddrList(value, names[h]!));
        break;
      case 'max-forwards':
        ok = /^\d{1,5}$/.test(value.trim()) && Number(value.trim()) <= 65535;
        break;
      case 'supported': case 'k': case 'allow':
        ok = value.trim() === '' || parses(() => parseTokenList(value, names[h]!));
        break;
      case 'accept':
        ok = acceptOk(value);
        break;
      case 'privacy':
        ok = privacyOk(value);
        break;
      case 'event': case 'o': case 'content-disposition':
        ok = tokenWithParams(value);
        break;
      case 'call-info':
        ok = callInfoOk(value);
        break;
      case 'contact': case 'm':
        ok = parses(() => msg.contacts());
        break;
      case 'route': case 'record-route': case 'path':
        ok = parses(() => parseNameAddrList(value, names[h]!));
        break;
      case 'authorization': case 'proxy-authorization':
        ok = parses(() => parseCredentials(value));
        break;
      case 'www-authenticate': case 'proxy-authenticate':
        ok = parses(() => parseChallenge(value));
        break;
      case 'expires': case 'min-expires': case 'min-se':
        ok = parses(() => parseExpires(value));
        break;
      case 'content-type': case 'c':
        // One media type, no wildcard.
        ok = parses(() => {
          const ct = parseContentType(value);
          if (ct.mediaType.includes('*')) throw new Error('wildcard');
        });
        break;
      default:
        if (MUST_HAVE_BODY.has(name)) ok = value.trim() !== '';
    }
    if (!ok) return false;
  }
  return true;
}

/** The checks; returns normally when the message is valid, throws Invalid otherwise. */
function validate(msg: SipMessage, flags: ReadonlySet<ValidateCheck>, proto: string): void {
  // What OpenSIPS parses while reading the header section: Vias, CSeq, To, Content-Length.
  if (!parses(() => {
    if (msg.hasHeader('Via')) msg.vias();
    // The CSeq value alone: OpenSIPS does not compare its method with the request's here.
    const cseq = msg.getHeader('CSeq');
    if (cseq !== undefined) parseCSeq(cseq);
    if (msg.hasHeader('To')) msg.to();
  })) fail(SV.HDR_PARSE_ERROR, 'message parsing failed');

  if (!msg.hasHeader('Call-ID')) fail(SV.NO_CALLID, "message doesn't have callid");
  const hasCl = msg.hasHeader('Content-Length');
  if (proto !== 'udp' && !hasCl) fail(SV.NO_CONTENT_LENGTH, `message doesn't have Content Length header for proto ${PROTO_NUMBER[proto] ?? 0}`);

  // OpenSIPS compares get_content_length() (0 without the header) with two body sizes:
  // first get_body()'s, which is cut to a shorter Content-Length, then (below) the raw
  // bytes after the header section. A longer Content-Length fails the first comparison,
  // a shorter one only the second, after the header checks.
  const actualBody = msg.data.length - msg.layout.bodyStart;
  const declared = hasCl ? msg.contentLength() : 0;
  const cutBody = hasCl && declared < actualBody ? declared : actualBody;
  const isCancel = msg.isRequest && msg.method.toUpperCase() === 'CANCEL';
  if (!isCancel) {
    if (declared !== cutBody) fail(SV.INVALID_CONTENT_LENGTH, `invalid body - content length ${declared} different than actual body ${cutBody}`);
    if (cutBody > 0 && flags.has('sdp')) {
      let ct = null;
      try {
        ct = msg.contentType();
      } catch {
        ct = null;
      }
      if (ct !== null && ct.mediaType === 'application/sdp' && !parses(() => msg.sdp())) fail(SV.PARSE_SDP, 'failed to parse SDP message');
    }
  }

  if (!msg.hasHeader('CSeq')) fail(SV.NO_CSEQ, '');
  if (!msg.hasHeader('From')) fail(SV.NO_FROM, '');
  if (!msg.hasHeader('To')) fail(SV.NO_TO, '');
  if (!msg.hasHeader('Via')) fail(SV.NO_VIA1, '');

  if (flags.has('to-uri')) checkAddress(msg, 'To');
  if (flags.has('from-uri')) checkAddress(msg, 'From');

  let method: string;
  if (msg.isRequest) {
    method = msg.method.toUpperCase();
    if (flags.has('ruri')) {
      let uri: OsUri | null;
      try {
        uri = opensipsView(msg.requestUri());
      } catch {
        checkLoosely(msg.ruri, SV.BAD_HOSTNAME, SV.BAD_USERNAME, 'R-URI');
        return fail(SV.RURI_PARSE_ERROR, 'failed to parse R-URI');
      }
      if (uri === null) return fail(SV.RURI_PARSE_ERROR, 'failed to parse R-URI');
      // OpenSIPS runs its hostname check on every R-URI; the empty host of a tel URI
      // always fails it.
      if (uri.kind === 'tel' || !checkHostname(uri.host)) fail(SV.BAD_HOSTNAME, 'invalid domain for R-URI');
      if (!isUsername(uri.user)) fail(SV.BAD_USERNAME, 'invalid username for R-URI');
    }
    if (!flags.has('no-max-forwards') && !msg.hasHeader('Max-Forwards')) fail(SV.NO_MF, '');
    if (flags.has('contact')) checkContacts(msg, method, false);
    if (method !== 'REGISTER' && msg.hasHeader('Path')) fail(SV.PATH_NONREGISTER, 'PATH header supported only for REGISTERs');
  } else {
    try {
      method = parseCSeq(msg.getHeader('CSeq') ?? '').method.toUpperCase();
    } catch {
      return fail(SV.NO_CSEQ, 'cseq not parsed properly');
    }
    const status = msg.status;
    if (method !== 'CANCEL') {
      if (status === 405 && !msg.hasHeader('Allow')) fail(SV.NOALLOW_405, '');
      if (status === 423 && method === 'REGISTER' && !msg.hasHeader('Min-Expires')) fail(SV.NOMINEXP_423, '');
      if (status === 407 && !msg.hasHeader('Proxy-Authenticate')) fail(SV.NO_PROXY_AUTH, '');
      if (status === 420 && !msg.hasHeader('Unsupported')) fail(SV.NO_UNSUPPORTED, '');
      if (status === 401 && !msg.hasHeader('WWW-Authenticate')) fail(SV.NO_WWW_AUTH, '');
    }
    if (flags.has('contact') && status > 199 && status < 400) checkContacts(msg, method, true);
  }

  if (method !== 'CANCEL') {
    // OpenSIPS ends this second reason with a newline.
    if (declared !== actualBody) fail(SV.INVALID_CONTENT_LENGTH, `invalid body - content length ${declared} different than actual body ${actualBody}\n`);
    if (actualBody > 0 && !msg.hasHeader('Content-Type')) fail(SV.NO_CONTENT_TYPE, '');
  }

  if (flags.has('headers') && !checkHeaderBodies(msg)) fail(SV.HDR_PARSE_ERROR, 'failed to parse headers');
}

const NO_FLAGS: ReadonlySet<ValidateCheck> = new Set();

export function sipmsgValidate(ctx: ScriptContext, flags: ReadonlySet<ValidateCheck> | null, result: PvRef | null): number {
  const msg = sipMessage(ctx);
  let code = 1;
  let reason = '';
  if (msg === null) {
    code = SV.NO_MSG;
    reason = 'no message object';
  } else {
    try {
      validate(msg, flags ?? NO_FLAGS, ctx.rcv.proto.toLowerCase());
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      code = e.code;
      reason = e.message;
    }
  }
  if (code < 0 && result !== null) {
    try {
      result.set(ctx, reason);
    } catch {
      ctx.logError('sipmsg_validate: cannot set the result variable');
      return SV.GENERIC_FAILURE;
    }
  }
  return code;
}

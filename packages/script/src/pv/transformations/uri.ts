/**
 * `uri.*` (OpenSIPS tr_eval_uri). The value is parsed with @tsips/sip's
 * parseUri; a value that is not a SIP, SIPS or tel URI gives NULL for every
 * member, as OpenSIPS's parse_uri failure does. A part that is absent or
 * empty is NULL (OpenSIPS marks an empty part NULL).
 */
import { parseUri } from '@tsips/sip';
import type { Param, SipUri, TelUri } from '@tsips/sip';
import type { ScriptValue } from '../../values';
import { strArg, strOf } from './common';
import type { TransformDef } from './types';

interface UriView {
  scheme: string;
  user: string | null;
  password: string | null;
  host: string | null;
  port: number | null;
  /** Raw parameter text after the first ';' (up to '?'), or null. */
  paramsText: string | null;
  params: Param[];
  /** Raw header text after '?', or null. */
  headersText: string | null;
}

/** Offset where the host part starts in a sip/sips URI (after "user[:pass]@" when present). */
function hostStart(u: SipUri, schemeLen: number): number {
  if (u.user === null) return schemeLen + 1;
  // userinfo cannot hold an unescaped '@', so the first one ends it
  return u.raw.indexOf('@', schemeLen + 1) + 1;
}

function sipView(u: SipUri): UriView {
  const raw = u.raw;
  let i = hostStart(u, u.scheme.length);
  if (raw[i] === '[') i = raw.indexOf(']', i) + 1;
  const semi = raw.indexOf(';', i);
  const q = raw.indexOf('?', i);
  const paramsEnd = q >= 0 ? q : raw.length;
  const paramsText = semi >= 0 && semi < paramsEnd ? raw.slice(semi + 1, paramsEnd) : null;
  return {
    scheme: raw.slice(0, raw.indexOf(':')),
    user: u.user,
    password: u.password,
    host: u.host,
    port: u.port,
    paramsText,
    params: u.params,
    headersText: q >= 0 ? raw.slice(q + 1) : null,
  };
}

function telView(u: TelUri): UriView {
  const raw = u.raw;
  const colon = raw.indexOf(':');
  const semi = raw.indexOf(';', colon);
  return {
    scheme: raw.slice(0, colon),
    user: u.number,
    password: null,
    host: null,
    port: null,
    paramsText: semi >= 0 ? raw.slice(semi + 1) : null,
    params: u.params,
    headersText: null,
  };
}

let lastText: string | null = null;
let lastView: UriView | null = null;

function viewOf(v: ScriptValue): UriView | null {
  if (v === null) return null;
  const s = strOf(v);
  if (s.length === 0) return null;
  if (s === lastText) return lastView;
  let view: UriView | null = null;
  try {
    const u = parseUri(s);
    if (u.scheme === 'sip' || u.scheme === 'sips') view = sipView(u as SipUri);
    else if (u.scheme === 'tel') view = telView(u as TelUri);
  } catch {
    view = null;
  }
  lastText = s;
  lastView = view;
  return view;
}

const nonEmpty = (s: string | null | undefined): ScriptValue => (s === null || s === undefined || s.length === 0 ? null : s);

function paramValue(view: UriView, name: string): string | null | undefined {
  const lower = name.toLowerCase();
  for (const p of view.params) if (p.name.toLowerCase() === lower) return p.value;
  return undefined;
}

function member(name: string, get: (u: UriView) => ScriptValue): TransformDef {
  return {
    name,
    minArgs: 0,
    maxArgs: 0,
    args: [],
    apply(v) {
      const u = viewOf(v);
      return u === null ? null : get(u);
    },
  };
}

/** A well-known URI parameter's value; `;lr` without a value is NULL as in OpenSIPS. */
const named = (param: string) => (u: UriView): ScriptValue => nonEmpty(paramValue(u, param));

export const uriTransforms: TransformDef[] = [
  member('uri.user', (u) => nonEmpty(u.user)),
  member('uri.host', (u) => nonEmpty(u.host)),
  member('uri.passwd', (u) => nonEmpty(u.password)),
  member('uri.port', (u) => u.port),
  member('uri.params', (u) => nonEmpty(u.paramsText)),
  member('uri.headers', (u) => nonEmpty(u.headersText)),
  member('uri.transport', named('transport')),
  member('uri.ttl', named('ttl')),
  member('uri.uparam', named('user')),
  member('uri.maddr', named('maddr')),
  member('uri.method', named('method')),
  member('uri.lr', named('lr')),
  member('uri.r2', named('r2')),
  member('uri.schema', (u) => u.scheme),
  {
    name: 'uri.param',
    minArgs: 1,
    maxArgs: 1,
    args: ['str'],
    apply(v, a) {
      const u = viewOf(v);
      if (u === null) return null;
      const key = strArg(a[0]);
      if (key === undefined) return null;
      if (u.params.length === 0) return null;
      const val = paramValue(u, key);
      return val === undefined ? null : val ?? '';
    },
  },
];

export const uriAliases: Record<string, string> = { 'uri.domain': 'uri.host' };

/**
 * rr: Record-Route (RFC 3261 section 16.6/16.12) and loose routing of in-dialog requests,
 * with the strict-router compatibility OpenSIPS keeps.
 *
 * Other modules add Record-Route parameters (dialog's `did`) and read the parameters of
 * our Route header through the exported helpers {@link addRecordRouteParam},
 * {@link routeParams}, {@link getRouteParam} and {@link isDownstream}.
 */
import type { ModuleEnv, ModuleExports, PvarExport, ScriptContext } from '@tsips/script';
import { CORE } from '@tsips/core';
import { intParam, strParam } from '../shared/declare';
import { oneOf, regex, staticStr, str } from '../shared/params';
import { REQ, REQ_BRANCH_FAIL } from '../shared/routes';
import { currentText, layoutOf, replaceMessage, sipMessage } from '../sipmsgops/message-edit';
import { RR, type LooseRouteHook } from './api';
import { LocalView, uriTarget, type RrAddress } from './local';
import { isDoubleRr, isStrict, maddrUri, readRouteSet, uriParamString, writeRouteSet, type RouteEntry } from './route-set';

/** Per-message rr state, in ctx.moduleState under {@link RR_STATE}. */
interface RrState {
  /** The Record-Route header values this module added (top first), once record_route ran. */
  added: string[] | null;
  /** add_rr_param() parameters given before record_route(), waiting for it. */
  pending: string[];
  /** Parameters (without the leading ';') of our Route URI that loose_route() consumed. */
  routeParams: string | null;
}

const RR_STATE = 'rr:state';

function stateOf(ctx: ScriptContext): RrState {
  let s = ctx.moduleState.get(RR_STATE) as RrState | undefined;
  if (s === undefined) {
    s = { added: null, pending: [], routeParams: null };
    ctx.moduleState.set(RR_STATE, s);
  }
  return s;
}

/**
 * Adds a parameter (";name=value") to the Record-Route header(s) of this request: to the
 * ones record_route() already added, else kept until it runs. 1 on success, -1 on error.
 */
export function addRecordRouteParam(ctx: ScriptContext, param: string): number {
  if (param === '') return 1;
  if (/[\r\n<>,]/.test(param)) {
    ctx.logError(`add_rr_param: '${param}' cannot go into a Record-Route URI`);
    return -1;
  }
  const st = stateOf(ctx);
  if (st.added === null) {
    st.pending.push(param);
    return 1;
  }
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  // Our headers are already in the message: rewrite them with the parameter inside <...>.
  const text = currentText(msg);
  const lay = layoutOf(text);
  let head = text.slice(0, lay.headersEnd);
  const updated: string[] = [];
  for (const value of st.added) {
    const next = `${value.slice(0, -1)}${param}>`;
    const line = `Record-Route: ${value}\r\n`;
    const at = head.indexOf(line);
    if (at === -1) {
      ctx.logError('add_rr_param: the Record-Route header this proxy added is gone');
      return -1;
    }
    head = `${head.slice(0, at)}Record-Route: ${next}\r\n${head.slice(at + line.length)}`;
    updated.push(next);
  }
  if (!replaceMessage(ctx, msg, head + text.slice(lay.headersEnd), 'add_rr_param')) return -1;
  st.added = updated;
  return 1;
}

/** Parameters of the Route URI that loose_route() found to be ours (no leading ';'), or null. */
export function routeParams(ctx: ScriptContext): string | null {
  const p = ctx.moduleState.get(RR_STATE) as RrState | undefined;
  return p === undefined || p.routeParams === null || p.routeParams === '' ? null : p.routeParams;
}

/** One parameter of our Route URI: its value ('' when it has none), or null when absent. */
export function getRouteParam(ctx: ScriptContext, name: string): string | null {
  const params = routeParams(ctx);
  if (params === null) return null;
  for (const tok of params.split(';')) {
    const eq = tok.indexOf('=');
    const n = (eq === -1 ? tok : tok.slice(0, eq)).trim();
    if (n !== name) continue;
    if (eq === -1) return '';
    const v = tok.slice(eq + 1).trim();
    return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
  }
  return null;
}

/**
 * Whether an in-dialog request flows from the caller to the callee: the From tag equals
 * the ftag our Record-Route carried. Without an ftag (or a From tag) it counts as
 * downstream, as in OpenSIPS.
 */
export function isDownstream(ctx: ScriptContext): boolean {
  const ftag = getRouteParam(ctx, 'ftag');
  if (ftag === null || ftag === '') return true;
  let tag: string | null;
  try {
    tag = ctx.msg?.from().tag ?? null;
  } catch {
    return true;
  }
  if (tag === null || tag === '') return true;
  return tag === ftag;
}

/** A fresh instance: modparams and the core's view of local addresses are per server. */
export function createRr(): ModuleExports {
  let appendFromtag = 1;
  let enableDoubleRr = 1;
  let ignoreUser: string | null = null;
  let addUsername = 0;
  let socketMismatchWarning = 1;
  let local = new LocalView(null);
  let env: ModuleEnv | null = null;
  const looseHooks: LooseRouteHook[] = [];

  const warn = (ctx: ScriptContext, text: string): void => {
    if (env !== null) env.log(1, text);
    else ctx.log(1, text);
  };

  /** The Request-URI user for add_username: the received one, else the rewritten one. */
  const usernameOf = (ctx: ScriptContext): string | null => {
    const msg = ctx.msg;
    if (msg === null) return null;
    for (const uri of [msg.originalRuri ?? msg.ruri, ctx.ruri()]) {
      const m = /^sips?:([^@;?]+)@/i.exec(uri);
      if (m !== null) return m[1]!;
    }
    return null;
  };

  /** "<sip:[user@]" prefix, with the ignore_user twist of OpenSIPS (its first letter is changed). */
  const prefix = (ctx: ScriptContext): string | null => {
    if (!addUsername) return '<sip:';
    let user = usernameOf(ctx);
    if (user === null) return '<sip:';
    if (ignoreUser !== null && user === ignoreUser) user = (user[0] === 'x' ? 'y' : 'x') + user.slice(1);
    return `<sip:${user}@`;
  };

  const fromTag = (ctx: ScriptContext): string | null | undefined => {
    if (!appendFromtag) return null;
    try {
      return ctx.msg?.from().tag ?? null;
    } catch {
      ctx.logError('record_route: cannot parse the From header');
      return undefined;
    }
  };

  const insert = (ctx: ScriptContext, values: string[]): number => {
    const msg = sipMessage(ctx);
    if (msg === null) return -1;
    // Each 'first' insert lands above the previous one: add the bottom header first.
    try {
      for (let i = values.length - 1; i >= 0; i--) msg.addHeader('Record-Route', values[i]!, 'first');
    } catch (e) {
      ctx.logError(`record_route: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    const st = stateOf(ctx);
    st.added = values;
    st.pending = [];
    return 1;
  };

  const recordRoute = (ctx: ScriptContext, params: string | null): number => {
    const st = stateOf(ctx);
    if (st.added !== null) {
      ctx.logError('record_route: double attempt to record-route');
      return -1;
    }
    if (ctx.msg === null || !ctx.msg.isRequest) return -1;
    const pre = prefix(ctx);
    const tag = fromTag(ctx);
    if (pre === null || tag === undefined) return -1;
    if (params !== null && /[\r\n<>]/.test(params)) {
      ctx.logError(`record_route: '${params}' cannot go into a Record-Route URI`);
      return -1;
    }
    const suffix = `;lr${tag ? `;ftag=${tag}` : ''}${params ?? ''}${st.pending.join('')}>`;
    const inbound = local.inbound(ctx);
    const outbound: RrAddress | null = enableDoubleRr ? local.outbound(ctx) : null;
    if (outbound !== null && outbound.key !== inbound.key) {
      // Two interfaces: the top header names the one facing the next hop (RFC 3261 section 16.6 step 4).
      return insert(ctx, [`${pre}${outbound.text};r2=on${suffix}`, `${pre}${inbound.text};r2=on${suffix}`]);
    }
    return insert(ctx, [`${pre}${inbound.text}${suffix}`]);
  };

  const recordRoutePreset = (ctx: ScriptContext, first: string, second: string | null): number => {
    const st = stateOf(ctx);
    if (st.added !== null) {
      ctx.logError('record_route_preset: double attempt to record-route');
      return -1;
    }
    if (second !== null && !enableDoubleRr) {
      ctx.logError("record_route_preset: a second address needs the 'enable_double_rr' parameter");
      return -1;
    }
    if (ctx.msg === null || !ctx.msg.isRequest) return -1;
    const pre = prefix(ctx);
    const tag = fromTag(ctx);
    if (pre === null || tag === undefined) return -1;
    const values: string[] = [];
    for (const addr of second === null ? [first] : [first, second]) {
      if (addr === '' || /[\r\n<>]/.test(addr)) {
        ctx.logError(`record_route_preset: '${addr}' is not an address for a Record-Route URI`);
        return -1;
      }
      values.push(`${pre}${addr}${tag ? `;ftag=${tag}` : ''};lr${st.pending.join('')}>`);
    }
    return insert(ctx, values);
  };

  /** Notes where a double-RR Route says the request should leave (OpenSIPS forces that socket). */
  const checkSecondRoute = (ctx: ScriptContext, entry: RouteEntry): void => {
    const t = uriTarget(entry.uri);
    if (t !== null && !local.isMyself(ctx, t) && socketMismatchWarning) {
      warn(ctx, `rr: no socket found to match 2nd RR [${t.proto}:${t.host}:${t.port}]`);
    }
  };

  const looseRoute = (ctx: ScriptContext): number => {
    const st = stateOf(ctx);
    st.routeParams = null;
    const msg = sipMessage(ctx);
    if (msg === null || !msg.isRequest) return -1;
    let set: RouteEntry[];
    try {
      set = readRouteSet(msg);
    } catch (e) {
      ctx.logError(`loose_route: failed to parse the Route header: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    if (set.length === 0) return -1;
    let preloaded: boolean;
    try {
      const tag = msg.to().tag;
      preloaded = tag === null || tag === '';
    } catch {
      ctx.logError('loose_route: failed to parse the To header');
      return -1;
    }
    const ruri = ctx.ruri();
    const ruriTarget = uriTarget(ruri);
    if (ruriTarget === null) {
      ctx.logError('loose_route: failed to parse the Request-URI');
      return -1;
    }
    const isOurs = (uri: string): boolean => {
      const t = uriTarget(uri);
      if (t === null) return false;
      if (ignoreUser !== null && /^sips?:([^@;?]+)@/i.exec(uri)?.[1] === ignoreUser) return false;
      return local.isMyself(ctx, t);
    };
    const hasGr = /;gr(?:[=;?]|$)/i.test(ruri);
    const r = !preloaded && isOurs(ruri) && !hasGr ? afterStrict(ctx, msg, set, ruri) : afterLoose(ctx, msg, set, preloaded, isOurs);
    const params = stateOf(ctx).routeParams;
    if (params !== null && looseHooks.length > 0) {
      for (const h of looseHooks) {
        try {
          h(ctx, params);
        } catch (e) {
          ctx.logError(`loose_route: callback failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    return r;
  };

  /** The previous hop was a loose router (or the request is initial with a preloaded route set). */
  const afterLoose = (ctx: ScriptContext, msg: NonNullable<ReturnType<typeof sipMessage>>, set: RouteEntry[], preloaded: boolean, isOurs: (uri: string) => boolean): number => {
    const st = stateOf(ctx);
    let i = 0;
    const top = set[0]!;
    if (uriTarget(top.uri) === null) {
      ctx.logError(`loose_route: failed to parse the first Route URI '${top.uri}'`);
      return -1;
    }
    if (isOurs(top.uri)) {
      st.routeParams = uriParamString(top.uri);
      top.deleted = true;
      i = 1;
      if (i < set.length && enableDoubleRr && isDoubleRr(top.uri)) {
        checkSecondRoute(ctx, set[i]!);
        set[i]!.deleted = true;
        i++;
      }
      if (i >= set.length) {
        // Nothing left: the Request-URI is the target. A preloaded route naming only us is not routing.
        writeRouteSet(msg, set, null);
        return preloaded ? -1 : 1;
      }
    }
    const next = set[i]!;
    if (uriTarget(next.uri) === null) {
      ctx.logError(`loose_route: failed to parse the Route URI '${next.uri}'`);
      return -1;
    }
    if (isStrict(next.uri)) {
      // The next hop is a strict router: it wants its URI in the Request-URI and ours last in the route set.
      const oldRuri = ctx.ruri();
      next.deleted = true;
      if (!ctx.setRuri(maddrUri(next.uri))) return -1;
      writeRouteSet(msg, set, `<${oldRuri}>`);
    } else {
      ctx.dstUri = maddrUri(next.uri);
      writeRouteSet(msg, set, null);
    }
    return 1;
  };

  /** The previous hop was a strict router: our Record-Route URI is the Request-URI. */
  const afterStrict = (ctx: ScriptContext, msg: NonNullable<ReturnType<typeof sipMessage>>, set: RouteEntry[], ruri: string): number => {
    const st = stateOf(ctx);
    let i = 0;
    const top = set[0]!;
    if (uriTarget(top.uri) === null) {
      ctx.logError(`loose_route: failed to parse the first Route URI '${top.uri}'`);
      return -1;
    }
    if (enableDoubleRr && isDoubleRr(top.uri) && local.isMyself(ctx, uriTarget(top.uri)!)) {
      top.deleted = true;
      i = 1;
      if (i >= set.length) {
        writeRouteSet(msg, set, null);
        return -1;
      }
    }
    const next = set[i]!;
    if (uriTarget(next.uri) === null) {
      ctx.logError(`loose_route: failed to parse the Route URI '${next.uri}'`);
      return -1;
    }
    // Parameters of our own URI (the Request-URI the strict router wrote) are the "route params".
    st.routeParams = uriParamString(ruri);
    if (isStrict(next.uri)) {
      // Next hop strict too: behave like a strict router.
      next.deleted = true;
      if (!ctx.setRuri(maddrUri(next.uri))) return -1;
      writeRouteSet(msg, set, null);
      return 1;
    }
    // Next hop loose: send there, and restore the real Request-URI from the last Route value.
    ctx.dstUri = maddrUri(next.uri);
    let last = -1;
    for (let k = set.length - 1; k >= 0; k--) {
      if (!set[k]!.deleted) {
        last = k;
        break;
      }
    }
    if (last === -1 || last === i) {
      ctx.logError('loose_route: no remote target left in the route set after a strict router');
      return -1;
    }
    set[last]!.deleted = true;
    if (!ctx.setRuri(maddrUri(set[last]!.uri))) return -1;
    writeRouteSet(msg, set, null);
    return 1;
  };

  const rrParamsPvar: PvarExport = {
    name: 'rr_params',
    inner: 'none',
    bind: () => ({ get: (ctx) => routeParams(ctx) }),
    doc: 'Parameters of the Route header that loose_route found to be ours.',
  };

  return {
    name: 'rr',
    functions: [
      {
        name: 'loose_route',
        params: [],
        routes: REQ,
        impl: looseRoute,
        doc: 'Routes an in-dialog request by its Route headers (removing the ones naming this proxy). 1 when Route headers drove the routing, -1 when there were none (or only ours on an initial request) or on error.',
      },
      {
        name: 'record_route',
        params: [str('parameters', true)],
        routes: REQ_BRANCH_FAIL,
        impl: recordRoute,
        doc: 'Adds a Record-Route header naming this proxy (two when the in/out interfaces differ), with optional extra URI parameters.',
      },
      {
        name: 'record_route_preset',
        params: [str('address'), str('second address', true)],
        routes: REQ_BRANCH_FAIL,
        impl: recordRoutePreset,
        doc: 'Adds a Record-Route header with the given address instead of the socket one (and a second for double RR).',
      },
      {
        name: 'add_rr_param',
        params: [str('parameter')],
        routes: REQ_BRANCH_FAIL,
        impl: addRecordRouteParam,
        doc: 'Appends a parameter (";name=value") to the Record-Route header this proxy adds (before or after record_route).',
      },
      {
        name: 'check_route_param',
        params: [regex('parameter regex')],
        routes: REQ,
        impl: (ctx: ScriptContext, re: RegExp) => {
          const p = routeParams(ctx);
          if (p === null) return -1;
          re.lastIndex = 0;
          return re.test(`;${p}`) ? 1 : -1;
        },
        doc: 'True when the parameters of the Route header that named this proxy match (after loose_route).',
      },
      {
        name: 'is_direction',
        params: [staticStr('direction', false, oneOf(['downstream', 'upstream'], true))],
        routes: REQ,
        impl: (ctx: ScriptContext, dir: string) => {
          const down = isDownstream(ctx);
          return (dir.trim().toLowerCase() === 'downstream') === down ? 1 : -1;
        },
        doc: "True when the in-dialog request flows 'downstream' (caller to callee) or 'upstream'; needs append_fromtag.",
      },
    ],
    params: [
      intParam('append_fromtag', 1, 'Add the From tag as ";ftag=" to Record-Route (is_direction needs it).', { set: (v) => { appendFromtag = Number(v); } }),
      intParam('enable_double_rr', 1, 'Add two Record-Route headers when the request leaves by another interface or transport.', { set: (v) => { enableDoubleRr = Number(v); } }),
      strParam('ignore_user', null, 'A Route URI user part that makes loose_route skip the header (not ours).', { set: (v) => { ignoreUser = String(v); } }),
      intParam('add_username', 0, 'Put the Request-URI user into the Record-Route URI.', { set: (v) => { addUsername = Number(v); } }),
      intParam('enable_socket_mismatch_warning', 1, 'Warn when a Route names our address but arrived on another socket.', { set: (v) => { socketMismatchWarning = Number(v); } }),
    ],
    pvars: [rrParamsPvar],
    init: (e: ModuleEnv) => {
      env = e;
      local = new LocalView(e.services.find(CORE) ?? null);
      if (e.services.find(RR) === undefined) e.services.provide(RR, { onLooseRoute: (h) => { looseHooks.push(h); } });
    },
  };
}

export const rr: ModuleExports = createRr();
export { RR, type RrApi, type LooseRouteHook } from './api';

/**
 * The core pseudo-variables (OpenSIPS pvar.c's table), with their read/write rules.
 * Each entry binds once per occurrence at load; the returned accessors do no parsing of
 * script text per message (the SIP message parses its own headers lazily, once).
 */
import { type ScriptValue, strToIntStrict, valueToString } from '../values';
import {
  type PvAssignOp,
  type PvAccess,
  type PvarExport,
  PvBindError,
  type PvIndexSite,
  type PvSite,
} from '../exports/types';
import type { ScriptContext } from './context';
import type { RtFromTo, RtNameAddr, RuntimeMessage } from './message';
import { buildUri, type UriParts } from './uri-parts';
import { strftime } from './strftime';
import { authPvars } from './auth-pvars';

type Getter = (ctx: ScriptContext) => ScriptValue;

function noInner(site: PvSite, name: string): void {
  if (site.name !== null) throw new PvBindError(`$${name} takes no name in parentheses`);
  if (site.index !== null) throw new PvBindError(`$${name} cannot be indexed`);
}

/** A read-only variable without name or index. */
function ro(name: string, get: Getter, doc?: string): PvarExport {
  return {
    name,
    inner: 'none',
    doc,
    bind(site) {
      noInner(site, name);
      return { get };
    },
  };
}

/** A read-write variable without name or index. */
function rw(name: string, get: Getter, set: (ctx: ScriptContext, v: ScriptValue) => void, doc?: string): PvarExport {
  return {
    name,
    inner: 'none',
    writable: true,
    doc,
    bind(site) {
      noInner(site, name);
      return { get, set: (ctx, v) => set(ctx, v) };
    },
  };
}

function staticName(site: PvSite, pv: string): string {
  if (site.name === null) throw new PvBindError(`$${pv} needs a name: $${pv}(name)`);
  if (site.name.kind !== 'static') throw new PvBindError(`$${pv} needs a static name`);
  return site.name.text;
}

/** Reads the name of a `$x(name)` occurrence: a load-time constant or a per-message value. */
function nameReader(site: PvSite, pv: string): (ctx: ScriptContext) => string {
  if (site.name === null) throw new PvBindError(`$${pv} needs a name: $${pv}(name)`);
  if (site.name.kind === 'static') {
    const t = site.name.text;
    return () => t;
  }
  return site.name.get;
}

function msgOf(ctx: ScriptContext): RuntimeMessage | null {
  return ctx.msg;
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** Picks from a list with OpenSIPS index rules: none -> first, i, -i from the end, * -> joined. */
function pickIndexed(list: readonly string[], index: PvIndexSite | null, ctx: ScriptContext): ScriptValue {
  if (list.length === 0) return null;
  if (index === null) return list[0]!;
  if (index.kind === 'all') return list.join(',');
  const i0 = index.kind === 'int' ? index.value : index.get(ctx);
  const i = i0 < 0 ? list.length + i0 : i0;
  if (i < 0 || i >= list.length) return null;
  return list[i]!;
}

// ---------------------------------------------------------------- URI-based variables

function uriPartGetter(uriOf: (ctx: ScriptContext) => string | null, part: keyof UriParts | 'hostport'): Getter {
  const pick = partPicker(part);
  return (ctx) => {
    const text = uriOf(ctx);
    if (text === null || text === '') return null;
    const p = ctx.uriPartsOf(text);
    return p === null ? null : pick(p);
  };
}

function partPicker(part: keyof UriParts | 'hostport'): (p: UriParts) => ScriptValue {
  switch (part) {
    case 'user': return (p) => (p.user === null || p.user === '' ? null : p.user);
    case 'host': return (p) => (p.host === '' ? null : p.host);
    case 'port': return (p) => p.port;
    case 'scheme': return (p) => p.scheme;
    case 'hostport': return (p) => (p.port === null ? p.host : `${p.host}:${p.port}`);
    default: return () => null;
  }
}

function ruriPartSetter(part: 'user' | 'host' | 'port'): (ctx: ScriptContext, v: ScriptValue) => void {
  return (ctx, v) => {
    const cur = ctx.uriPartsOf(ctx.ruri());
    if (cur === null) {
      ctx.logError(`cannot change the ${part} of an unparsable Request-URI`);
      return;
    }
    const next: UriParts = { ...cur };
    if (part === 'user') next.user = v === null ? null : valueToString(v);
    else if (part === 'host') {
      if (v === null || valueToString(v) === '') {
        ctx.logError('cannot set an empty host in the Request-URI');
        return;
      }
      next.host = valueToString(v);
    } else {
      if (v === null) next.port = null;
      else {
        const n = typeof v === 'number' ? v : strToIntStrict(v);
        if (n === undefined || n < 0 || n > 65535) {
          ctx.logError(`invalid port '${valueToString(v)}' for the Request-URI`);
          return;
        }
        next.port = n;
      }
    }
    ctx.setRuri(buildUri(next));
  };
}

const ruriOf = (ctx: ScriptContext): string | null => (ctx.msg?.isRequest ? ctx.ruri() : null);
const ouriOf = (ctx: ScriptContext): string | null => (ctx.msg?.isRequest ? ctx.msg.originalRuri ?? ctx.msg.ruri : null);
const duriOf = (ctx: ScriptContext): string | null => ctx.dstUri;

function fromTo(which: 'from' | 'to'): (ctx: ScriptContext) => RtFromTo | null {
  if (which === 'from') {
    return (ctx) => {
      const m = msgOf(ctx);
      if (m === null) return null;
      try {
        return m.from();
      } catch {
        return null;
      }
    };
  }
  return (ctx) => {
    const m = msgOf(ctx);
    if (m === null) return null;
    try {
      return m.to();
    } catch {
      return null;
    }
  };
}

/** The message's contacts, or null when there is no message or the header is malformed. */
function contactsOf(m: RuntimeMessage | null): ReturnType<RuntimeMessage['contacts']> | null {
  if (m === null) return null;
  try {
    return m.contacts();
  } catch {
    return null;
  }
}
const fromOf = fromTo('from');
const toOf = fromTo('to');

function nameAddrVars(prefix: 'f' | 't', of: (ctx: ScriptContext) => RtFromTo | null): PvarExport[] {
  const uriOf = (ctx: ScriptContext): string | null => of(ctx)?.uri ?? null;
  return [
    ro(`${prefix}u`, uriOf, `${prefix === 'f' ? 'From' : 'To'} URI`),
    ro(`${prefix}U`, uriPartGetter(uriOf, 'user')),
    ro(`${prefix}d`, uriPartGetter(uriOf, 'host')),
    ro(`${prefix}n`, (ctx) => {
      const dn = of(ctx)?.displayName;
      return dn === undefined || dn === null || dn === '' ? null : dn;
    }),
    ro(`${prefix}t`, (ctx) => of(ctx)?.tag ?? null),
  ];
}

// ---------------------------------------------------------------- headers

function headerVar(): PvarExport {
  return {
    name: 'hdr',
    inner: 'required',
    indexable: true,
    bind(site) {
      const nameOf = nameReader(site, 'hdr');
      const index = site.index;
      if (index === null) {
        return { get: (ctx) => ctx.msg?.getHeader(nameOf(ctx)) ?? null };
      }
      return {
        get: (ctx) => {
          const m = ctx.msg;
          if (m === null) return null;
          return pickIndexed(m.getHeaders(nameOf(ctx)), index, ctx);
        },
        getAll: (ctx) => (ctx.msg === null ? [] : ctx.msg.getHeaders(nameOf(ctx))),
      };
    },
  };
}

function headerCountVar(): PvarExport {
  return {
    name: 'hdrcnt',
    inner: 'required',
    bind(site) {
      if (site.index !== null) throw new PvBindError('$hdrcnt cannot be indexed');
      const nameOf = nameReader(site, 'hdrcnt');
      return { get: (ctx) => ctx.msg?.headerCount(nameOf(ctx)) ?? 0 };
    },
  };
}

function contactVar(): PvarExport {
  return {
    name: 'ct',
    inner: 'none',
    indexable: true,
    bind(site) {
      if (site.name !== null) throw new PvBindError('$ct takes no name in parentheses');
      const index = site.index;
      return {
        get: (ctx) => {
          const list = contactsOf(ctx.msg);
          if (list === null) return null;
          if (list.star) return index === null || (index.kind === 'int' && (index.value === 0 || index.value === -1)) || index.kind === 'all' ? '*' : null;
          const cs = list.contacts;
          if (cs.length === 0) return null;
          if (index === null) return cs[0]!.raw;
          if (index.kind === 'all') return cs.map((c) => c.raw).join(',');
          const i0 = index.kind === 'int' ? index.value : index.get(ctx);
          const i = i0 < 0 ? cs.length + i0 : i0;
          return i >= 0 && i < cs.length ? cs[i]!.raw : null;
        },
        getAll: (ctx) => {
          const list = contactsOf(ctx.msg);
          if (list === null) return [];
          return list.star ? ['*'] : list.contacts.map((c) => c.raw);
        },
      };
    },
  };
}

const CONTACT_FIELDS = ['name', 'uri', 'q', 'expires', 'methods', 'received', 'params'] as const;
type ContactField = (typeof CONTACT_FIELDS)[number];

function contactField(c: RtNameAddr, f: ContactField): ScriptValue {
  const param = (n: string): ScriptValue => {
    const p = c.params.find((x) => x.name.toLowerCase() === n);
    return p === undefined ? null : p.value ?? '';
  };
  switch (f) {
    case 'name': return c.displayName === null || c.displayName === '' ? null : c.displayName;
    case 'uri': return c.uri;
    case 'params': return c.params.length === 0 ? null : c.params.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`)).join(';');
    default: return param(f);
  }
}

/** `$ct.fields(uri)`: one part of a contact (`$(ct.fields(uri)[1])` for the second one). */
function contactFieldsVar(): PvarExport {
  return {
    name: 'ct.fields',
    inner: 'required',
    indexable: true,
    bind(site) {
      const field = staticName(site, 'ct.fields') as ContactField;
      if (!CONTACT_FIELDS.includes(field)) {
        throw new PvBindError(`unknown $ct.fields field '${field}' (one of ${CONTACT_FIELDS.join(', ')})`);
      }
      const index = site.index;
      return {
        get: (ctx) => {
          const list = contactsOf(ctx.msg);
          if (list === null || list.star) return null;
          const cs = list.contacts;
          if (cs.length === 0) return null;
          if (index === null) return contactField(cs[0]!, field);
          if (index.kind === 'all') return cs.map((c) => valueToString(contactField(c, field))).join(',');
          const i0 = index.kind === 'int' ? index.value : index.get(ctx);
          const i = i0 < 0 ? cs.length + i0 : i0;
          return i >= 0 && i < cs.length ? contactField(cs[i]!, field) : null;
        },
        getAll: (ctx) => {
          const list = contactsOf(ctx.msg);
          return list === null || list.star ? [] : list.contacts.map((c) => contactField(c, field));
        },
      };
    },
  };
}

// ---------------------------------------------------------------- script state

/** Accessors of `$var(name)` with a load-time name, and their slot (the compiler reads the slot directly). */
const STATIC_VAR_SLOTS = new WeakMap<PvAccess, number>();

/** The `ctx.vars` slot behind a `$var(name)` accessor with a static name, else undefined. */
export function staticVarSlot(access: PvAccess): number | undefined {
  return STATIC_VAR_SLOTS.get(access);
}

function varVar(name: 'var' | 'varv'): PvarExport {
  return {
    name,
    inner: 'required',
    writable: true,
    bind(site) {
      if (site.index !== null) throw new PvBindError(`$${name} cannot be indexed`);
      if (site.name === null) throw new PvBindError(`$${name} needs a name: $${name}(name)`);
      if (site.name.kind === 'static') {
        const slot = site.env.varSlot(site.name.text);
        const access: PvAccess = {
          get: (ctx) => ctx.getVar(slot),
          set: (ctx, v) => ctx.setVar(slot, v),
        };
        STATIC_VAR_SLOTS.set(access, slot);
        return access;
      }
      const dyn = site.name.get;
      const slotOf = (ctx: ScriptContext): number => {
        const n = dyn(ctx);
        let slot = ctx.tables.varSlots.get(n);
        if (slot === undefined) {
          slot = ctx.tables.varSlots.size;
          ctx.tables.varSlots.set(n, slot);
        }
        return slot;
      };
      return {
        get: (ctx) => ctx.getVar(slotOf(ctx)),
        set: (ctx, v) => ctx.setVar(slotOf(ctx), v),
      };
    },
  };
}

function avpVar(): PvarExport {
  return {
    name: 'avp',
    inner: 'required',
    indexable: true,
    writable: true,
    bind(site) {
      const nameOf = nameReader(site, 'avp');
      const index = site.index;
      const indexOf = (ctx: ScriptContext): number | 'all' | undefined =>
        index === null ? undefined : index.kind === 'all' ? 'all' : index.kind === 'int' ? index.value : index.get(ctx);
      return {
        get: (ctx) => {
          const n = nameOf(ctx);
          const i = indexOf(ctx);
          if (i === 'all') {
            const all = ctx.avps.all(n);
            return all.length === 0 ? null : all.map(valueToString).join(',');
          }
          return ctx.avps.get(n, i ?? 0);
        },
        getAll: (ctx) => ctx.avps.all(nameOf(ctx)),
        set: (ctx, v, op: PvAssignOp) => {
          if (!ctx.avps.assign(nameOf(ctx), op, v, indexOf(ctx))) {
            ctx.logError(`$avp(${nameOf(ctx)}) has no value at index ${String(indexOf(ctx))} to replace`);
          }
        },
      };
    },
  };
}

/**
 * In an event route $param(n) is the n-th attribute of the event (OpenSIPS keeps them as a
 * list): named ones in the order they were raised, or the unnamed values of raise_event(E, $avp(values)).
 */
function nthNamedParam(ctx: ScriptContext, i: number): ScriptValue {
  const named = ctx.namedParams;
  if (named === null || ctx.params.length > 0 || i < 1) return null;
  const v = Object.values(named)[i - 1];
  return v === undefined ? null : v;
}

function paramVar(): PvarExport {
  return {
    name: 'param',
    inner: 'required',
    bind(site) {
      if (site.index !== null) throw new PvBindError('$param cannot be indexed');
      const nameOf = nameReader(site, 'param');
      const fixed = site.name?.kind === 'static' ? strToIntStrict(site.name.text) : undefined;
      if (fixed !== undefined) {
        if (fixed < 1) throw new PvBindError('$param(n) counts from 1');
        return { get: (ctx) => (fixed <= ctx.params.length ? ctx.params[fixed - 1]! : nthNamedParam(ctx, fixed)) };
      }
      return {
        get: (ctx) => {
          const n = nameOf(ctx);
          const i = strToIntStrict(n);
          if (i !== undefined) return i >= 1 && i <= ctx.params.length ? ctx.params[i - 1]! : nthNamedParam(ctx, i);
          const named = ctx.namedParams;
          return named !== null && Object.prototype.hasOwnProperty.call(named, n) ? named[n]! : null;
        },
      };
    },
  };
}

function returnVar(): PvarExport {
  return {
    name: 'return',
    inner: 'required',
    bind(site) {
      if (site.index !== null) throw new PvBindError('$return cannot be indexed');
      const fixed = site.name?.kind === 'static' ? strToIntStrict(site.name.text) : undefined;
      if (site.name?.kind === 'static' && (fixed === undefined || fixed < 0)) {
        throw new PvBindError('$return(n) takes an index from 0');
      }
      const nameOf = nameReader(site, 'return');
      return {
        get: (ctx) => {
          const i = fixed ?? strToIntStrict(nameOf(ctx));
          if (i === undefined || i < 0 || i >= ctx.lastReturn.length) return null;
          return ctx.lastReturn[i]!;
        },
      };
    },
  };
}

function timeVar(): PvarExport {
  return {
    name: 'time',
    inner: 'optional',
    bind(site) {
      if (site.index !== null) throw new PvBindError('$time cannot be indexed');
      const fmtOf = site.name === null ? () => '%c' : nameReader(site, 'time');
      return { get: (ctx) => strftime(fmtOf(ctx), new Date(ctx.clock.now())) };
    },
  };
}

function socketInVar(): PvarExport {
  const fields = ['ip', 'port', 'proto', 'af', 'advertised_ip', 'advertised_port', 'tag', 'anycast'];
  return {
    name: 'socket_in',
    inner: 'optional',
    bind(site) {
      if (site.index !== null) throw new PvBindError('$socket_in cannot be indexed');
      if (site.name === null) {
        return { get: (ctx) => `${ctx.rcv.proto}:${hostForm(ctx.rcv.dstIp)}:${ctx.rcv.dstPort}` };
      }
      const field = staticName(site, 'socket_in');
      if (!fields.includes(field)) throw new PvBindError(`unknown $socket_in field '${field}' (one of ${fields.join(', ')})`);
      return {
        get: (ctx): ScriptValue => {
          switch (field) {
            case 'ip': return ctx.rcv.dstIp;
            case 'port': return ctx.rcv.dstPort;
            case 'proto': return ctx.rcv.proto;
            case 'af': return ctx.rcv.dstIp.includes(':') ? 'INET6' : 'INET';
            case 'anycast': return 0;
            default: return null; // advertised address / tag: not configured per socket yet
          }
        },
      };
    },
  };
}

function hostForm(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

function errVar(field: 'class' | 'level' | 'info' | 'rcode' | 'rreason'): PvarExport {
  return ro(`err.${field}`, (ctx) => ctx.err[field]);
}

const COLORS: Record<string, number> = { x: 39, s: 30, r: 31, g: 32, y: 33, b: 34, p: 35, c: 36, w: 37 };
const BG: Record<string, number> = { x: 49, s: 40, r: 41, g: 42, y: 43, b: 44, p: 45, c: 46, w: 47 };

function colorVar(): PvarExport {
  return {
    name: 'C',
    inner: 'required',
    bind(site) {
      const spec = staticName(site, 'C');
      if (spec.length !== 2) throw new PvBindError('$C(xy) takes two letters: foreground and background');
      const fg = COLORS[spec[0]!];
      const bg = BG[spec[1]!];
      if (fg === undefined || bg === undefined) throw new PvBindError(`unknown color letters '${spec}' (x s r g y b p c w)`);
      const esc = `\x1b[${fg};${bg}m`;
      return { get: () => esc };
    },
  };
}

function messageLength(ctx: ScriptContext): ScriptValue {
  const m = ctx.msg;
  return m === null ? null : m.toBuffer().length;
}

function method(ctx: ScriptContext): ScriptValue {
  const m = ctx.msg;
  if (m === null) return null;
  if (m.isRequest) return m.method;
  return safe(() => m.cseq().method);
}

const startupSeconds = Math.floor(Date.now() / 1000);

/** All core pseudo-variables. */
export function corePvars(): PvarExport[] {
  return [
    // transport
    ro('si', (ctx) => ctx.rcv.srcIp, 'source IP of the message'),
    ro('sp', (ctx) => ctx.rcv.srcPort, 'source port'),
    ro('proto', (ctx) => ctx.rcv.proto, 'transport protocol the message came on'),
    ro('pr', (ctx) => ctx.rcv.proto, 'alias of $proto'),
    ro('Ri', (ctx) => ctx.rcv.dstIp, 'IP of the local socket that received the message'),
    ro('Rp', (ctx) => ctx.rcv.dstPort, 'port of the local socket'),
    socketInVar(),
    // request line / status line
    ro('rm', method, 'request method (CSeq method for replies)'),
    ro('rs', (ctx) => (ctx.msg !== null && !ctx.msg.isRequest ? ctx.msg.status : null), 'reply status code'),
    ro('rr', (ctx) => (ctx.msg !== null && !ctx.msg.isRequest ? ctx.msg.reason : null), 'reply reason phrase'),
    rw('ru', ruriOf, (ctx, v) => {
      if (v === null || valueToString(v) === '') {
        ctx.logError('cannot set an empty Request-URI');
        return;
      }
      ctx.setRuri(valueToString(v));
    }, 'Request-URI (current)'),
    rw('rU', uriPartGetter(ruriOf, 'user'), ruriPartSetter('user'), 'Request-URI user'),
    rw('rd', uriPartGetter(ruriOf, 'host'), ruriPartSetter('host'), 'Request-URI host'),
    rw('rp', uriPartGetter(ruriOf, 'port'), ruriPartSetter('port'), 'Request-URI port'),
    ro('rz', uriPartGetter(ruriOf, 'scheme'), 'Request-URI scheme'),
    ro('ou', ouriOf, 'original Request-URI'),
    ro('oU', uriPartGetter(ouriOf, 'user')),
    ro('od', uriPartGetter(ouriOf, 'host')),
    ro('op', uriPartGetter(ouriOf, 'port')),
    rw('du', duriOf, (ctx, v) => {
      ctx.dstUri = v === null || valueToString(v) === '' ? null : valueToString(v);
    }, 'destination URI'),
    ro('dd', uriPartGetter(duriOf, 'host')),
    ro('dp', uriPartGetter(duriOf, 'port')),
    // digest credentials ($au, $ar, ...)
    ...authPvars(),
    // From / To
    ...nameAddrVars('f', fromOf),
    ...nameAddrVars('t', toOf),
    // other headers
    ro('ci', (ctx) => (ctx.msg === null ? null : safe(() => ctx.msg!.callId()))),
    ro('cs', (ctx) => (ctx.msg === null ? null : safe(() => ctx.msg!.cseq().seq))),
    ro('ua', (ctx) => ctx.msg?.getHeader('User-Agent') ?? null),
    ro('cl', (ctx) => {
      const v = ctx.msg?.getHeader('Content-Length');
      return v === undefined ? null : strToIntStrict(v.trim()) ?? null;
    }),
    ro('cT', (ctx) => ctx.msg?.getHeader('Content-Type') ?? null),
    ro('ai', (ctx) => ctx.msg?.getHeader('P-Asserted-Identity') ?? null),
    ro('re', (ctx) => ctx.msg?.getHeader('Remote-Party-ID') ?? null),
    ro('rt', (ctx) => ctx.msg?.getHeader('Refer-To') ?? null),
    ro('di', (ctx) => ctx.msg?.getHeader('Diversion') ?? null),
    contactVar(),
    contactFieldsVar(),
    headerVar(),
    headerCountVar(),
    ro('rb', (ctx) => (ctx.msg === null ? null : ctx.msg.bodyText() === '' ? null : ctx.msg.bodyText()), 'message body'),
    ro('ml', messageLength, 'message length'),
    ro('mb', (ctx) => (ctx.msg === null ? null : ctx.msg.toBuffer().toString('latin1')), 'whole message'),
    // script state
    ro('retcode', (ctx) => ctx.retcode, 'last return code'),
    ro('rc', (ctx) => ctx.retcode, 'alias of $retcode'),
    varVar('var'),
    varVar('varv'),
    avpVar(),
    paramVar(),
    returnVar(),
    ro('mf', (ctx) => ctx.flags >>> 0, 'message flags as a number'),
    ro('bf', (ctx) => (ctx.branchFlags[0] ?? 0) >>> 0, 'branch flags of the main branch'),
    ro('route', (ctx) => ctx.routeName ?? routeLabel(ctx), 'name of the running route'),
    ro('cfg_line', (ctx) => ctx.line),
    ro('cfg_file', (ctx) => ctx.file),
    ro('pp', () => process.pid, 'process id'),
    errVar('class'),
    errVar('level'),
    errVar('info'),
    errVar('rcode'),
    errVar('rreason'),
    // time
    timeVar(),
    ro('Ts', (ctx) => Math.floor(ctx.clock.now() / 1000), 'current Unix time'),
    ro('Tsm', (ctx) => (ctx.clock.now() % 1000) * 1000, 'microseconds part of the current time'),
    ro('Tf', (ctx) => strftime('%a %b %e %H:%M:%S %Y', new Date(ctx.clock.now())), 'current time, formatted'),
    ro('TS', () => startupSeconds, 'startup time (Unix seconds)'),
    ro('TF', () => strftime('%a %b %e %H:%M:%S %Y', new Date(startupSeconds * 1000)), 'startup time, formatted'),
    colorVar(),
  ];
}

function routeLabel(ctx: ScriptContext): string {
  switch (ctx.routeType) {
    case 'REQUEST_ROUTE': return 'request_route';
    case 'FAILURE_ROUTE': return 'failure_route';
    case 'ONREPLY_ROUTE': return 'onreply_route';
    case 'BRANCH_ROUTE': return 'branch_route';
    case 'ERROR_ROUTE': return 'error_route';
    case 'LOCAL_ROUTE': return 'local_route';
    case 'STARTUP_ROUTE': return 'startup_route';
    case 'TIMER_ROUTE': return 'timer_route';
    default: return 'event_route';
  }
}

export type { PvAccess };

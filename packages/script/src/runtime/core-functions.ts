/**
 * Core script functions (OpenSIPS core_cmds.c plus the script keywords xlog/xdbg/log and
 * the cfgutils basics sleep/usleep/rand_*), declared in the same table format modules use.
 */
import { type ScriptValue, strToIntStrict, valueToString } from '../values';
import {
  ALL_ROUTES,
  type FixupEnv,
  type FunctionExport,
  type ParamSpec,
  type PvRef,
} from '../exports/types';
import { type LocalAddress, LOG_LEVELS, type ScriptContext } from './context';
import { parseIp } from '../pv/transformations/ip';
import { buildUri, uriParts } from './uri-parts';

const LEVEL_NAMES = Object.keys(LOG_LEVELS);

/** Parses a log level written as `L_ERR` or a number. */
export function parseLogLevel(text: string): number | undefined {
  const t = text.trim();
  if (Object.prototype.hasOwnProperty.call(LOG_LEVELS, t)) return LOG_LEVELS[t as keyof typeof LOG_LEVELS];
  const n = strToIntStrict(t);
  return n !== undefined && n >= -3 && n <= 4 ? n : undefined;
}

/** A flag given as a number 0..31 or a name (OpenSIPS named flags). */
const FLAG_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
function flagParam(name: string): ParamSpec {
  return {
    name,
    kind: 'flags',
    validate: (lit) => {
      const n = strToIntStrict(lit.trim());
      if (n !== undefined) return n >= 0 && n <= 31 ? undefined : `flag ${n} is out of range (0..31)`;
      return FLAG_NAME_RE.test(lit.trim()) ? undefined : `'${lit}' is neither a flag number (0..31) nor a flag name`;
    },
    parse: (lit: string, env: FixupEnv) => env.flagBit(lit.trim()),
  };
}

function branchIndex(idx: number | null): number {
  return idx === null ? 0 : idx;
}

/** Per-registry state of the rand_* functions (cfgutils semantics: a probability in percent). */
export interface RandState {
  probability: number;
  initial: number;
  random: () => number;
}

export function coreFunctions(rand: RandState): FunctionExport[] {
  const fns: FunctionExport[] = [
    {
      name: 'xlog',
      params: [
        { name: 'level or format', kind: 'string' },
        { name: 'format', kind: 'string', optional: true },
      ],
      routes: ALL_ROUTES,
      fixup: (args) => {
        if (args.length === 2) {
          const lit = args[0]!.literal;
          if (lit !== null && parseLogLevel(lit) === undefined) {
            return `unknown log level '${lit}' (one of ${LEVEL_NAMES.join(', ')})`;
          }
        }
        return undefined;
      },
      impl: (ctx: ScriptContext, a: string, b: string | null) => {
        if (b === null) {
          ctx.log(LOG_LEVELS.L_ERR, a);
          return 1;
        }
        const level = parseLogLevel(a);
        if (level === undefined) {
          ctx.logError(`xlog: unknown log level '${a}'`);
          return -1;
        }
        ctx.log(level, b);
        return 1;
      },
      doc: 'xlog([level,] format): logs the expanded format (default level L_ERR)',
    },
    {
      name: 'xdbg',
      params: [{ name: 'format', kind: 'string' }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, s: string) => {
        ctx.log(LOG_LEVELS.L_DBG, s);
        return 1;
      },
    },
    {
      name: 'log',
      params: [
        { name: 'level or text', kind: 'static-string' },
        { name: 'text', kind: 'static-string', optional: true },
      ],
      routes: ALL_ROUTES,
      fixup: (args) => {
        if (args.length === 2) {
          const lit = args[0]!.literal ?? (args[0]!.int !== null ? String(args[0]!.int) : null);
          if (lit === null || parseLogLevel(lit) === undefined) return `log level must be a number -3..4 or L_ALERT..L_DBG`;
        }
        return undefined;
      },
      impl: (ctx: ScriptContext, a: string, b: string | null) => {
        if (b === null) ctx.log(LOG_LEVELS.L_DBG, a);
        else ctx.log(parseLogLevel(a) ?? LOG_LEVELS.L_DBG, b);
        return 1;
      },
      doc: 'log([level,] text): logs a plain text (no variables), default level L_DBG',
    },
    {
      name: 'setflag',
      params: [flagParam('flag')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, bit: number) => {
        ctx.flags = (ctx.flags | (1 << bit)) >>> 0;
        return 1;
      },
    },
    {
      name: 'resetflag',
      params: [flagParam('flag')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, bit: number) => {
        ctx.flags = (ctx.flags & ~(1 << bit)) >>> 0;
        return 1;
      },
    },
    {
      name: 'isflagset',
      params: [flagParam('flag')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, bit: number) => ((ctx.flags >>> bit) & 1 ? 1 : -1),
    },
    {
      name: 'setbflag',
      params: [flagParam('flag'), { name: 'branch', kind: 'int-or-var', optional: true }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, bit: number, idx: number | null) => {
        const b = branchIndex(idx);
        if (b < 0 || b >= ctx.branchFlags.length) {
          ctx.logError(`setbflag: no branch ${b}`);
          return -1;
        }
        ctx.branchFlags[b] = ((ctx.branchFlags[b] ?? 0) | (1 << bit)) >>> 0;
        return 1;
      },
    },
    {
      name: 'resetbflag',
      params: [flagParam('flag'), { name: 'branch', kind: 'int-or-var', optional: true }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, bit: number, idx: number | null) => {
        const b = branchIndex(idx);
        if (b < 0 || b >= ctx.branchFlags.length) {
          ctx.logError(`resetbflag: no branch ${b}`);
          return -1;
        }
        ctx.branchFlags[b] = ((ctx.branchFlags[b] ?? 0) & ~(1 << bit)) >>> 0;
        return 1;
      },
    },
    {
      name: 'isbflagset',
      params: [flagParam('flag'), { name: 'branch', kind: 'int-or-var', optional: true }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, bit: number, idx: number | null) => {
        const b = branchIndex(idx);
        return ((ctx.branchFlags[b] ?? 0) >>> bit) & 1 ? 1 : -1;
      },
    },
    {
      name: 'raise_event',
      params: [
        { name: 'event name', kind: 'string' },
        { name: 'attributes avp', kind: 'var', optional: true, writable: false },
        { name: 'values avp', kind: 'var', optional: true, writable: false },
      ],
      routes: ALL_ROUTES,
      fixup: (args) => {
        const lit = args[0]!.literal;
        if (lit !== null && !/^E_[A-Za-z0-9_]+$/.test(lit)) return `event name '${lit}' must start with E_`;
        for (const a of args.slice(1)) {
          if (a.literal !== null || a.int !== null) return 'raise_event attributes and values must be AVPs';
        }
        return undefined;
      },
      impl: (ctx: ScriptContext, name: string, a: PvRef | null, b: PvRef | null) => {
        const params: Record<string, ScriptValue> = {};
        const attrs = b === null ? null : a;
        const vals = b === null ? a : b;
        if (vals !== null) {
          const names = attrs === null ? [] : avpValues(ctx, attrs);
          const values = avpValues(ctx, vals);
          if (attrs !== null && names.length !== values.length) {
            ctx.logError(`raise_event: ${names.length} attribute names but ${values.length} values`);
            return -1;
          }
          values.forEach((v, i) => {
            params[attrs === null ? String(i + 1) : valueToString(names[i]!)] = v;
          });
        }
        ctx.raiseEvent(name, params);
        return 1;
      },
    },
    {
      name: 'subscribe_event',
      params: [
        { name: 'event name', kind: 'string' },
        { name: 'socket', kind: 'string' },
        { name: 'expire', kind: 'int-or-var', optional: true },
      ],
      routes: ALL_ROUTES,
      fixup: (args) => {
        const lit = args[0]!.literal;
        if (lit !== null && !/^E_[A-Za-z0-9_]+$/.test(lit)) return `event name '${lit}' must start with E_`;
        return undefined;
      },
      impl: (ctx: ScriptContext, name: string, socket: string, expire: number | null) => {
        if (expire !== null && expire < 0) {
          ctx.logError(`subscribe_event: negative expire ${expire}`);
          return -1;
        }
        return ctx.subscribeEvent(name, socket, expire ?? 0);
      },
      doc: 'subscribes a socket ("udp:127.0.0.1:8888") to an event; expire in seconds, none or 0: never',
    },
    {
      name: 'sleep',
      params: [{ name: 'seconds', kind: 'int-or-var' }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, s: number) => (s < 0 ? -1 : ctx.clock.sleep(s * 1000).then(() => 1)),
      doc: 'waits without blocking other messages',
    },
    {
      name: 'usleep',
      params: [{ name: 'microseconds', kind: 'int-or-var' }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, us: number) => (us < 0 ? -1 : ctx.clock.sleep(us / 1000).then(() => 1)),
    },
    {
      name: 'rand_event',
      params: [{ name: 'probability', kind: 'int-or-var', optional: true }],
      routes: ALL_ROUTES,
      impl: (_ctx: ScriptContext, p: number | null) => {
        const prob = p === null ? rand.probability : p;
        if (prob <= 0) return -1;
        if (prob >= 100) return 1;
        return rand.random() * 100 < prob ? 1 : -1;
      },
      doc: 'true with the configured probability (percent)',
    },
    {
      name: 'rand_set_prob',
      params: [{ name: 'percent', kind: 'int-or-var' }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, p: number) => {
        if (p < 0 || p > 100) {
          ctx.logError(`rand_set_prob: ${p} is not a percentage`);
          return -1;
        }
        rand.probability = p;
        return 1;
      },
    },
    {
      name: 'rand_reset_prob',
      params: [],
      routes: ALL_ROUTES,
      impl: () => {
        rand.probability = rand.initial;
        return 1;
      },
    },
    {
      name: 'rand_get_prob',
      params: [],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext) => {
        ctx.log(LOG_LEVELS.L_INFO, `rand probability is ${rand.probability}%`);
        return rand.probability === 0 ? -1 : rand.probability;
      },
      doc: 'returns the current probability (OpenSIPS prints it; -1 when 0)',
    },
    {
      name: 'forward',
      params: [{ name: 'destination', kind: 'string', optional: true }],
      routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE'],
      impl: (ctx: ScriptContext, dest: string | null) => ctx.sinks.forward(ctx, dest ?? ctx.dstUri ?? ctx.ruri()),
      doc: 'stateless forward to the destination (default: $du, else the Request-URI)',
    },
    {
      name: 'pv_printf',
      params: [
        { name: 'variable', kind: 'var' },
        { name: 'format', kind: 'string' },
      ],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, v: PvRef, s: string) => {
        v.set(ctx, s);
        return 1;
      },
    },
    {
      name: 'seturi',
      params: [{ name: 'uri', kind: 'string' }],
      routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
      impl: (ctx: ScriptContext, uri: string) => {
        if (uriParts(uri) === null) {
          ctx.logError(`seturi: '${uri}' is not a SIP URI`);
          return -1;
        }
        return ctx.setRuri(uri) ? 1 : -1;
      },
    },
    ruriRewrite('setuser', 'user', (p, v) => ({ ...p, user: v === '' ? null : v })),
    ruriRewrite('sethost', 'host', (p, v) => (v === '' ? null : { ...p, host: v })),
    ruriRewrite('setport', 'port', (p, v) => {
      const n = strToIntStrict(v);
      return n === undefined || n < 0 || n > 65535 ? null : { ...p, port: n === 0 ? null : n };
    }),
    ruriRewrite('prefix', 'prefix', (p, v) => ({ ...p, user: v + (p.user ?? '') })),
    {
      name: 'strip',
      params: [{ name: 'count', kind: 'int-or-var' }],
      routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
      impl: (ctx: ScriptContext, n: number) => rewriteUser(ctx, 'strip', (u) => (n >= u.length ? '' : u.slice(Math.max(0, n)))),
    },
    {
      name: 'strip_tail',
      params: [{ name: 'count', kind: 'int-or-var' }],
      routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
      impl: (ctx: ScriptContext, n: number) =>
        rewriteUser(ctx, 'strip_tail', (u) => (n >= u.length ? '' : u.slice(0, u.length - Math.max(0, n)))),
    },
    {
      name: 'revert_uri',
      params: [],
      routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
      impl: (ctx: ScriptContext) => {
        if (ctx.msg === null) return -1;
        const original = ctx.msg.originalRuri ?? ctx.msg.ruri;
        ctx.newRuri = null;
        ctx.msg.setRuri(original);
        return 1;
      },
    },
    {
      name: 'setdsturi',
      params: [{ name: 'uri', kind: 'string' }],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, uri: string) => {
        if (uriParts(uri) === null) {
          ctx.logError(`setdsturi: '${uri}' is not a SIP URI`);
          return -1;
        }
        ctx.dstUri = uri;
        return 1;
      },
    },
    {
      name: 'resetdsturi',
      params: [],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext) => {
        ctx.dstUri = null;
        return 1;
      },
    },
    {
      name: 'isdsturiset',
      params: [],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext) => (ctx.dstUri !== null ? 1 : -1),
    },
  ];
  fns.push(
    {
      name: 'force_rport',
      params: [],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext) => {
        ctx.forceRport = true;
        return 1;
      },
      doc: 'replies go to the source port of the request, as if its Via had rport',
    },
    {
      name: 'add_local_rport',
      params: [],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext) => {
        ctx.addLocalRport = true;
        return 1;
      },
      doc: 'adds an empty rport parameter to the Via tsips inserts when forwarding',
    },
    {
      name: 'is_myself',
      params: [
        { name: 'host', kind: 'string' },
        { name: 'port', kind: 'int-or-var', optional: true },
      ],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, host: string, port: number | null) => (isMyself(ctx.tables.localAddresses ?? [], host, port ?? 0) ? 1 : -1),
      doc: 'true when host[:port] is one of the proxy\'s sockets or aliases',
    },
  );
  return fns;
}

function normalHost(h: string): string {
  const t = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  const ip = parseIp(t);
  return ip === null ? t.toLowerCase() : ip.join('.');
}

/** OpenSIPS check_self: the host is a socket address or an alias; port 0 (or none) matches any. */
export function isMyself(list: readonly LocalAddress[], host: string, port: number): boolean {
  if (host === '') return false;
  const h = normalHost(host);
  for (const a of list) {
    if (normalHost(a.host) !== h) continue;
    if (port === 0 || a.port === null || a.port === 0 || a.port === port) return true;
  }
  return false;
}

function avpValues(ctx: ScriptContext, ref: PvRef): ScriptValue[] {
  // The raw text is `$avp(name)`: read every value, oldest first, as OpenSIPS sends them.
  const m = /^\$avp\(([^)]+)\)$/.exec(ref.raw);
  if (m === null) {
    const v = ref.get(ctx);
    return v === null ? [] : [v];
  }
  return ctx.avps.all(m[1]!).reverse();
}

function rewriteUser(ctx: ScriptContext, fn: string, change: (user: string) => string): number {
  const p = uriParts(ctx.ruri());
  if (p === null) {
    ctx.logError(`${fn}: the Request-URI is not a SIP URI`);
    return -1;
  }
  const user = change(p.user ?? '');
  return ctx.setRuri(buildUri({ ...p, user: user === '' ? null : user })) ? 1 : -1;
}

function ruriRewrite(
  name: string,
  what: string,
  change: (p: NonNullable<ReturnType<typeof uriParts>>, v: string) => NonNullable<ReturnType<typeof uriParts>> | null,
): FunctionExport {
  return {
    name,
    params: [{ name: what, kind: 'string' }],
    routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
    impl: (ctx: ScriptContext, v: string) => {
      const p = uriParts(ctx.ruri());
      if (p === null) {
        ctx.logError(`${name}: the Request-URI is not a SIP URI`);
        return -1;
      }
      const next = change(p, v);
      if (next === null) {
        ctx.logError(`${name}: invalid ${what} '${v}'`);
        return -1;
      }
      return ctx.setRuri(buildUri(next)) ? 1 : -1;
    },
  };
}

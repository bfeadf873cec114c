/**
 * pike: flood detection per source IP. Requests are counted per address in a prefix tree
 * (so the prefixes of a busy subnet are expanded and its addresses tracked at once); a
 * source sending more than reqs_density_per_unit requests per sampling_time_unit turns
 * "red" and stays blocked until it falls below the density again; remove_latency seconds
 * after its last request it is forgotten. With check_route set, every incoming message
 * (request, reply, or bytes that do not parse) is counted before parsing (automatic mode)
 * and dropped while its source is red; otherwise the script calls pike_check_req(). A new
 * block raises E_PIKE_BLOCKED.
 */
import { CORE, type SipCoreApi } from '@tsips/core';
import type { ModuleEnv, ModuleExports, ModparamExport, ReceiveInfo, RunResult, ScriptContext } from '@tsips/script';
import { parseMessage, ParseError, type SipMessage } from '@tsips/sip';
import { counter, event, fn, implementedMi, intParam, mi, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { IpTree, parseIpInto, PIKE_NEW_RED, PIKE_OK, type PikeStore } from './ip-tree';

export { IpTree, parseIpInto, formatIp, PIKE_OK, PIKE_RED, PIKE_NEW_RED, DEFAULT_MAX_NODES, type PikeStore } from './ip-tree';

const positive = (name: string) => (v: string | number): string | undefined => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? undefined : `${name} must be a positive integer, got ${v}`;
};

const DECLARED_MI = [
  // 4.x names the commands pike:list / pike:rm; 3.x called them pike_list / pike_rm.
  mi('pike', 'list', { aliases: ['pike_list'], reason: ISSUE.outsideAttacks, doc: 'Lists the blocked (red) addresses: {"IPs": [...]}.' }),
  mi('pike', 'rm', { aliases: ['pike_rm'], params: [{ name: 'ip' }], reason: ISSUE.outsideAttacks, doc: 'Unblocks an address now (its counters restart from zero).' }),
] as const;

/** An MI failure with OpenSIPS's code and text (pike:rm: 404 Match not found, 400 IP not blocked, 500 Bad IP). */
export class PikeMiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'PikeMiError';
  }
}

const STREAM = { transport: 'stream' as const };
const DATAGRAM = { transport: 'datagram' as const };

/** What automatic mode needs of the core (the optional members of SipCoreApi). */
type AutoCore = SipCoreApi & Required<Pick<SipCoreApi, 'hasRoute' | 'runRouteNow'>>;

function isThenable<T>(x: unknown): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** A fresh pike instance (its tree and timers belong to one server). */
export function createPike(opts: { maxNodes?: number } = {}): ModuleExports {
  let timeUnit = 2;
  let density = 30;
  let latency = 120;
  let checkRoute: string | null = null;
  let logLevel = 1;

  let env: ModuleEnv | null = null;
  let core: SipCoreApi | null = null;
  let store: PikeStore | null = null;
  let swapTimer: NodeJS.Timeout | null = null;
  let cleanTimer: NodeJS.Timeout | null = null;
  /** Set by init when remove_latency had to be raised. */
  let effectiveLatency = 0;
  /** Scratch for the address of the message being checked (no allocation per message). */
  const ipBytes = new Uint8Array(16);
  let lastIpText = '';
  let lastIpLen = 0;

  const log = (level: number, text: string): void => {
    if (env !== null) env.log(level, text);
    else core?.log(level, `pike: ${text}`);
  };
  const now = (): number => (core !== null ? core.now() : Date.now());

  const tree = (): PikeStore => {
    if (store === null) {
      effectiveLatency = latency <= timeUnit ? timeUnit + 1 : latency;
      store = new IpTree({
        density,
        timeoutMs: effectiveLatency * 1000,
        ...(opts.maxNodes !== undefined ? { maxNodes: opts.maxNodes } : {}),
        onUnblock: (ip, why) => {
          const how = why === 'mi' ? ' (MI pike:rm)' : why === 'expired' ? ' (forgotten after remove_latency)' : '';
          log(logLevel, `PIKE - UNBLOCKing ip ${ip}${how}`);
        },
      });
    }
    return store;
  };

  /** Bytes of the address in ipBytes; 0 when it is not an IP literal. Cached for the same text. */
  const addressOf = (ip: string): number => {
    if (ip === lastIpText) return lastIpLen;
    const len = parseIpInto(ip, ipBytes);
    lastIpText = ip;
    lastIpLen = len;
    return len;
  };

  const blocked = (ip: string, ctx: ScriptContext | null): void => {
    const line = `PIKE - BLOCKing ip ${ip}`;
    if (env === null && ctx !== null) ctx.log(logLevel, `pike: ${line}`);
    else log(logLevel, line);
  };

  /** pike_check_req() on an address: 1 within limits (or not an address), -2 newly red, -1 red. */
  const check = (ip: string): number => {
    const len = addressOf(ip);
    if (len === 0) return PIKE_OK; // as OpenSIPS on an internal error: not reported as blocked
    return tree().hit(ipBytes, len, now());
  };

  const checkReq = (ctx: ScriptContext): number => {
    const ip = ctx.rcv.srcIp;
    const rc = check(ip);
    if (rc === PIKE_NEW_RED) {
      blocked(ip, ctx);
      ctx.raiseEvent('E_PIKE_BLOCKED', { ip });
    }
    return rc;
  };

  /** Automatic mode: the raw-message hook. true = consumed (dropped). */
  const rawHook = (auto: AutoCore, route: string) => {
    const afterRoute = (res: RunResult, ip: string): boolean => {
      // A drop in check_route exempts the message's source from pike.
      if (res.end === 'drop') return false;
      const rc = check(ip);
      if (rc === PIKE_OK) return false;
      if (rc === PIKE_NEW_RED) {
        blocked(ip, null);
        auto.raiseEvent?.('E_PIKE_BLOCKED', { ip });
      }
      auto.stat('pike:dropped');
      return true;
    };
    return (data: Buffer, rcv: ReceiveInfo): boolean => {
      // The route runs before the core parses: with the parsed message when the bytes
      // parse, else with none (message pseudo-variables read as NULL; $si, $sp, $proto work).
      let msg: SipMessage | null = null;
      try {
        msg = parseMessage(data, (rcv as { conn?: unknown }).conn ? STREAM : DATAGRAM);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
      const r = auto.runRouteNow('request', route, msg, rcv);
      // The route went away in a reload: nothing is checked (as OpenSIPS with a stale route reference).
      if (r === null) return false;
      if (!isThenable<RunResult>(r)) return afterRoute(r, rcv.srcIp);
      // The route waited (a DB lookup...): the verdict comes too late to hold this message
      // back. It goes on; it is counted when the route ends, so only later messages of a
      // source that turns red are dropped.
      r.then((res) => afterRoute(res, rcv.srcIp), (e: unknown) => log(-1, `check_route[${route}] failed: ${String(e)}`));
      return false;
    };
  };

  const miList = (): unknown => ({ IPs: tree().red() });
  const miRm = (p: Record<string, string>): unknown => {
    const ip = p['ip'];
    if (ip === undefined) throw new PikeMiError(400, 'missing parameter ip');
    const bytes = new Uint8Array(16);
    const len = parseIpInto(ip.trim(), bytes);
    if (len === 0) throw new PikeMiError(500, 'Bad IP');
    const r = tree().unblock(bytes, len);
    if (r === 'not-found') throw new PikeMiError(404, 'Match not found');
    if (r === 'not-blocked') throw new PikeMiError(400, 'IP not blocked');
    return 'OK';
  };

  const params: ModparamExport[] = [
    intParam('sampling_time_unit', 2, 'Length (s) of the window requests are counted in; keep it small.', {
      validate: positive('sampling_time_unit'),
      set: (v) => { timeUnit = Number(v); },
    }),
    intParam('reqs_density_per_unit', 30, 'Requests per window above which a source is blocked.', {
      validate: positive('reqs_density_per_unit'),
      set: (v) => { density = Number(v); },
    }),
    intParam('remove_latency', 120, 'Seconds an address is kept after its last request (raised to sampling_time_unit+1 when not above it).', {
      validate: positive('remove_latency'),
      set: (v) => { latency = Number(v); },
    }),
    strParam('check_route', null, 'Route run for every message in automatic mode (dropping there exempts the source); unset: manual mode with pike_check_req().', {
      set: (v) => { checkRoute = String(v) === '' ? null : String(v); },
    }),
    intParam('pike_log_level', 1, 'Log level of the block/unblock messages (L_WARN by default).', {
      validate: (v) => {
        const n = Number(v);
        return Number.isInteger(n) && n >= -3 && n <= 4 ? undefined : `pike_log_level must be a log level (-3..4), got ${v}`;
      },
      set: (v) => { logLevel = Number(v); },
    }),
  ];

  const declaredCheck = fn('pike_check_req', [], ['REQUEST_ROUTE'], ISSUE.outsideAttacks);
  const { notImplemented: _declaredOnly, ...checkBase } = declaredCheck;

  return {
    name: 'pike',
    functions: [
      {
        ...checkBase,
        impl: checkReq,
        doc: 'Counts the request against its source IP. 1 within limits; -2 the source has just turned red (first time); -1 it was already red.',
      },
    ],
    params,
    mi: [implementedMi(DECLARED_MI[0], miList), implementedMi(DECLARED_MI[1], miRm)],
    events: [event('E_PIKE_BLOCKED', ['ip'], 'A source IP was just blocked (raised once per block).')],
    stats: [counter('dropped', 'Messages dropped in automatic mode because their source was red (tsips addition).')],
    init(e) {
      env = e;
      core = e.services.find(CORE) ?? null;
      store = null;
      const t = tree();
      if (effectiveLatency !== latency) {
        e.log(1, `remove_latency (${latency}) is not above sampling_time_unit (${timeUnit}): unblock events could be lost`);
        e.log(2, `forcing remove_latency to ${effectiveLatency}s`);
      }
      swapTimer = setInterval(() => t.swap(), timeUnit * 1000);
      swapTimer.unref();
      cleanTimer = setInterval(() => t.clean(now()), 1000);
      cleanTimer.unref();
      if (checkRoute !== null) {
        const c = core;
        if (c === null || c.hasRoute === undefined || c.runRouteNow === undefined) throw new Error('pike: check_route needs the SIP core (automatic mode)');
        if (!c.hasRoute('request', checkRoute)) throw new Error(`pike: check_route: route <${checkRoute}> does not exist`);
        c.onRawMessage(rawHook(c as AutoCore, checkRoute));
      }
    },
    destroy() {
      if (swapTimer !== null) clearInterval(swapTimer);
      if (cleanTimer !== null) clearInterval(cleanTimer);
      swapTimer = cleanTimer = null;
    },
  };
}

/** The module as the checker sees it (and a working instance for tests that share it). */
export const pike: ModuleExports = createPike();

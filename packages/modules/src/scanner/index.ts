/**
 * scanner: detection of SIP scanners (sipvicious svmap/svwar/svcrack, sipcli, sip-scan,
 * VaxSIPUserAgent, ...). No OpenSIPS module does this; OpenSIPS scripts check
 * `$ua =~ "friendly-scanner"`, which a scanner evades by changing one string. This module
 * goes further in two ways:
 *
 * 1. Fingerprints: `is_scanner()` matches the request against User-Agent patterns and
 *    against the structural marks sipvicious leaves whatever its User-Agent (From tag
 *    encoding, default addresses, Via branch and Call-ID shapes, header order).
 * 2. Behaviour: the script reports failed lookups and failed authentications with
 *    `scanner_report()`; a source that fails for more distinct users, or fails
 *    authentication more times, than the thresholds within a sliding window is blocked for
 *    `block_time` (`scanner_is_blocked()`), with E_SCANNER_BLOCKED raised once per block.
 *
 * Return codes follow OpenSIPS: >0 true, <0 false with the value naming the reason.
 */
import type { MiExport, ModuleExports, ParamSpec, PvRef, ScriptContext } from '@tsips/script';
import { event, intParam, multiStrParam, strParam } from '../shared/declare';
import { OPT, outVar, str } from '../shared/params';
import {
  combinePatterns,
  compileUaPatterns,
  DEFAULT_UA_PATTERNS,
  FP_BIT,
  matchUa,
  parseFingerprints,
  SV_CHECKS,
} from './fingerprints';
import { LocalScannerStore, type BlockInfo, type ReportKind, type ReportOutcome, type ScannerLimits, type ScannerStore } from './store';

export { DEFAULT_UA_PATTERNS, FINGERPRINTS, isSipviciousTag, parseFingerprints } from './fingerprints';
export { LocalScannerStore, type BlockInfo, type ScannerStore, type ScannerLimits } from './store';

export interface ScannerOptions {
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  /** A store other than the local one (built from the limits the modparams set). */
  store?: (limits: ScannerLimits) => ScannerStore;
}

const L_WARN = 1;
const DEFAULT_FINGERPRINTS = 'ua,sipvicious';

/** Return codes (see docs/modules/scanner.md). */
export const SCANNER_RC = {
  match: 1,
  noMatch: -1,
  noMessage: -2,
  noUserAgent: -2,
  counted: 1,
  alreadyBlocked: -1,
  justBlocked: -2,
  badArgument: -3,
  blocked: 1,
  notBlocked: -1,
  blockedNow: 1,
  blockExtended: 2,
} as const;

function parseKind(text: string): ReportKind | null {
  const k = text.trim().toLowerCase();
  return k === 'unknown_user' || k === 'auth_failure' ? k : null;
}

function kindFixup(literal: string | null): string | undefined {
  if (literal === null) return undefined;
  return parseKind(literal) === null ? `scanner_report: kind must be "unknown_user" or "auth_failure", got '${literal}'` : undefined;
}

const fingerprintsSpec: ParamSpec = {
  name: 'fingerprints',
  kind: 'static-string',
  optional: true,
  validate: (literal) => {
    try {
      parseFingerprints(literal);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  },
  parse: (literal) => parseFingerprints(literal),
};

function positive(name: string, min: number): (v: string | number) => string | undefined {
  return (v) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= min ? undefined : `${name} must be an integer >= ${min}, got ${v}`;
  };
}

function normIp(ip: string): string {
  return ip.trim().toLowerCase();
}

function then<T>(v: T | Promise<T>, f: (v: T) => number): number | Promise<number> {
  return v instanceof Promise ? v.then(f) : f(v);
}

function blockEventParams(b: BlockInfo): Record<string, string | number> {
  return { ip: b.ip, reason: b.reason, users: b.users.join(','), count: b.users.length };
}

function blockView(b: BlockInfo, now: number): Record<string, unknown> {
  return {
    ip: b.ip,
    reason: b.reason,
    users: b.users,
    auth_failures: b.failures,
    since: Math.floor(b.since / 1000),
    expires: Math.max(0, Math.ceil((b.until - now) / 1000)),
  };
}

/** A fresh instance (thresholds, patterns and the source table are per server). */
export function createScanner(opts: ScannerOptions = {}): ModuleExports {
  const now = opts.now ?? (() => Date.now());
  const extraPatterns: string[] = [];
  let useDefaults = true;
  let defaultMask = parseFingerprints(DEFAULT_FINGERPRINTS);
  const limits: ScannerLimits = {
    distinctUsers: 5,
    authFailures: 20,
    windowMs: 60_000,
    blockMs: 300_000,
    maxSources: 10_000,
    maxBlocked: 10_000,
  };
  // Built on first use, after the modparams are applied.
  let patterns: RegExp[] | null = null;
  let patternSources: string[] = [];
  let combined: RegExp | null = null;
  let store: ScannerStore | null = null;

  const uaPatterns = (): RegExp[] => {
    if (patterns === null) {
      patternSources = [...(useDefaults ? DEFAULT_UA_PATTERNS : []), ...extraPatterns];
      patterns = compileUaPatterns(patternSources);
      combined = combinePatterns(patterns);
    }
    return patterns;
  };
  const theStore = (): ScannerStore => {
    if (store === null) store = opts.store ? opts.store({ ...limits }) : new LocalScannerStore({ ...limits });
    return store;
  };

  const announce = (ctx: ScriptContext, b: BlockInfo): void => {
    const why = b.reason === 'distinct_users'
      ? `${b.users.length} distinct users failed (${b.users.join(',')})`
      : b.reason === 'auth_failures'
        ? `${b.failures} authentication failures (users ${b.users.join(',')})`
        : `blocked by the script (${b.reason})`;
    ctx.log(L_WARN, `scanner: blocking ${b.ip} for ${Math.round((b.until - b.since) / 1000)} s: ${why} within ${limits.windowMs / 1000} s`);
    ctx.raiseEvent('E_SCANNER_BLOCKED', blockEventParams(b));
  };

  const isScanner = (ctx: ScriptContext, mask: number | null, out: PvRef | null): number => {
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) return SCANNER_RC.noMessage;
    const m = mask ?? defaultMask;
    let hit: string | null = null;
    if (m & FP_BIT.ua) {
      const ua = msg.getHeader('User-Agent');
      if (ua !== undefined) {
        const i = matchUa(ua, uaPatterns(), combined);
        if (i >= 0) hit = `ua:${patternSources[i]}`;
      }
    }
    if (hit === null) {
      for (const c of SV_CHECKS) {
        if ((m & c.bit) !== 0 && c.test(msg)) {
          hit = c.name;
          break;
        }
      }
    }
    if (out !== null) out.set(ctx, hit);
    return hit === null ? SCANNER_RC.noMatch : SCANNER_RC.match;
  };

  const checkUa = (ctx: ScriptContext): number => {
    const ua = ctx.msg?.getHeader('User-Agent');
    if (ua === undefined) return SCANNER_RC.noUserAgent;
    return matchUa(ua, uaPatterns(), combined) >= 0 ? SCANNER_RC.match : SCANNER_RC.noMatch;
  };

  const report = (ctx: ScriptContext, kindText: string, user: string, ip: string | null): number | Promise<number> => {
    const kind = parseKind(kindText);
    if (kind === null) {
      ctx.logError(`scanner_report: kind must be "unknown_user" or "auth_failure", got '${kindText}'`);
      return SCANNER_RC.badArgument;
    }
    const src = normIp(ip ?? ctx.rcv.srcIp);
    const u = user.trim();
    if (src === '' || u === '') {
      ctx.logError(`scanner_report: empty ${src === '' ? 'source address' : 'user'}`);
      return SCANNER_RC.badArgument;
    }
    return then<ReportOutcome>(theStore().report(src, kind, u, now()), (r) => {
      if (r.kind === 'counted') return SCANNER_RC.counted;
      if (r.kind === 'already_blocked') return SCANNER_RC.alreadyBlocked;
      announce(ctx, r.block);
      return SCANNER_RC.justBlocked;
    });
  };

  const isBlocked = (ctx: ScriptContext, ip: string | null): number | Promise<number> => {
    const src = normIp(ip ?? ctx.rcv.srcIp);
    if (src === '') return SCANNER_RC.notBlocked;
    return then(theStore().blocked(src, now()), (b) => (b === undefined ? SCANNER_RC.notBlocked : SCANNER_RC.blocked));
  };

  const block = (ctx: ScriptContext, reason: string | null, ip: string | null): number | Promise<number> => {
    const src = normIp(ip ?? ctx.rcv.srcIp);
    if (src === '') {
      ctx.logError('scanner_block: empty source address');
      return SCANNER_RC.badArgument;
    }
    const why = reason === null || reason.trim() === '' ? 'script' : reason.trim();
    return then(theStore().block(src, why, now()), (r) => {
      if (!r.fresh) return SCANNER_RC.blockExtended;
      announce(ctx, r.block);
      return SCANNER_RC.blockedNow;
    });
  };

  const miList: MiExport = {
    name: 'scanner:list',
    params: [{ name: 'ip', optional: true }],
    doc: 'Lists the blocked sources; with ip, shows that source (blocked or only watched).',
    handler: async (p) => {
      const t = now();
      const s = theStore();
      const ip = p['ip'];
      if (ip !== undefined && ip !== '') {
        const src = normIp(ip);
        const b = await s.blocked(src, t);
        if (b !== undefined) return { ...blockView(b, t), blocked: true };
        const w = await s.watched(src, t);
        if (w === undefined) throw new Error('Source not found');
        return { ip: w.ip, blocked: false, users: w.users, auth_failures: w.failures, last: Math.floor(w.last / 1000) };
      }
      const list = await s.listBlocked(t);
      const counts = await s.counts(t);
      return { Blocked: list.map((b) => blockView(b, t)), watched: counts.watched };
    },
  };
  const miUnblock: MiExport = {
    name: 'scanner:unblock',
    params: [{ name: 'ip' }],
    doc: 'Lifts the block of a source now and forgets its counters.',
    handler: async (p) => {
      const ip = normIp(p['ip'] ?? '');
      if (ip === '') throw new Error('Missing ip');
      if (!(await theStore().unblock(ip, now()))) throw new Error('Source not blocked');
      return { ip, unblocked: true };
    },
  };

  const optIp = str('ip', OPT);
  return {
    name: 'scanner',
    functions: [
      {
        name: 'is_scanner',
        params: [fingerprintsSpec, outVar('matched fingerprint', OPT)],
        routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
        impl: isScanner as (ctx: ScriptContext, ...a: never[]) => number,
        doc: 'Checks the request against scanner fingerprints (default: the fingerprints modparam). 1 a fingerprint matched (its name goes to the optional variable); -1 none; -2 no request.',
      },
      {
        name: 'scanner_check_ua',
        params: [],
        routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'ONREPLY_ROUTE'],
        impl: checkUa,
        doc: 'User-Agent patterns only. 1 match; -1 no match; -2 no User-Agent header.',
      },
      {
        name: 'scanner_report',
        params: [str('kind'), str('user'), optIp],
        routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE'],
        fixup: (args) => kindFixup(args[0]?.literal ?? null),
        impl: report as (ctx: ScriptContext, ...a: never[]) => number,
        doc: 'Counts a failure ("unknown_user" or "auth_failure") for a user against the source ($si or ip). 1 counted; -2 this report blocked the source (E_SCANNER_BLOCKED raised); -1 already blocked; -3 bad arguments.',
      },
      {
        name: 'scanner_is_blocked',
        params: [optIp],
        routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE', 'ERROR_ROUTE'],
        impl: isBlocked as (ctx: ScriptContext, ...a: never[]) => number,
        doc: '1 while the source ($si or ip) is blocked; -1 otherwise.',
      },
      {
        name: 'scanner_block',
        params: [str('reason', OPT), optIp],
        routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE'],
        impl: block as (ctx: ScriptContext, ...a: never[]) => number,
        doc: 'Blocks the source ($si or ip) for block_time now. 1 newly blocked (E_SCANNER_BLOCKED raised); 2 it was already blocked (block extended); -3 bad arguments.',
      },
    ],
    params: [
      strParam('fingerprints', DEFAULT_FINGERPRINTS, 'Fingerprints is_scanner() checks when called without a list: ua, sipvicious (all sv_*), sv_tag, sv_from, sv_contact, sv_ids, sv_order, all.', {
        validate: (v) => {
          try {
            parseFingerprints(String(v));
            return undefined;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
        set: (v) => {
          defaultMask = parseFingerprints(String(v));
        },
      }),
      {
        ...multiStrParam('ua_patterns', 'A User-Agent pattern (case-insensitive regular expression) added to the list; may be given several times.'),
        validate: (v) => {
          try {
            compileUaPatterns([String(v)]);
            return undefined;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
        set: (v) => {
          extraPatterns.push(String(v));
          patterns = null;
        },
      },
      intParam('use_default_ua_patterns', 1, 'Keep the built-in User-Agent patterns (0: only the ua_patterns given).', {
        validate: (v) => (v === 0 || v === 1 || v === '0' || v === '1' ? undefined : `use_default_ua_patterns must be 0 or 1, got ${v}`),
        set: (v) => {
          useDefaults = Number(v) === 1;
          patterns = null;
        },
      }),
      intParam('distinct_users_threshold', limits.distinctUsers, 'A source is blocked when more distinct users than this fail (unknown or failed authentication) within the window; 0 disables this check.', {
        validate: positive('distinct_users_threshold', 0),
        set: (v) => {
          limits.distinctUsers = Number(v);
        },
      }),
      intParam('auth_failures_threshold', limits.authFailures, 'A source is blocked when it fails authentication more times than this within the window (any users); 0 disables this check.', {
        validate: positive('auth_failures_threshold', 0),
        set: (v) => {
          limits.authFailures = Number(v);
        },
      }),
      intParam('window', limits.windowMs / 1000, 'Length of the sliding window, in seconds.', {
        validate: positive('window', 1),
        set: (v) => {
          limits.windowMs = Number(v) * 1000;
        },
      }),
      intParam('block_time', limits.blockMs / 1000, 'How long a source stays blocked, in seconds.', {
        validate: positive('block_time', 1),
        set: (v) => {
          limits.blockMs = Number(v) * 1000;
        },
      }),
      intParam('max_sources', limits.maxSources, 'Most sources watched at once (least recently reporting forgotten first).', {
        validate: positive('max_sources', 1),
        set: (v) => {
          limits.maxSources = Number(v);
        },
      }),
      intParam('max_blocked', limits.maxBlocked, 'Most sources blocked at once (oldest block dropped first).', {
        validate: positive('max_blocked', 1),
        set: (v) => {
          limits.maxBlocked = Number(v);
        },
      }),
    ],
    mi: [miList, miUnblock],
    events: [event('E_SCANNER_BLOCKED', ['ip', 'reason', 'users', 'count'], 'A source was just blocked: its address, why (distinct_users, auth_failures or the scanner_block reason), the distinct users it failed for (comma-separated) and how many.')],
  };
}

export const scanner: ModuleExports = createScanner();

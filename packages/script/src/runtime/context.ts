import type { ScriptValue } from '../values';
import type { RouteTypeName } from '../exports/types';
import { AvpStore } from './avp-store';
import type { BlacklistStore } from './blacklists';
import type { ReceiveInfo, RuntimeMessage } from './message';
import { type UriParts, uriParts } from './uri-parts';

/** OpenSIPS log levels (dprint.h), usable in scripts as L_ALERT ... L_DBG. */
export const LOG_LEVELS = {
  L_ALERT: -3,
  L_CRIT: -2,
  L_ERR: -1,
  L_WARN: 1,
  L_NOTICE: 2,
  L_INFO: 3,
  L_DBG: 4,
} as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

export function logLevelName(level: number): string {
  for (const [n, v] of Object.entries(LOG_LEVELS)) if (v === level) return n;
  return String(level);
}

/** One event raised by the script (raise_event) or by a module. */
export interface RaisedEvent {
  name: string;
  params: Record<string, ScriptValue>;
}

/**
 * Where the script's effects go. The core implements these with real transports; the
 * testkit records them. Reply/forward return an OpenSIPS-style code (>0 ok, <0 failure).
 */
export interface ScriptSinks {
  reply(ctx: ScriptContext, status: number, reason: string): number | Promise<number>;
  forward(ctx: ScriptContext, destination: string | null): number | Promise<number>;
  log(level: number, line: string, ctx: ScriptContext | null): void;
  event(ev: RaisedEvent, ctx: ScriptContext | null): void;
  /**
   * subscribe_event(): adds a subscriber (socket "proto:target") to an event; returns an
   * error text when refused. Absent where there is no event interface (the test kit).
   */
  subscribe?(event: string, socket: string, expireSec: number, ctx: ScriptContext | null): string | undefined;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds without blocking the event loop. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `$err.*`: the last error a function reported (OpenSIPS error_route data). */
export interface ScriptError {
  class: number;
  level: number;
  info: string | null;
  rcode: number;
  rreason: string | null;
}

/** Script-wide tables the compiler resolved at load (named flags, var slots, routes). */
export interface ScriptTables {
  /** Named message/branch flags -> bit number (allocated at load). */
  flagBits: Map<string, number>;
  varSlots: Map<string, number>;
  /** Core parameter max_while_loops. */
  maxWhileLoops: number;
  /** Local addresses (socket=/listen= hosts and alias=), for is_myself(). */
  localAddresses?: LocalAddress[];
  /** The core blacklists (dst_blacklist and module lists); absent in bare test tables. */
  blacklists?: BlacklistStore;
  /** Runs a named route with its arguments ($param), used by modules (t_on_failure...). */
  routeRunner?: (ctx: ScriptContext, name: string, args: ScriptValue[]) => number | Promise<number>;
}

const NO_PARAMS: readonly ScriptValue[] = Object.freeze([]);

/** One address the proxy answers for: a socket's host or an alias; port null means any. */
export interface LocalAddress {
  host: string;
  port: number | null;
  proto: string | null;
}

/**
 * A destination beyond the Request-URI (OpenSIPS's branch set): `append_branch()`,
 * registrar's lookup() forking to several contacts. tm relays to the RURI and each branch.
 */
export interface BranchInfo {
  uri: string;
  /** Outbound destination ($du of the branch), when it differs from the URI. */
  dstUri: string | null;
  /** q-value 0..1, null when the contact gave none. */
  q: number | null;
  /** Path header value to use as the branch's route set (RFC 3327). */
  path: string | null;
  /** Branch flags. */
  flags: number;
  /** Local socket to send from ("udp:127.0.0.1:5060"), when forced. */
  socket: string | null;
}

/** How a route run ended. */
export type EndState = 'running' | 'exit' | 'drop';

/**
 * Everything one message's script run sees: the message, its variables, flags and the
 * last return code. One context per message; `$var` values are per message (reset by
 * {@link ScriptContext.reset}).
 */
export class ScriptContext {
  msg: RuntimeMessage | null;
  rcv: ReceiveInfo;
  routeType: RouteTypeName;
  routeName: string | null = null;
  readonly sinks: ScriptSinks;
  readonly clock: Clock;
  readonly tables: ScriptTables;

  /** $var slots, indexed by ScriptTables.varSlots. */
  vars: ScriptValue[] = [];
  readonly avps = new AvpStore();
  /** Message flags (32 bits, OpenSIPS flag_t). */
  flags = 0;
  /** Branch flags of each branch; index 0 is the main branch (the RURI). */
  branchFlags: number[] = [0];
  /** Last function/route result ($retcode, $rc). */
  retcode = 1;
  /** Route parameters of the innermost route(name, args) call ($param(n)), 1-based. */
  params: readonly ScriptValue[] = NO_PARAMS;
  /** Named parameters (event_route attributes, $param(name)). */
  namedParams: Record<string, ScriptValue> | null = null;
  /** Extra values of the last `return(code, v1, v2...)` of a finished route: $return(0..n). */
  lastReturn: readonly ScriptValue[] = NO_PARAMS;
  /** Extra values set by `return(...)` in the running route (moved to lastReturn when it ends). */
  levelReturn: readonly ScriptValue[] = NO_PARAMS;
  /** Nesting depth of route(...) calls (OpenSIPS caps it at 100). */
  routeDepth = 0;
  /** `exit` or `drop` seen. */
  end: EndState = 'running';
  /** `drop` asked: the core must not send/relay this message. */
  dropped = false;
  /** Request-URI set by the script (null: the message's own). */
  newRuri: string | null = null;
  private ruriText: string | null = null;
  // Two most recent URI texts and their parts (RURI and From, typically); kept across messages.
  private uriText0: string | null = null;
  private uriParts0: UriParts | null = null;
  private uriText1: string | null = null;
  private uriParts1: UriParts | null = null;
  /** force_rport(): answer to the source port even without `rport` in the Via (core reads it). */
  forceRport = false;
  /** add_local_rport(): put `rport` in our own Via when forwarding (core reads it). */
  addLocalRport = false;
  /** $du: destination URI (outbound proxy for this request). */
  dstUri: string | null = null;
  err: ScriptError = { class: 0, level: 0, info: null, rcode: 0, rreason: null };
  /** Name of the module function being called (for log messages). */
  currentFunction: string | null = null;
  /** Script line being executed ($cfg_line). */
  line = 0;
  file = '';
  /** Branches beyond the Request-URI, in order (see {@link BranchInfo}). */
  branches: BranchInfo[] = [];
  /**
   * Header lines (without CRLF) to add to the next reply this proxy generates for the
   * message: append_to_reply(), registrar's Contact list, auth challenges.
   */
  replyHeaders: string[] = [];
  /** Per-message scratch space for modules (e.g. sl's "already replied"). */
  readonly moduleState = new Map<string, unknown>();
  /** Callbacks for when this message's top route has finished (OpenSIPS's POST_SCRIPT_CB). */
  private routeEndHooks: (() => void)[] | null = null;
  /** Blacklists in use for this message (a bit per list: use_blacklist/unuse_blacklist); starts with the `default` lists. */
  blacklistMask = 0;

  constructor(opts: {
    msg: RuntimeMessage | null;
    rcv: ReceiveInfo;
    routeType?: RouteTypeName;
    sinks: ScriptSinks;
    clock?: Clock;
    tables: ScriptTables;
  }) {
    this.msg = opts.msg;
    this.rcv = opts.rcv;
    this.routeType = opts.routeType ?? 'REQUEST_ROUTE';
    this.sinks = opts.sinks;
    this.clock = opts.clock ?? systemClock;
    this.tables = opts.tables;
    for (let i = 0; i < this.tables.varSlots.size; i++) this.vars.push(null);
    this.blacklistMask = this.tables.blacklists?.defaultMask ?? 0;
  }

  /** Prepares the context for the next message (variables, AVPs, flags cleared). */
  reset(msg: RuntimeMessage | null, rcv: ReceiveInfo, routeType: RouteTypeName = 'REQUEST_ROUTE'): void {
    this.msg = msg;
    this.rcv = rcv;
    this.routeType = routeType;
    this.routeName = null;
    // Cleared in place: the array stays packed, with one slot per $var name.
    const vars = this.vars;
    for (let i = 0; i < vars.length; i++) vars[i] = null;
    this.avps.clear();
    this.flags = 0;
    // Setting an array's length is a runtime call even when it does not change.
    if (this.branchFlags.length !== 1) this.branchFlags.length = 1;
    this.branchFlags[0] = 0;
    this.retcode = 1;
    this.params = NO_PARAMS;
    this.namedParams = null;
    this.routeDepth = 0;
    this.lastReturn = NO_PARAMS;
    this.levelReturn = NO_PARAMS;
    this.end = 'running';
    this.dropped = false;
    this.newRuri = null;
    this.ruriText = null;
    // uriText0/1 stay: the parts are a function of the text alone, so they hold for any message.
    this.dstUri = null;
    this.forceRport = false;
    this.addLocalRport = false;
    this.blacklistMask = this.tables.blacklists?.defaultMask ?? 0;
    if (this.branches.length > 0) this.branches = [];
    if (this.replyHeaders.length > 0) this.replyHeaders = [];
    const err = this.err;
    if (err.class !== 0 || err.level !== 0 || err.info !== null || err.rcode !== 0 || err.rreason !== null) {
      this.err = { class: 0, level: 0, info: null, rcode: 0, rreason: null };
    }
    this.currentFunction = null;
    if (this.moduleState.size > 0) this.moduleState.clear();
    this.routeEndHooks = null;
  }

  /**
   * Runs `fn` once the top route of this message has finished (after its asynchronous
   * parts too): a module that set something up for the message and needs to know whether
   * the script went on with it (dialog: a dialog whose INVITE was never relayed statefully).
   */
  atRouteEnd(fn: () => void): void {
    (this.routeEndHooks ??= []).push(fn);
  }

  /** Runs (and forgets) the atRouteEnd() callbacks; the core calls it when the route is over. */
  routeEnded(): void {
    const hooks = this.routeEndHooks;
    if (hooks === null) return;
    this.routeEndHooks = null;
    for (const fn of hooks) fn();
  }

  /**
   * A fresh context for work that outlives this message's route (launch() report routes):
   * same message, socket, sinks and tables; its own variables and flags.
   */
  fork(): ScriptContext {
    const c = new ScriptContext({ msg: this.msg, rcv: this.rcv, routeType: this.routeType, sinks: this.sinks, clock: this.clock, tables: this.tables });
    c.file = this.file;
    c.line = this.line;
    c.blacklistMask = this.blacklistMask;
    return c;
  }

  /** The message; throws when the route has none (startup/timer routes). */
  message(): RuntimeMessage {
    if (this.msg === null) throw new Error(`no SIP message in ${this.routeType}`);
    return this.msg;
  }

  /** Current Request-URI ($ru): the rewritten one when the script changed it. */
  ruri(): string {
    if (this.newRuri !== null) return this.newRuri;
    // Kept per message: the same string object every time makes later lookups identity-fast.
    if (this.ruriText === null) this.ruriText = this.msg?.ruri ?? '';
    return this.ruriText;
  }

  /** Parts of a URI text (the two latest remembered). */
  uriPartsOf(text: string): UriParts | null {
    if (text === this.uriText0) return this.uriParts0;
    if (text === this.uriText1) return this.uriParts1;
    const p = uriParts(text);
    this.uriText1 = this.uriText0;
    this.uriParts1 = this.uriParts0;
    this.uriText0 = text;
    this.uriParts0 = p;
    return p;
  }

  /** Rewrites the Request-URI; logs and returns false when the message refuses it. */
  setRuri(uri: string): boolean {
    try {
      this.msg?.setRuri(uri);
    } catch (e) {
      this.logError(`cannot set the Request-URI to '${uri}': ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
    this.newRuri = uri;
    return true;
  }

  log(level: number, line: string): void {
    this.sinks.log(level, line, this);
  }

  logError(line: string): void {
    const where = this.file !== '' ? `${this.file}:${this.line}: ` : '';
    this.sinks.log(LOG_LEVELS.L_ERR, `${where}${line}`, this);
  }

  getVar(slot: number): ScriptValue {
    const v = this.vars[slot];
    return v === undefined ? null : v;
  }

  setVar(slot: number, value: ScriptValue): void {
    this.vars[slot] = value;
  }

  /** Bit of a flag given as a number (0..31) or a name allocated at load. */
  flagBit(flag: number | string): number {
    const n = typeof flag === 'number' ? flag : this.tables.flagBits.get(flag);
    if (n === undefined || n < 0 || n > 31) return -1;
    return n;
  }

  raiseEvent(name: string, params: Record<string, ScriptValue>): void {
    this.sinks.event({ name, params }, this);
  }

  /** subscribe_event(): 1 subscribed, -1 refused (the reason is logged). */
  subscribeEvent(name: string, socket: string, expireSec: number): number {
    const sub = this.sinks.subscribe;
    if (sub === undefined) {
      this.logError(`subscribe_event: no event interface here to subscribe ${socket} to ${name}`);
      return -1;
    }
    const problem = sub.call(this.sinks, name, socket, expireSec, this);
    if (problem === undefined) return 1;
    this.logError(`subscribe_event: cannot subscribe ${socket} to ${name}: ${problem}`);
    return -1;
  }
}

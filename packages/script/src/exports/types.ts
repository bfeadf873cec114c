/**
 * Module export tables, in the spirit of OpenSIPS's cmd_export_t / param_export_t /
 * pv_export_t / mi_export_t / event tables: one static table per module declares
 * everything the script (and the operator) can see of it. The registry validates a
 * table once; the checker resolves script calls against it; the compiler coerces
 * arguments in one shared place, so an `impl` receives values of the declared kinds.
 */
import type { ScriptValue } from '../values';
import type { ScriptContext } from '../runtime/context';
import type { TransformDef } from '../pv/transformations/types';
import type { CacheDbProvider } from '../cachedb/engine';
import type { BlacklistStore } from '../runtime/blacklists';

/** Route block types, named as in OpenSIPS (route.h). */
export type RouteTypeName =
  | 'REQUEST_ROUTE'
  | 'FAILURE_ROUTE'
  | 'ONREPLY_ROUTE'
  | 'BRANCH_ROUTE'
  | 'ERROR_ROUTE'
  | 'LOCAL_ROUTE'
  | 'STARTUP_ROUTE'
  | 'TIMER_ROUTE'
  | 'EVENT_ROUTE';

export const ALL_ROUTES: readonly RouteTypeName[] = [
  'REQUEST_ROUTE',
  'FAILURE_ROUTE',
  'ONREPLY_ROUTE',
  'BRANCH_ROUTE',
  'ERROR_ROUTE',
  'LOCAL_ROUTE',
  'STARTUP_ROUTE',
  'TIMER_ROUTE',
  'EVENT_ROUTE',
];

/** Routes that carry a SIP message (everything but startup/timer/event). */
export const MESSAGE_ROUTES: readonly RouteTypeName[] = [
  'REQUEST_ROUTE',
  'FAILURE_ROUTE',
  'ONREPLY_ROUTE',
  'BRANCH_ROUTE',
  'ERROR_ROUTE',
  'LOCAL_ROUTE',
];

/**
 * Kinds of script function parameters.
 * - `string`: a string literal (may hold pseudo-variables: a format expanded per call) or a
 *   pseudo-variable; the impl receives a string. An int literal is accepted as its decimal text.
 * - `static-string`: a string literal without pseudo-variables, known at load.
 * - `int`: an integer literal only (known at load). A string literal holding an integer is
 *   accepted with a notice (OpenSIPS 2.x spelling).
 * - `int-or-var`: an integer literal or a pseudo-variable read per call (converted to int;
 *   a non-numeric value makes the call fail with -1 and a logged error).
 * - `value`: any literal or pseudo-variable; the impl receives a ScriptValue unchanged.
 * - `var`: a writable pseudo-variable (output); the impl receives a {@link PvRef}.
 * - `regex`: a string literal compiled at load (POSIX ERE, case-insensitive), or a
 *   pseudo-variable/format compiled per call; the impl receives a RegExp.
 * - `route`: the name of a route block, checked to exist at load; the impl receives the name.
 * - `flags`: a static string of letters/names validated at load by `validate`; the impl
 *   receives the result of `parse` (or the string when there is no parse).
 */
export type ParamKind =
  | 'string'
  | 'static-string'
  | 'int'
  | 'int-or-var'
  | 'value'
  | 'var'
  | 'regex'
  | 'route'
  | 'flags';

export interface ParamSpec {
  /** Name used in messages ("status code"). */
  name: string;
  kind: ParamKind;
  optional?: boolean;
  /** For `flags` and static kinds: returns an error message for a bad literal. */
  validate?: (literal: string) => string | undefined;
  /** For `flags` (and `static-string`): turns the literal into what the impl receives. */
  parse?: (literal: string, env: FixupEnv) => unknown;
  /**
   * For `flags`/`static-string`: a load-time notice about the spelling (e.g. the 2.x
   * single-letter flags `"m"`, shown with their 3.x names); undefined when none is due.
   */
  notice?: (parsed: unknown, literal: string) => string | undefined;
  /** For `var`: the variable must be writable (default true for `var`). */
  writable?: boolean;
  /** For `route`: which kind of route block the name refers to (default REQUEST_ROUTE). */
  routeType?: RouteTypeName;
}

/** Script-wide services available to load-time hooks. */
export interface FixupEnv {
  /** Bit number of a message/branch flag given by number or name (names get a free bit). */
  flagBit(flag: string): number | undefined;
}

/** A pseudo-variable given to a function (out parameter / generic access). */
export interface PvRef {
  readonly raw: string;
  get(ctx: ScriptContext): ScriptValue;
  set(ctx: ScriptContext, value: ScriptValue): void;
  readonly writable: boolean;
}

/**
 * A function result, with OpenSIPS's convention: >0 true, <0 false (the value names the
 * reason), 0 stops the script. Functions that wait (DNS, Redis, sleep) return a Promise.
 */
export type FunctionResult = number | Promise<number>;

/** What a load-time fixup hook sees for one call site. */
export interface FixupArg {
  spec: ParamSpec;
  /** The literal text when the argument is a literal without pseudo-variables, else null. */
  literal: string | null;
  /** Integer literal value when the argument is an integer literal. */
  int: number | null;
}

export interface FunctionExport {
  name: string;
  params: readonly ParamSpec[];
  /** Route types it may be called from. */
  routes: readonly RouteTypeName[];
  /**
   * Load-time hook per call site (after the generic checks): returns an error message when
   * the static arguments are unacceptable.
   */
  fixup?: (args: readonly FixupArg[]) => string | undefined;
  /** Receives the coerced arguments in declaration order; an omitted optional is `null`. */
  impl: (ctx: ScriptContext, ...args: never[]) => FunctionResult;
  /** Set by {@link notImplemented}: the function is declared, its behaviour is not written yet. */
  notImplemented?: string;
  /** Free text for docs and `did you mean`. */
  doc?: string;
}

export type ModparamType = 'int' | 'string';

export interface ModparamExport {
  name: string;
  /** `int` also accepts a string literal holding an integer; `string` accepts an int (as text). */
  type: ModparamType;
  default?: ScriptValue;
  /** May be given several times (OpenSIPS USE_FUNC_PARAM), each call goes to `set`. */
  multiple?: boolean;
  /** Load-time validation; returns an error message. */
  validate?: (value: string | number) => string | undefined;
  /** Applies the value (core calls it after the script is checked). */
  set?: (value: string | number) => void;
}

/** Site of one pseudo-variable occurrence, given to {@link PvarExport.bind} at load. */
export interface PvSite {
  /** The inner name `$hdr(Name)` -> static 'Name'; a dynamic name is read per message. */
  name: { kind: 'static'; text: string } | { kind: 'dynamic'; get(ctx: ScriptContext): string } | null;
  index: PvIndexSite | null;
  raw: string;
  /** Script-wide tables resolved at load ($var slots). */
  env: PvBindEnv;
}

export interface PvBindEnv {
  /** The slot of a `$var(name)` (allocated on first use). */
  varSlot(name: string): number;
}

export type PvIndexSite =
  | { kind: 'int'; value: number }
  | { kind: 'all' }
  | { kind: 'dynamic'; get(ctx: ScriptContext): number };

/** Assignment as a variable sees it: compound operators are computed by the compiler first. */
export type PvAssignOp = '=' | ':=';

/** A compiled pseudo-variable occurrence. */
export interface PvAccess {
  get(ctx: ScriptContext): ScriptValue;
  /** Absent when the variable is read-only. `value` null means delete/reset (`= NULL`). */
  set?(ctx: ScriptContext, value: ScriptValue, op: PvAssignOp): void;
  /** For `[*]` occurrences of indexable variables: every value, in index order (for-each). */
  getAll?(ctx: ScriptContext): ScriptValue[];
}

export interface PvarExport {
  /** Name without `$` ("ci", "hdr", "avp", "err.class"). */
  name: string;
  /** Whether `$name(inner)` is required, optional or refused. */
  inner: 'none' | 'required' | 'optional';
  /** Accepts `[i]`, `[-1]`, `[*]`. */
  indexable?: boolean;
  writable?: boolean;
  /** Called once per occurrence at load; throws {@link PvBindError} for a bad static name. */
  bind(site: PvSite): PvAccess;
  doc?: string;
}

export class PvBindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PvBindError';
  }
}

export interface MiExport {
  /** `module:command` (OpenSIPS 4.x naming). */
  name: string;
  /** Older flat names kept working ("pike_list"). */
  aliases?: string[];
  params?: readonly { name: string; optional?: boolean }[];
  handler: (params: Record<string, string>) => unknown | Promise<unknown>;
  /** Set when the command is declared ahead of its behaviour (its handler throws). */
  notImplemented?: string;
  doc?: string;
}

export interface EventExport {
  /** `E_MODULE_WHAT`. */
  name: string;
  params?: readonly string[];
  doc?: string;
}

export interface StatExport {
  name: string;
  /** `counter` only grows (resettable), `gauge` is computed or set. */
  kind: 'counter' | 'gauge';
  doc?: string;
}

export interface ModuleExports {
  /** Module name as in `loadmodule "name.so"`. */
  name: string;
  functions?: readonly FunctionExport[];
  params?: readonly ModparamExport[];
  pvars?: readonly PvarExport[];
  transforms?: readonly TransformDef[];
  mi?: readonly MiExport[];
  events?: readonly EventExport[];
  stats?: readonly StatExport[];
  /** Names of modules that must be loaded too. */
  dependencies?: readonly string[];
  /**
   * A cachedb engine (OpenSIPS MOD_TYPE_CACHEDB): the core cache_* functions and cache:*
   * MI commands reach it by its scheme. Its connections exist once the module is initialised.
   */
  cachedb?: CacheDbProvider;
  /** The core's blacklists (only the core table has them; modules reach them through ScriptTables/services). */
  blacklists?: BlacklistStore;
  /** Called once when the server starts, after modparams are applied; `env.services` holds the core's services. */
  init?: (env: ModuleEnv) => void | Promise<void>;
  childInit?: (worker: number) => void | Promise<void>;
  destroy?: () => void | Promise<void>;
}

/**
 * A typed name for a service one part of the process offers to others: the SIP core
 * offers its transports, tm its transactions, a db module its connections. The key is
 * declared beside the service's interface; providers and users import the same key.
 */
export interface ServiceKey<T> {
  readonly name: string;
  /** Phantom field carrying the service type; never set. */
  readonly __service?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

/** The services of one server instance, filled at start-up before modules are initialised. */
export class Services {
  private readonly byName = new Map<string, unknown>();

  provide<T>(key: ServiceKey<T>, impl: T): void {
    if (this.byName.has(key.name)) throw new Error(`service '${key.name}' is provided twice`);
    this.byName.set(key.name, impl);
  }

  /** The service, or an error naming what is missing (a start-up bug, not a script error). */
  get<T>(key: ServiceKey<T>): T {
    const s = this.byName.get(key.name);
    if (s === undefined) throw new Error(`service '${key.name}' is not available`);
    return s as T;
  }

  find<T>(key: ServiceKey<T>): T | undefined {
    return this.byName.get(key.name) as T | undefined;
  }
}

/** What a module's init hook receives. */
export interface ModuleEnv {
  services: Services;
  /** Logs at an OpenSIPS level (L_ERR = -1 ... L_DBG = 4), prefixed with the module name by the core. */
  log(level: number, text: string): void;
}

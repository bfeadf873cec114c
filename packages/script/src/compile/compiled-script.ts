import type { ScriptValue } from '../values';
import type { CoreParam, RouteBlock } from '../syntax/ast';
import type { SourceLoc } from '../syntax/diagnostics';
import type { ModuleRegistry } from '../exports/registry';
import type { RouteTypeName } from '../exports/types';
import { type Clock, ScriptContext, type ScriptSinks, type ScriptTables } from '../runtime/context';
import type { ReceiveInfo, RuntimeMessage } from '../runtime/message';
import { type RouteSlot, routeKey, runSubRoute } from './compiler';
import { AST_ROUTE_TYPES } from './route-types';
import { EXIT, isPromise, RETURN, type Sig } from './signals';

export interface ModparamSetting {
  module: string;
  param: string;
  value: string | number;
  loc: SourceLoc;
}

/** How a route run ended. */
export interface RunResult {
  /** The route's return code: its `return(n)`, 0 after exit/drop, else 1. */
  code: number;
  /** `exit` (or a function returning 0), `drop`, or `running` when the route simply ended. */
  end: 'running' | 'exit' | 'drop';
}

/** The most common outcome, shared (results are read-only). */
const ENDED_NORMALLY: RunResult = Object.freeze({ code: 1, end: 'running' as const });

/**
 * A script compiled once: route closures, the modules it loads, its modparams and core
 * parameters. Runs any route against a context; the result is synchronous when nothing in
 * the route waited.
 */
export class CompiledScript {
  private readonly mainRoute: RouteSlot | undefined;

  constructor(
    readonly registry: ModuleRegistry,
    readonly loadedModules: ReadonlySet<string>,
    readonly modparams: readonly ModparamSetting[],
    readonly coreParams: readonly CoreParam[],
    readonly tables: ScriptTables,
    private readonly routes: ReadonlyMap<string, RouteSlot>,
  ) {
    this.mainRoute = routes.get(routeKey('request', null));
    this.tables.routeRunner = (ctx, name, args) => {
      const slot = this.routes.get(routeKey('request', name));
      if (slot === undefined) {
        ctx.logError(`route '${name}' does not exist`);
        return -1;
      }
      return runSubRoute(ctx, slot, args);
    };
  }

  /**
   * Hands every modparam of the script to its module's `set` hook, in script order (the
   * core does this once, before the modules' init). Values were type-checked at load.
   */
  applyModparams(): void {
    for (const m of this.modparams) this.registry.findModparam(m.module, m.param)?.set?.(m.value);
  }

  hasRoute(type: RouteBlock['type'], name: string | null = null): boolean {
    return this.routes.has(routeKey(type, name));
  }

  routeNames(type: RouteBlock['type']): Array<string | null> {
    const out: Array<string | null> = [];
    for (const slot of this.routes.values()) if (slot.block.type === type) out.push(slot.block.name);
    return out;
  }

  /** A context for one message (reuse it with ctx.reset for the next). */
  createContext(opts: {
    msg: RuntimeMessage | null;
    rcv: ReceiveInfo;
    sinks: ScriptSinks;
    clock?: Clock;
    routeType?: RouteTypeName;
  }): ScriptContext {
    const o: ConstructorParameters<typeof ScriptContext>[0] = { msg: opts.msg, rcv: opts.rcv, sinks: opts.sinks, tables: this.tables };
    if (opts.clock !== undefined) o.clock = opts.clock;
    if (opts.routeType !== undefined) o.routeType = opts.routeType;
    return new ScriptContext(o);
  }

  /**
   * Runs a route block: the main request route by default. `params` become $param(1..n)
   * (or $param(name) for event routes given as an object).
   */
  run(
    ctx: ScriptContext,
    type: RouteBlock['type'] = 'request',
    name: string | null = null,
    params?: ScriptValue[] | Record<string, ScriptValue>,
  ): RunResult | Promise<RunResult> {
    const slot = type === 'request' && name === null ? this.mainRoute : this.routes.get(routeKey(type, name));
    if (slot === undefined) {
      throw new Error(`the script has no ${type === 'request' ? 'route' : `${type}_route`}${name === null ? '' : `[${name}]`}`);
    }
    ctx.routeType = AST_ROUTE_TYPES[type];
    ctx.routeName = name;
    if (Array.isArray(params)) ctx.params = params;
    else if (params !== undefined) ctx.namedParams = params;
    return this.finish(ctx, slot.body(ctx));
  }

  private finish(ctx: ScriptContext, r: Sig | Promise<Sig>): RunResult | Promise<RunResult> {
    if (isPromise(r)) return r.then((sig) => this.result(ctx, sig));
    return this.result(ctx, r);
  }

  private result(ctx: ScriptContext, sig: Sig): RunResult {
    const code = sig === RETURN ? ctx.retcode : sig === EXIT ? 0 : 1;
    if (code === 1 && ctx.end === 'running') return ENDED_NORMALLY;
    return { code, end: ctx.end };
  }
}

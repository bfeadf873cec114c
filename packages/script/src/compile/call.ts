/**
 * Module/core function calls: resolved against the export tables, arguments checked and
 * coerced to the declared kinds in this one place (never inside each function), then
 * bound into a closure that calls the impl with ready-made values.
 */
import { type ScriptValue, strToIntStrict, valueToString } from '../values';
import type { CallExpr, Expr, OmittedArg } from '../syntax/ast';
import type { SourceLoc } from '../syntax/diagnostics';
import { suggest } from '../syntax/diagnostics';
import type { FixupArg, FunctionExport, FunctionResult, ParamSpec, PvRef, RouteTypeName } from '../exports/types';
import type { ScriptContext } from '../runtime/context';
import { compilePosixRegex, RegexError } from './posix-regex';
import { compileFormatText, PvCompileError } from './pv-compile';
import { isPromise } from './signals';
import type { Compiler } from './compiler';
import { AST_ROUTE_TYPES } from './route-types';

/** An argument that cannot be converted at run time (e.g. `$var(x)` holds "abc" for an int). */
export class ArgError extends Error {}

type ArgGetter = (ctx: ScriptContext) => unknown;
type Invoke = (ctx: ScriptContext) => FunctionResult;
export type CallClosure = (ctx: ScriptContext) => number | Promise<number>;

const ROUTE_BLOCK_OF: Record<RouteTypeName, string> = {
  REQUEST_ROUTE: 'request',
  FAILURE_ROUTE: 'failure',
  ONREPLY_ROUTE: 'onreply',
  BRANCH_ROUTE: 'branch',
  ERROR_ROUTE: 'error',
  LOCAL_ROUTE: 'local',
  STARTUP_ROUTE: 'startup',
  TIMER_ROUTE: 'timer',
  EVENT_ROUTE: 'event',
};

export function signature(fn: FunctionExport): string {
  const parts = fn.params.map((p) => (p.optional ? `[${p.name}]` : p.name));
  return `${fn.name}(${parts.join(', ')})`;
}

export class CallCompiler {
  constructor(private readonly c: Compiler) {}

  compile(e: CallExpr): CallClosure {
    const failed: CallClosure = () => -1;
    const registry = this.c.registryRef;
    const entry = registry.findFunction(e.name);
    if (entry === undefined) {
      const loadedNames = registry.functionNames(this.c.loaded);
      this.c.report('error', `unknown function '${e.name}'`, e.nameLoc, {
        suggestion: suggest(e.name, loadedNames) ?? suggest(e.name, registry.functionNames()) ?? completion(e.name, loadedNames),
      });
      e.args.forEach((a) => this.visitForErrors(a));
      return failed;
    }
    if (!registry.isLoaded(entry.module, this.c.loaded)) {
      this.c.report('error', `function '${e.name}' is exported by module '${entry.module}', which is not loaded`, e.nameLoc, {
        expected: `loadmodule "${entry.module}.so"`,
      });
      return failed;
    }
    const fn = entry.fn;
    const n = e.args.length;
    if (n < entry.minArgs || n > entry.maxArgs) {
      const want = entry.minArgs === entry.maxArgs ? `${entry.minArgs}` : `${entry.minArgs} to ${entry.maxArgs}`;
      this.c.report('error', `${e.name}() takes ${want} argument${entry.maxArgs === 1 ? '' : 's'}, got ${n}`, e.loc, {
        expected: signature(fn),
      });
      return failed;
    }
    this.checkRouteTypes(fn, e);
    const getters: ArgGetter[] = [];
    const fixups: FixupArg[] = [];
    let ok = true;
    fn.params.forEach((spec, i) => {
      const arg: Expr | OmittedArg | undefined = e.args[i];
      const res = this.arg(fn, spec, i, arg, e.loc);
      if (res === null) {
        ok = false;
        return;
      }
      getters.push(res.get);
      fixups.push(res.fixup);
    });
    if (!ok) return failed;
    if (fn.fixup !== undefined) {
      // Trailing omitted optional arguments are not shown to the hook (it sees what was written).
      const problem = fn.fixup(fixups.slice(0, n));
      if (problem !== undefined) {
        this.c.report('error', `${e.name}(): ${problem}`, e.loc, { expected: signature(fn) });
        return failed;
      }
    }
    return bindCall(fn, getters, e.loc);
  }

  private checkRouteTypes(fn: FunctionExport, e: CallExpr): void {
    const route = this.c.currentRoute;
    if (route === null) return;
    for (const t of route.types) {
      if (fn.routes.includes(t)) continue;
      const where = route.block.type === 'request' && route.block.name !== null && t !== 'REQUEST_ROUTE'
        ? ` (route[${route.block.name}] is called from a ${ROUTE_BLOCK_OF[t]} route)`
        : '';
      this.c.report('error', `${fn.name}() cannot be used in ${t}${where}`, e.nameLoc, {
        expected: `a function allowed in ${t}; ${fn.name}() is allowed in ${fn.routes.join(', ')}`,
      });
      return;
    }
  }

  /** Reports problems inside the arguments of an unknown function (pvars, regexes). */
  private visitForErrors(a: Expr | OmittedArg): void {
    if (a.kind === 'Pvar') this.c.pv(a.raw, a.loc);
    else if (a.kind === 'String' && a.value.includes('$')) this.format(a.value, a.loc);
  }

  private format(text: string, loc: SourceLoc): { constant: string | null; get: (ctx: ScriptContext) => string } | null {
    try {
      return compileFormatText(text, this.c.pvEnv(loc, 1));
    } catch (e) {
      if (e instanceof PvCompileError) {
        const extra: { suggestion?: string } = {};
        if (e.suggestion !== undefined) extra.suggestion = e.suggestion;
        this.c.report('error', e.message, this.c.subLoc(loc, 1 + e.offset, e.length), extra);
        return null;
      }
      throw e;
    }
  }

  private arg(
    fn: FunctionExport,
    spec: ParamSpec,
    i: number,
    arg: Expr | OmittedArg | undefined,
    callLoc: SourceLoc,
  ): { get: ArgGetter; fixup: FixupArg } | null {
    const what = `argument ${i + 1} (${spec.name}) of ${fn.name}()`;
    const fix = (literal: string | null, int: number | null): FixupArg => ({ spec, literal, int });
    if (arg === undefined || arg.kind === 'Omitted' || arg.kind === 'Null') {
      if (!spec.optional) {
        this.c.report('error', `${what} cannot be left out`, arg?.loc ?? callLoc, { expected: signature(fn) });
        return null;
      }
      return { get: () => null, fixup: fix(null, null) };
    }
    if (arg.kind === 'Call' || arg.kind === 'RouteCall') {
      this.c.report('error', `${what}: a function call cannot be an argument`, arg.loc, { expected: 'a literal or a pseudo-variable' });
      return null;
    }
    const bad = (expected: string): null => {
      this.c.report('error', `${what} must be ${expected}`, arg.loc, { expected });
      return null;
    };
    const literalText = arg.kind === 'String' ? arg.value : arg.kind === 'Ident' ? arg.name : arg.kind === 'Number' ? arg.raw : null;
    switch (spec.kind) {
      case 'string':
      case 'value': {
        if (arg.kind === 'String') {
          const f = this.format(arg.value, arg.loc);
          if (f === null) return null;
          if (f.constant !== null) {
            const s = f.constant;
            return { get: () => s, fixup: fix(s, null) };
          }
          return { get: f.get, fixup: fix(null, null) };
        }
        if (arg.kind === 'Number') {
          const v = spec.kind === 'value' ? arg.value : String(arg.value);
          return { get: () => v, fixup: fix(null, arg.value) };
        }
        if (arg.kind === 'Ident') {
          const s = arg.name;
          return { get: () => s, fixup: fix(s, null) };
        }
        if (arg.kind === 'Ip') {
          const s = arg.raw;
          return { get: () => s, fixup: fix(s, null) };
        }
        const ev = this.c.value(arg);
        if (spec.kind === 'value') return { get: ev as ArgGetter, fixup: fix(null, null) };
        return { get: (ctx) => valueToString(ev(ctx) as ScriptValue), fixup: fix(null, null) };
      }
      case 'static-string':
      case 'flags': {
        if (literalText === null) return bad('a constant (no variables)');
        if (spec.validate !== undefined) {
          const problem = spec.validate(literalText);
          if (problem !== undefined) {
            this.c.report('error', `${what}: ${problem}`, arg.loc);
            return null;
          }
        }
        let value: unknown = literalText;
        if (spec.parse !== undefined) {
          value = spec.parse(literalText, { flagBit: (f) => this.c.flagBit(f) });
          if (value === undefined) {
            this.c.report('error', `${what}: '${literalText}' cannot be used (no free flag left?)`, arg.loc);
            return null;
          }
        }
        const note = spec.notice?.(value, literalText);
        if (note !== undefined) this.c.report('notice', `${what}: ${note}`, arg.loc);
        const v = value;
        return { get: () => v, fixup: fix(literalText, arg.kind === 'Number' ? arg.value : null) };
      }
      case 'int':
      case 'int-or-var': {
        if (arg.kind === 'Number') {
          const v = arg.value;
          return { get: () => v, fixup: fix(null, v) };
        }
        if (arg.kind === 'String' && !arg.value.includes('$')) {
          const n = strToIntStrict(arg.value.trim());
          if (n === undefined) return bad('an integer');
          const spelled = `${n}`;
          this.c.report('notice', `${what} is an integer: OpenSIPS 3.x writes ${spelled}, not "${arg.value}" (accepted as in 2.x)`, arg.loc, {
            expected: `${spelled} (without quotes)`,
          });
          return { get: () => n, fixup: fix(null, n) };
        }
        if (spec.kind === 'int') return bad('an integer constant');
        if (arg.kind === 'Pvar') {
          const pv = this.c.pv(arg.raw, arg.loc);
          if (pv === null) return null;
          const raw = arg.raw;
          return {
            get: (ctx) => {
              const v = pv.get(ctx);
              if (typeof v === 'number') return v;
              const n = v === null ? undefined : strToIntStrict(v);
              if (n === undefined) throw new ArgError(`${what}: ${raw} holds ${v === null ? 'NULL' : `'${v}'`}, not an integer`);
              return n;
            },
            fixup: fix(null, null),
          };
        }
        if (arg.kind === 'Binary' || arg.kind === 'Unary') {
          const ev = this.c.value(arg);
          return {
            get: (ctx) => {
              const v = ev(ctx) as ScriptValue;
              if (typeof v === 'number') return v;
              throw new ArgError(`${what}: the expression is not an integer`);
            },
            fixup: fix(null, null),
          };
        }
        return bad('an integer or a pseudo-variable');
      }
      case 'var': {
        if (arg.kind !== 'Pvar') return bad('a pseudo-variable');
        const pv = this.c.pv(arg.raw, arg.loc);
        if (pv === null) return null;
        const writable = pv.set !== undefined;
        if (spec.writable !== false && !writable) {
          this.c.report('error', `${what}: ${arg.raw} is read-only`, arg.loc, { expected: 'a writable variable such as $var(x) or $avp(x)' });
          return null;
        }
        const set = pv.set;
        const ref: PvRef = {
          raw: arg.raw,
          get: pv.get,
          set: (ctx, v) => {
            if (set === undefined) throw new ArgError(`${arg.raw} is read-only`);
            set(ctx, v, '=');
          },
          writable,
        };
        return { get: () => ref, fixup: fix(null, null) };
      }
      case 'regex': {
        // As in OpenSIPS (mod_fix.c), a regex literal is compiled as written: no pseudo-
        // variables are expanded in it, so `$` is the end anchor (`search("com$")`).
        if (arg.kind === 'String') {
          try {
            const re = compilePosixRegex(arg.value);
            return { get: () => re, fixup: fix(arg.value, null) };
          } catch (err) {
            if (!(err instanceof RegexError)) throw err;
            this.c.report('error', `${what}: regular expression "${arg.value}" does not compile: ${err.message}`, arg.loc);
            return null;
          }
        }
        let text: ((ctx: ScriptContext) => string) | null = null;
        if (arg.kind === 'Pvar') {
          const pv = this.c.pv(arg.raw, arg.loc);
          if (pv !== null) text = (ctx) => valueToString(pv.get(ctx));
        } else return bad('a regular expression string');
        if (text === null) return null;
        const cache = new Map<string, RegExp>();
        const t = text;
        return {
          get: (ctx) => {
            const pat = t(ctx);
            let re = cache.get(pat);
            if (re === undefined) {
              try {
                re = compilePosixRegex(pat);
              } catch {
                throw new ArgError(`${what}: '${pat}' is not a valid regular expression`);
              }
              if (cache.size > 256) cache.clear();
              cache.set(pat, re);
            }
            return re;
          },
          fixup: fix(null, null),
        };
      }
      case 'route': {
        if (arg.kind !== 'String' && arg.kind !== 'Ident' && arg.kind !== 'Number') return bad('a route name');
        const name = literalText!;
        const type = spec.routeType ?? 'REQUEST_ROUTE';
        const blockType = AST_ROUTE_TYPES_INV[type];
        const names = this.c.routeNames(blockType as never);
        if (!names.includes(name)) {
          this.c.report('error', `${what}: there is no ${blockType}_route[${name}]`.replace('request_route', 'route'), arg.loc, {
            suggestion: suggest(name, names),
          });
          return null;
        }
        return { get: () => name, fixup: fix(name, null) };
      }
    }
  }
}

/** A single known name that extends what was written (`isflag` -> `isflagset`). */
function completion(name: string, names: readonly string[]): string | undefined {
  if (name.length < 4) return undefined;
  const hits = names.filter((n) => n.startsWith(name));
  return hits.length === 1 ? hits[0] : undefined;
}

const AST_ROUTE_TYPES_INV: Record<RouteTypeName, string> = Object.fromEntries(
  Object.entries(AST_ROUTE_TYPES).map(([k, v]) => [v, k]),
) as Record<RouteTypeName, string>;

/** The closure that calls an impl with its coerced arguments; errors become -1 with a log line. */
function bindCall(fn: FunctionExport, getters: ArgGetter[], loc: SourceLoc): CallClosure {
  const impl = fn.impl as unknown as (ctx: ScriptContext, ...args: unknown[]) => FunctionResult;
  const name = fn.name;
  const line = loc.line;
  const file = loc.file;
  let invoke: Invoke;
  const [g0, g1, g2, g3] = getters;
  switch (getters.length) {
    case 0: invoke = (ctx) => impl(ctx); break;
    case 1: invoke = (ctx) => impl(ctx, g0!(ctx)); break;
    case 2: invoke = (ctx) => impl(ctx, g0!(ctx), g1!(ctx)); break;
    case 3: invoke = (ctx) => impl(ctx, g0!(ctx), g1!(ctx), g2!(ctx)); break;
    case 4: invoke = (ctx) => impl(ctx, g0!(ctx), g1!(ctx), g2!(ctx), g3!(ctx)); break;
    default: invoke = (ctx) => impl(ctx, ...getters.map((g) => g(ctx)));
  }
  const fail = (ctx: ScriptContext, e: unknown): number => {
    if (e instanceof ArgError) ctx.logError(`${name}(): ${e.message}`);
    else ctx.logError(`${name}() failed: ${e instanceof Error ? e.message : String(e)}`);
    return -1;
  };
  return (ctx) => {
    ctx.currentFunction = name;
    ctx.line = line;
    ctx.file = file;
    let r: FunctionResult;
    try {
      r = invoke(ctx);
    } catch (e) {
      return fail(ctx, e);
    }
    if (isPromise(r)) return r.then(normalizeResult, (e: unknown) => fail(ctx, e));
    return typeof r === 'number' ? r | 0 : -1;
  };
}

function normalizeResult(r: unknown): number {
  return typeof r === 'number' ? r | 0 : -1;
}

export type { ArgGetter };

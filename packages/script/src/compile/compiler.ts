/**
 * AST -> closures, once, at load. Statements become `Exec` closures returning a control
 * signal; expressions become value getters or condition evaluators. Every pseudo-variable,
 * format string and regex is parsed here; nothing parses script text per message.
 *
 * Sync fast path: a closure returns a plain number/value unless something below it
 * (a module function) returned a Promise; only then does the rest of the route continue
 * asynchronously, so routes that never wait never allocate promises.
 */
import {
  arith,
  type ArithOp,
  compareValues,
  type CompareOp,
  isTruthy,
  type ScriptValue,
  strCaseEqual,
  strToIntStrict,
  valueToString,
} from '../values';
import type {
  AssignStmt,
  BinaryExpr,
  CallExpr,
  Expr,
  ForEachStmt,
  IfStmt,
  RouteBlock,
  RouteCallExpr,
  Script,
  IpLit,
  Stmt,
  StringLit,
  SwitchStmt,
  WhileStmt,
} from '../syntax/ast';
import type { Diagnostic, Severity, SourceLoc } from '../syntax/diagnostics';
import { suggest } from '../syntax/diagnostics';
import type { ModuleRegistry } from '../exports/registry';
import { moduleNameFromPath } from '../exports/registry';
import type { PvAccess, RouteTypeName } from '../exports/types';
import type { ScriptContext } from '../runtime/context';
import { staticVarSlot } from '../runtime/core-pvars';
import { compilePosixRegex, RegexError } from './posix-regex';
import { compilePvText, type PvCompileEnv, PvCompileError } from './pv-compile';
import { ipNet, ipInNet, type IpNet } from './ip-match';
import { CallCompiler } from './call';
import { AST_ROUTE_TYPES } from './route-types';
import { arithValue, regexTest, unaryValue } from './expr-semantics';
import { CODEGEN_AVAILABLE, generateCond, generateStatements, generateValue, isPureExpr, isPureStmt } from './codegen';
import {
  EXPR_DROP,
  type Cond,
  type Ev,
  type Exec,
  isPromise,
  NEXT,
  BREAK,
  RETURN,
  EXIT,
  type Sig,
} from './signals';

export { AST_ROUTE_TYPES };

/** Key of a route block in the compiled script: `request:` is the main route. */
export function routeKey(type: RouteBlock['type'], name: string | null): string {
  return `${type}:${name ?? ''}`;
}

/** A compiled route; `body` is filled after every route is known (recursion works). */
export interface RouteSlot {
  block: RouteBlock;
  body: Exec;
  /** Route types this block runs in (its own, or its callers' for route[name]). */
  types: Set<RouteTypeName>;
}

const MAX_ROUTE_DEPTH = 100;

/** See {@link Compiler.operand}. */
interface Operand {
  ev: Ev;
  slot: number;
  constant: boolean;
  value: ScriptValue;
}

/** `ctx.vars[slot]`, NULL for a slot the context has not grown to. */
function readSlot(ctx: ScriptContext, slot: number): ScriptValue {
  const v = ctx.vars[slot];
  return v === undefined ? null : v;
}
const NO_VALUES: readonly ScriptValue[] = Object.freeze([]);

export interface CompilerOptions {
  registry: ModuleRegistry;
  /** Named flags and `$var` slots are allocated here. */
  flagBits: Map<string, number>;
  varSlots: Map<string, number>;
  /** Report `$varv` and similar per-occurrence notes. */
  onPvarName?(name: string, loc: SourceLoc): void;
  /**
   * Generate JavaScript for the parts of routes that cannot wait (see codegen.ts). On by
   * default where the process allows `new Function`; the environment variable
   * `TSIPS_SCRIPT_CODEGEN=0` turns it off (everything then runs as closures).
   */
  codegen?: boolean;
}

export class Compiler {
  readonly diagnostics: Diagnostic[] = [];
  readonly loaded = new Set<string>();
  readonly routes = new Map<string, RouteSlot>();
  private readonly registry: ModuleRegistry;
  private readonly calls: CallCompiler;
  /** Set while compiling one route body. */
  private current: RouteSlot | null = null;
  private nextNamedFlag = 31;
  private readonly codegen: boolean;

  constructor(private readonly opts: CompilerOptions) {
    this.registry = opts.registry;
    this.calls = new CallCompiler(this);
    this.codegen = CODEGEN_AVAILABLE && (opts.codegen ?? process.env['TSIPS_SCRIPT_CODEGEN'] !== '0');
  }

  // ------------------------------------------------------------------ reporting

  report(severity: Severity, message: string, loc: SourceLoc, extra: { expected?: string; suggestion?: string } = {}): void {
    const d: Diagnostic = { severity, message, loc };
    if (extra.expected !== undefined) d.expected = extra.expected;
    if (extra.suggestion !== undefined) d.suggestion = extra.suggestion;
    this.diagnostics.push(d);
  }

  /** A location inside a node's text (pvar raw text, string contents after the quote). */
  subLoc(loc: SourceLoc, offset: number, length: number): SourceLoc {
    return {
      file: loc.file,
      line: loc.line,
      column: loc.column + offset,
      offset: loc.offset + offset,
      endOffset: loc.offset + offset + Math.max(1, length),
    };
  }

  // ---------------------------------------------------------------- environment

  pvEnv(loc: SourceLoc, textOffset: number): PvCompileEnv {
    return {
      registry: this.registry,
      loaded: this.loaded,
      varSlot: (name) => this.varSlot(name),
      onPvar: (spec) => this.opts.onPvarName?.(spec.name, this.subLoc(loc, textOffset + spec.offset, spec.raw.length)),
    };
  }

  varSlot(name: string): number {
    let slot = this.opts.varSlots.get(name);
    if (slot === undefined) {
      slot = this.opts.varSlots.size;
      this.opts.varSlots.set(name, slot);
    }
    return slot;
  }

  /** Flag bit for a number 0..31 or a name (names are given free bits from 31 down). */
  flagBit(flag: string): number | undefined {
    const n = strToIntStrict(flag);
    if (n !== undefined) return n >= 0 && n <= 31 ? n : undefined;
    const known = this.opts.flagBits.get(flag);
    if (known !== undefined) return known;
    const used = new Set(this.opts.flagBits.values());
    while (this.nextNamedFlag >= 0 && used.has(this.nextNamedFlag)) this.nextNamedFlag--;
    if (this.nextNamedFlag < 0) return undefined;
    this.opts.flagBits.set(flag, this.nextNamedFlag);
    return this.nextNamedFlag--;
  }

  get registryRef(): ModuleRegistry {
    return this.registry;
  }

  get currentRoute(): RouteSlot | null {
    return this.current;
  }

  /** A compiled pseudo-variable, or null (reported) when it does not resolve. */
  pv(raw: string, loc: SourceLoc): PvAccess | null {
    try {
      return compilePvText(raw, this.pvEnv(loc, 0));
    } catch (e) {
      if (e instanceof PvCompileError) {
        const extra: { suggestion?: string } = {};
        if (e.suggestion !== undefined) extra.suggestion = e.suggestion;
        this.report('error', e.message, this.subLoc(loc, e.offset, e.length), extra);
        return null;
      }
      throw e;
    }
  }

  /**
   * An operand compiled for the fast paths: `slot` >= 0 when it is a `$var(name)` with a
   * static name (read straight from `ctx.vars`, no accessor call), `constant` when it is a
   * number or string literal.
   */
  operand(e: Expr): Operand {
    if (e.kind === 'Pvar') {
      const pv = this.pv(e.raw, e.loc);
      if (pv === null) return { ev: () => null, slot: -1, constant: false, value: null };
      const slot = staticVarSlot(pv);
      return { ev: pv.get, slot: slot ?? -1, constant: false, value: null };
    }
    if (e.kind === 'Number' || e.kind === 'String') {
      const v = e.value;
      return { ev: () => v, slot: -1, constant: true, value: v };
    }
    return { ev: this.value(e), slot: -1, constant: false, value: null };
  }

  // -------------------------------------------------------------------- script

  compile(script: Script): void {
    for (const item of script.items) {
      if (item.kind === 'LoadModule') this.loaded.add(moduleNameFromPath(item.path.value));
    }
    for (const item of script.items) {
      if (item.kind !== 'Route') continue;
      const key = routeKey(item.type, item.name);
      if (this.routes.has(key)) continue; // duplicates are reported by the checker
      this.routes.set(key, { block: item, body: () => NEXT, types: new Set() });
    }
    this.propagateRouteTypes();
    for (const slot of this.routes.values()) {
      this.current = slot;
      slot.body = this.block(slot.block.body);
    }
    this.current = null;
  }

  /** Which route types reach each route[name]: OpenSIPS checks functions against them. */
  private propagateRouteTypes(): void {
    const callees = new Map<string, string[]>();
    for (const [key, slot] of this.routes) callees.set(key, collectRouteCalls(slot.block.body));
    const queue: string[] = [];
    for (const [key, slot] of this.routes) {
      if (slot.block.type === 'request' && slot.block.name !== null) continue;
      slot.types.add(AST_ROUTE_TYPES[slot.block.type]);
      queue.push(key);
    }
    while (queue.length > 0) {
      const key = queue.pop()!;
      const from = this.routes.get(key)!;
      for (const name of callees.get(key) ?? []) {
        const target = this.routes.get(routeKey('request', name));
        if (target === undefined) continue;
        let grew = false;
        for (const t of from.types) {
          if (!target.types.has(t)) {
            target.types.add(t);
            grew = true;
          }
        }
        if (grew) queue.push(routeKey('request', name));
      }
    }
    for (const slot of this.routes.values()) if (slot.types.size === 0) slot.types.add('REQUEST_ROUTE');
  }

  // ---------------------------------------------------------------- statements

  block(stmts: Stmt[]): Exec {
    if (!this.codegen) return sequence(stmts.map((s) => this.stmt(s)));
    // Consecutive statements that cannot wait become one generated function.
    const execs: Exec[] = [];
    let run: Stmt[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      execs.push(run.length === 1 ? this.stmt(run[0]!) : generateStatements(this, run));
      run = [];
    };
    for (const s of stmts) {
      if (isPureStmt(s)) run.push(s);
      else {
        flush();
        execs.push(this.stmt(s));
      }
    }
    flush();
    return sequence(execs);
  }

  stmt(s: Stmt): Exec {
    if (this.codegen && worthGenerating(s) && isPureStmt(s)) return generateStatements(this, [s]);
    switch (s.kind) {
      case 'ExprStmt': {
        const call = s.expr.kind === 'Call' ? this.calls.compile(s.expr) : this.routeCall(s.expr);
        return (ctx) => {
          const r = call(ctx);
          if (isPromise(r)) return r.then((v) => afterCall(ctx, v));
          return afterCall(ctx, r);
        };
      }
      case 'Assign': return this.assign(s);
      case 'If': return this.ifStmt(s);
      case 'Switch': return this.switchStmt(s);
      case 'While': return this.whileStmt(s);
      case 'ForEach': return this.forEach(s);
      case 'Break': return () => BREAK;
      case 'Exit':
        return (ctx) => {
          if (ctx.end === 'running') ctx.end = 'exit';
          return EXIT;
        };
      case 'Drop':
        return (ctx) => {
          ctx.end = 'drop';
          ctx.dropped = true;
          return EXIT;
        };
      case 'Return': {
        const extras = s.extra.map((x) => this.value(x));
        const setExtras = (ctx: ScriptContext): void | Promise<void> => {
          if (extras.length === 0) {
            ctx.levelReturn = NO_VALUES;
            return;
          }
          const vals: ScriptValue[] = [];
          for (let i = 0; i < extras.length; i++) {
            const v = extras[i]!(ctx);
            if (isPromise(v)) {
              return (async () => {
                vals.push(await v);
                for (let j = i + 1; j < extras.length; j++) vals.push(await extras[j]!(ctx));
                ctx.levelReturn = vals;
              })();
            }
            vals.push(v);
          }
          ctx.levelReturn = vals;
        };
        if (s.value === null) {
          return (ctx) => {
            ctx.levelReturn = NO_VALUES;
            ctx.retcode = 1;
            return RETURN;
          };
        }
        const ev = this.value(s.value);
        const loc = s.value.loc;
        const setRet = (ctx: ScriptContext, v: ScriptValue): Sig => {
          const n = typeof v === 'number' ? v : v === null ? 0 : strToIntStrict(v);
          if (n === undefined) {
            ctx.logError(`${loc.file}:${loc.line}: return value '${v as string}' is not an integer; returning -1`);
            ctx.retcode = -1;
          } else ctx.retcode = n;
          if (ctx.retcode === 0 && ctx.end === 'running') ctx.end = 'exit';
          return ctx.retcode === 0 ? EXIT : RETURN;
        };
        const withValue = (ctx: ScriptContext): Sig | Promise<Sig> => {
          const v = ev(ctx);
          return isPromise(v) ? v.then((x) => setRet(ctx, x)) : setRet(ctx, v);
        };
        if (extras.length === 0) {
          return (ctx) => {
            ctx.levelReturn = NO_VALUES;
            return withValue(ctx);
          };
        }
        return (ctx) => {
          const p = setExtras(ctx);
          return p === undefined ? withValue(ctx) : p.then(() => withValue(ctx));
        };
      }
      case 'Block': return this.block(s.body);
      case 'Async': {
        const call = this.calls.compile(s.call);
        const resume = this.routeRef(s.resumeRoute, s.resumeRouteLoc);
        return (ctx) => {
          const r = call(ctx);
          const done = (v: number): Sig | Promise<Sig> => {
            ctx.retcode = v;
            if (resume === null) return EXIT;
            const rr = runSubRoute(ctx, resume, []);
            return isPromise(rr) ? rr.then(() => EXIT) : EXIT;
          };
          return isPromise(r) ? r.then(done) : done(r);
        };
      }
      case 'Launch': {
        const call = this.calls.compile(s.call);
        const report = s.reportRoute === null ? null : this.routeRef(s.reportRoute, s.reportRouteLoc ?? s.loc);
        const param = s.reportParam?.value ?? null;
        const args = param === null ? [] : [param];
        const reportIn = (rctx: ScriptContext, v: number): void => {
          if (report === null) return;
          rctx.retcode = v;
          const rr = runSubRoute(rctx, report, args);
          if (isPromise(rr)) void rr.catch((e: unknown) => rctx.logError(`launch report route failed: ${String(e)}`));
        };
        return (ctx) => {
          const r = call(ctx);
          if (isPromise(r)) {
            // The job finishes after this message's route may have ended (and its context been
            // reused): the report route gets a context of its own.
            const rctx = ctx.fork();
            void r.then((v) => reportIn(rctx, v), (e: unknown) => rctx.logError(`launched function failed: ${String(e)}`));
          } else if (report !== null) {
            const saved = ctx.retcode;
            reportIn(ctx, r);
            ctx.retcode = saved;
          }
          return NEXT;
        };
      }
    }
  }

  private assign(s: AssignStmt): Exec {
    const target = this.pv(s.target.raw, s.target.loc);
    const ev = this.value(s.value);
    if (target === null) return () => NEXT;
    if (target.set === undefined) {
      this.report('error', `${s.target.raw} is read-only`, s.target.loc);
      return () => NEXT;
    }
    const set = target.set;
    const get = target.get;
    const loc = s.loc;
    const slot = staticVarSlot(target);
    if (slot !== undefined && (s.op === '=' || s.op === ':=')) {
      // $var(x) = v: a plain slot write ($var has no stack, so '=' and ':=' are the same).
      const v = s.value;
      if (v.kind === 'Number' || v.kind === 'String' || v.kind === 'Null') {
        const c: ScriptValue = v.kind === 'Null' ? null : v.value;
        return (ctx) => {
          ctx.vars[slot] = c;
          return NEXT;
        };
      }
      return (ctx) => {
        const x = ev(ctx);
        if (isPromise(x)) return x.then((y) => ((ctx.vars[slot] = y), NEXT));
        ctx.vars[slot] = x;
        return NEXT;
      };
    }
    if (s.op === '=' || s.op === ':=') {
      const op = s.op;
      if (s.value.kind === 'Null') return (ctx) => (set(ctx, null, op), NEXT);
      return (ctx) => {
        const v = ev(ctx);
        if (isPromise(v)) return v.then((x) => (set(ctx, x, op), NEXT));
        set(ctx, v, op);
        return NEXT;
      };
    }
    const aop = s.op.slice(0, -1) as ArithOp;
    const apply = (ctx: ScriptContext, v: ScriptValue): Sig => {
      const r = arith(aop, get(ctx), v);
      if (r === undefined) {
        ctx.logError(`${loc.file}:${loc.line}: invalid operands for ${s.op} on ${s.target.raw}`);
        return NEXT;
      }
      set(ctx, r, '=');
      return NEXT;
    };
    return (ctx) => {
      const v = ev(ctx);
      return isPromise(v) ? v.then((x) => apply(ctx, x)) : apply(ctx, v);
    };
  }

  private ifStmt(s: IfStmt): Exec {
    const cond = this.cond(s.cond);
    const then = this.stmt(s.then);
    const els = s.else === null ? null : this.stmt(s.else);
    const loc = s.cond.loc;
    const branch = (ctx: ScriptContext, c: number): Sig | Promise<Sig> => {
      if (c > 0) return then(ctx);
      if (c === EXPR_DROP) {
        if (ctx.end === 'running') ctx.end = 'exit';
        return EXIT;
      }
      if (c < 0) ctx.log(1, `${loc.file}:${loc.line}: error in expression (treated as false)`);
      return els === null ? NEXT : els(ctx);
    };
    if (els === null) {
      return (ctx) => {
        const c = cond(ctx);
        if (c === 1) return then(ctx);
        if (c === 0) return NEXT;
        return isPromise(c) ? c.then((x) => branch(ctx, x)) : branch(ctx, c);
      };
    }
    return (ctx) => {
      const c = cond(ctx);
      if (c === 1) return then(ctx);
      if (c === 0) return els(ctx);
      return isPromise(c) ? c.then((x) => branch(ctx, x)) : branch(ctx, c);
    };
  }

  private switchStmt(s: SwitchStmt): Exec {
    const subject = this.value(s.subject);
    const bodies = s.cases.map((c) => this.block(c.body));
    const start = this.switchStart(s);
    const n = bodies.length;
    const runFrom = (ctx: ScriptContext, i: number): Sig | Promise<Sig> => {
      for (; i < n; i++) {
        const r = bodies[i]!(ctx);
        if (isPromise(r)) {
          const next = i + 1;
          return r.then((sig) => (sig === NEXT ? runFrom(ctx, next) : sig === BREAK ? NEXT : sig));
        }
        if (r === BREAK) return NEXT;
        if (r !== NEXT) return r;
      }
      return NEXT;
    };
    return (ctx) => {
      const v = subject(ctx);
      if (isPromise(v)) {
        return v.then((x) => {
          const i = start(x);
          return i < 0 ? NEXT : runFrom(ctx, i);
        });
      }
      const i = start(v);
      return i < 0 ? NEXT : runFrom(ctx, i);
    };
  }

  /**
   * Where a switch starts for a subject value: the index of the first matching case, else
   * the default's, else -1. Reports duplicate labels and a second default.
   */
  switchStart(s: SwitchStmt): (v: ScriptValue) => number {
    const labels = s.cases.map((c) => (c.label === null ? null : c.label.value));
    let defaultIndex = -1;
    const seen = new Set<string>();
    s.cases.forEach((c, i) => {
      if (c.label === null) {
        if (defaultIndex >= 0) this.report('error', 'switch has more than one default', c.loc);
        defaultIndex = i;
      } else {
        const key = `${typeof c.label.value}:${c.label.value}`;
        if (seen.has(key)) this.report('error', `duplicate case ${c.label.kind === 'String' ? `"${c.label.value}"` : c.label.value}`, c.label.loc);
        seen.add(key);
      }
    });
    // Labels by value, first occurrence wins: a string subject finds its case in one lookup
    // (a number label also matches a string holding that integer; a string label matches an
    // integer subject by its decimal form).
    const byString = new Map<string, number>();
    const byNumber = new Map<number, number>();
    labels.forEach((l, i) => {
      if (typeof l === 'string') {
        if (!byString.has(l)) byString.set(l, i);
      } else if (typeof l === 'number' && !byNumber.has(l)) byNumber.set(l, i);
    });
    const first = (a: number | undefined, b: number | undefined): number =>
      a === undefined ? (b === undefined ? defaultIndex : b) : b === undefined || a < b ? a : b;
    const start = (v: ScriptValue): number => {
      if (v === null) return defaultIndex;
      if (typeof v === 'number') return first(byNumber.get(v), byString.size === 0 ? undefined : byString.get(valueToString(v)));
      const n = byNumber.size === 0 ? undefined : strToIntStrict(v);
      return first(byString.get(v), n === undefined ? undefined : byNumber.get(n));
    };
    return start;
  }

  private whileStmt(s: WhileStmt): Exec {
    const cond = this.cond(s.cond);
    const body = this.stmt(s.body);
    const loc = s.loc;
    const tooMany = (ctx: ScriptContext): Sig => {
      ctx.logError(`${loc.file}:${loc.line}: max while loops reached (${ctx.tables.maxWhileLoops}), increase the 'max_while_loops' core parameter`);
      return NEXT;
    };
    const afterCond = (ctx: ScriptContext, c: number, count: number): Sig | Promise<Sig> => {
      if (c === EXPR_DROP) {
        if (ctx.end === 'running') ctx.end = 'exit';
        return EXIT;
      }
      if (c <= 0) return NEXT;
      const r = body(ctx);
      if (isPromise(r)) return r.then((sig) => (sig === NEXT ? loop(ctx, count) : sig === BREAK ? NEXT : sig));
      if (r === BREAK) return NEXT;
      if (r !== NEXT) return r;
      return loop(ctx, count);
    };
    const loop = (ctx: ScriptContext, count: number): Sig | Promise<Sig> => {
      const max = ctx.tables.maxWhileLoops;
      for (;;) {
        if (count++ >= max) return tooMany(ctx);
        const c = cond(ctx);
        if (isPromise(c)) {
          const k = count;
          return c.then((x) => afterCond(ctx, x, k));
        }
        if (c === EXPR_DROP) {
          if (ctx.end === 'running') ctx.end = 'exit';
          return EXIT;
        }
        if (c <= 0) return NEXT;
        const r = body(ctx);
        if (isPromise(r)) {
          const k = count;
          return r.then((sig) => (sig === NEXT ? loop(ctx, k) : sig === BREAK ? NEXT : sig));
        }
        if (r === BREAK) return NEXT;
        if (r !== NEXT) return r;
      }
    };
    return (ctx) => loop(ctx, 0);
  }

  private forEach(s: ForEachStmt): Exec {
    const variable = this.pv(s.variable.raw, s.variable.loc);
    const iterable = this.pv(s.iterable.raw, s.iterable.loc);
    const body = this.stmt(s.body);
    if (variable === null || iterable === null) return () => NEXT;
    if (variable.set === undefined) {
      this.report('error', `${s.variable.raw} is read-only and cannot be the loop variable`, s.variable.loc);
      return () => NEXT;
    }
    const getAll = iterable.getAll;
    if (getAll === undefined) {
      this.report('error', `for-each needs an indexed variable with [*], e.g. $(avp(name)[*]), not ${s.iterable.raw}`, s.iterable.loc);
      return () => NEXT;
    }
    const set = variable.set;
    const run = (ctx: ScriptContext, values: ScriptValue[], i: number): Sig | Promise<Sig> => {
      for (; i < values.length; i++) {
        set(ctx, values[i]!, '=');
        const r = body(ctx);
        if (isPromise(r)) {
          const next = i + 1;
          return r.then((sig) => (sig === NEXT ? run(ctx, values, next) : sig === BREAK ? NEXT : sig));
        }
        if (r === BREAK) return NEXT;
        if (r !== NEXT) return r;
      }
      return NEXT;
    };
    return (ctx) => run(ctx, getAll(ctx), 0);
  }

  // ---------------------------------------------------------------- routes

  /** A named request route referenced by a statement (resume/report routes); reports when missing. */
  routeRef(name: string, loc: SourceLoc): RouteSlot | null {
    const slot = this.routes.get(routeKey('request', name));
    if (slot === undefined) {
      this.report('error', `unknown route '${name}'`, loc, { suggestion: suggest(name, this.routeNames('request')) });
      return null;
    }
    return slot;
  }

  routeNames(type: RouteBlock['type']): string[] {
    const out: string[] = [];
    for (const slot of this.routes.values()) if (slot.block.type === type && slot.block.name !== null) out.push(slot.block.name);
    return out;
  }

  routeCall(e: RouteCallExpr): (ctx: ScriptContext) => number | Promise<number> {
    const args = e.args.map((a) => this.value(a));
    const evalArgs = (ctx: ScriptContext): ScriptValue[] | Promise<ScriptValue[]> => {
      const vals: ScriptValue[] = [];
      for (let i = 0; i < args.length; i++) {
        const v = args[i]!(ctx);
        if (isPromise(v)) {
          return (async () => {
            vals.push(await v);
            for (let j = i + 1; j < args.length; j++) vals.push(await args[j]!(ctx));
            return vals;
          })();
        }
        vals.push(v);
      }
      return vals;
    };
    if (typeof e.name === 'string') {
      const slot = this.routeRef(e.name, e.nameLoc);
      if (slot === null) return () => -1;
      return (ctx) => {
        const a = evalArgs(ctx);
        return Array.isArray(a) ? runSubRoute(ctx, slot, a) : a.then((x) => runSubRoute(ctx, slot, x));
      };
    }
    // route($var(x)): the name is read per message; an unknown name fails the call.
    const nameAccess = this.pv(e.name.raw, e.name.loc);
    if (nameAccess === null) return () => -1;
    const routes = this.routes;
    return (ctx) => {
      const name = valueToString(nameAccess.get(ctx));
      const slot = routes.get(routeKey('request', name));
      if (slot === undefined) {
        ctx.logError(`route '${name}' does not exist`);
        return -1;
      }
      const a = evalArgs(ctx);
      return Array.isArray(a) ? runSubRoute(ctx, slot, a) : a.then((x) => runSubRoute(ctx, slot, x));
    };
  }

  // ---------------------------------------------------------------- expressions

  /** Value of an expression. */
  value(e: Expr): Ev {
    if (this.codegen && (e.kind === 'Binary' || e.kind === 'Unary') && isPureExpr(e)) return generateValue(this, e);
    switch (e.kind) {
      case 'Number': {
        const n = e.value;
        return () => n;
      }
      case 'String': {
        const s = e.value;
        return () => s;
      }
      case 'Null': return () => null;
      case 'Ip': {
        const s = e.raw;
        return () => s;
      }
      case 'Ident': {
        this.report('error', `unexpected word '${e.name}' in an expression (strings need quotes)`, e.loc, { expected: 'a string, number or pseudo-variable' });
        return () => null;
      }
      case 'Pvar': {
        const pv = this.pv(e.raw, e.loc);
        return pv === null ? () => null : pv.get;
      }
      case 'Call':
      case 'RouteCall': {
        // A call used as a value (its number) still sets $retcode.
        const call = e.kind === 'Call' ? this.calls.compile(e) : this.routeCall(e);
        const seen = (ctx: ScriptContext, r: number): number => {
          ctx.retcode = r;
          return r;
        };
        return (ctx) => {
          const r = call(ctx);
          return isPromise(r) ? r.then((v) => seen(ctx, v)) : seen(ctx, r);
        };
      }
      case 'Unary': {
        if (e.op === '!') {
          const c = this.cond(e);
          return (ctx) => {
            const r = c(ctx);
            return isPromise(r) ? r.then((x) => (x > 0 ? 1 : 0)) : r > 0 ? 1 : 0;
          };
        }
        const inner = this.value(e.operand);
        const loc = e.loc;
        const op = e.op;
        const f = (ctx: ScriptContext, v: ScriptValue): ScriptValue => unaryValue(ctx, op, v, loc);
        return (ctx) => {
          const v = inner(ctx);
          return isPromise(v) ? v.then((x) => f(ctx, x)) : f(ctx, v);
        };
      }
      case 'Binary': {
        if (isCondOp(e.op)) {
          const c = this.cond(e);
          return (ctx) => {
            const r = c(ctx);
            return isPromise(r) ? r.then((x) => (x > 0 ? 1 : 0)) : r > 0 ? 1 : 0;
          };
        }
        const op = e.op as ArithOp;
        const lo = this.operand(e.left);
        const ro = this.operand(e.right);
        const l = lo.ev;
        const r = ro.ev;
        const loc = e.opLoc;
        const f = (ctx: ScriptContext, a: ScriptValue, b: ScriptValue): ScriptValue => arithValue(ctx, op, a, b, loc);
        if (op === '+' && lo.slot >= 0 && ro.constant) {
          // $var(i) + 1, $var(s) + "x": counters and string building, no accessor call.
          const slot = lo.slot;
          const c = ro.value;
          if (typeof c === 'number') {
            return (ctx) => {
              const a = readSlot(ctx, slot);
              return typeof a === 'number' ? (a + c) | 0 : f(ctx, a, c);
            };
          }
          return (ctx) => {
            const a = readSlot(ctx, slot);
            return typeof a === 'string' ? a + c : f(ctx, a, c);
          };
        }
        if (ro.slot >= 0) {
          const slot = ro.slot;
          if (lo.constant) {
            const c = lo.value;
            return (ctx) => f(ctx, c, readSlot(ctx, slot));
          }
          return (ctx) => {
            const a = l(ctx);
            return isPromise(a) ? a.then((x) => f(ctx, x, readSlot(ctx, slot))) : f(ctx, a, readSlot(ctx, slot));
          };
        }
        const rn = e.right;
        if (rn.kind === 'Number' || rn.kind === 'String') {
          // Constant right operand (string building, counters): no second closure call.
          const c: ScriptValue = rn.value;
          return (ctx) => {
            const a = l(ctx);
            return isPromise(a) ? a.then((x) => f(ctx, x, c)) : f(ctx, a, c);
          };
        }
        const ln = e.left;
        if (ln.kind === 'Number' || ln.kind === 'String') {
          const c: ScriptValue = ln.value;
          return (ctx) => {
            const b = r(ctx);
            return isPromise(b) ? b.then((x) => f(ctx, c, x)) : f(ctx, c, b);
          };
        }
        return lift2(l, r, f);
      }
    }
  }

  /** Condition value: 1 true, 0 false, -1 error, EXPR_DROP (a function returned 0). */
  cond(e: Expr): Cond {
    if (this.codegen && (e.kind === 'Binary' || e.kind === 'Unary') && isPureExpr(e)) return generateCond(this, e);
    switch (e.kind) {
      case 'Call':
      case 'RouteCall': {
        const call = e.kind === 'Call' ? this.calls.compile(e) : this.routeCall(e);
        return (ctx) => {
          const r = call(ctx);
          if (isPromise(r)) return r.then((v) => callCond(ctx, v));
          return callCond(ctx, r);
        };
      }
      case 'Unary': {
        if (e.op !== '!') break;
        const inner = this.cond(e.operand);
        const neg = (x: number): number => (x < 0 ? x : x > 0 ? 0 : 1);
        return (ctx) => {
          const r = inner(ctx);
          return isPromise(r) ? r.then(neg) : neg(r);
        };
      }
      case 'Binary': {
        if (e.op === '&&' || e.op === '||') {
          const l = this.cond(e.left);
          const r = this.cond(e.right);
          if (e.op === '&&') {
            return (ctx) => {
              const a = l(ctx);
              if (isPromise(a)) return a.then((x) => (x !== 1 ? x : r(ctx)));
              return a !== 1 ? a : r(ctx);
            };
          }
          return (ctx) => {
            const a = l(ctx);
            if (isPromise(a)) return a.then((x) => (x !== 0 ? x : r(ctx)));
            return a !== 0 ? a : r(ctx);
          };
        }
        if (e.op === '=~' || e.op === '!~') return this.match(e);
        if (isCompareOp(e.op)) return this.compare(e);
        break;
      }
      case 'Number': {
        const v = e.value !== 0 ? 1 : 0;
        return () => v;
      }
      default:
        break;
    }
    const ev = this.value(e);
    return (ctx) => {
      const v = ev(ctx);
      return isPromise(v) ? v.then((x) => (isTruthy(x) ? 1 : 0)) : isTruthy(v) ? 1 : 0;
    };
  }

  private compare(e: BinaryExpr): Cond {
    const op = e.op as CompareOp;
    const lo = this.operand(e.left);
    const l = lo.ev;
    if (e.right.kind === 'Ip' && (op === '==' || op === '!=')) {
      const net = this.ipLiteralNet(e.right);
      if (net === null) return () => -1;
      const want = op === '==' ? 1 : 0;
      const f = (v: ScriptValue): number => (v === null ? 1 - want : ipInNet(valueToString(v), net) ? want : 1 - want);
      return (ctx) => {
        const v = l(ctx);
        return isPromise(v) ? v.then(f) : f(v);
      };
    }
    const kind = e.right.kind === 'Number' || e.right.kind === 'String' || e.right.kind === 'Null' || e.right.kind === 'Ip'
      ? 'constant' as const
      : 'variable' as const;
    if (e.right.kind === 'String' && (op === '==' || op === '!=')) {
      // `$rm == "INVITE"`: a string value is compared case-insensitively with the constant.
      const c = e.right.value;
      const yes = op === '==' ? 1 : 0;
      const no = 1 - yes;
      if (lo.slot >= 0) {
        const slot = lo.slot;
        return (ctx) => {
          const a = readSlot(ctx, slot);
          if (typeof a === 'string') return a.length === c.length && strCaseEqual(a, c) ? yes : no;
          return compareValues(op, a, c, 'constant');
        };
      }
      return (ctx) => {
        const a = l(ctx);
        if (typeof a === 'string') return a.length === c.length && strCaseEqual(a, c) ? yes : no;
        return isPromise(a) ? a.then((x) => compareValues(op, x, c, 'constant')) : compareValues(op, a, c, 'constant');
      };
    }
    if (e.right.kind === 'Number' && lo.slot >= 0) {
      const c = e.right.value;
      const slot = lo.slot;
      return (ctx) => compareValues(op, readSlot(ctx, slot), c, 'constant');
    }
    if (e.right.kind === 'Number' || e.right.kind === 'String' || e.right.kind === 'Null') {
      const c: ScriptValue = e.right.kind === 'Null' ? null : e.right.value;
      return (ctx) => {
        const a = l(ctx);
        return isPromise(a) ? a.then((x) => compareValues(op, x, c, 'constant')) : compareValues(op, a, c, 'constant');
      };
    }
    const r = this.value(e.right);
    return lift2(l, r, (_ctx, a, b) => compareValues(op, a, b, kind));
  }

  private match(e: BinaryExpr): Cond {
    const l = this.value(e.left);
    const negate = e.op === '!~';
    if (e.right.kind === 'String') {
      const re = this.regexLiteral(e.right);
      if (re === null) return () => -1;
      return (ctx) => {
        const v = l(ctx);
        return isPromise(v) ? v.then((x) => regexTest(x, re, negate)) : regexTest(v, re, negate);
      };
    }
    const r = this.value(e.right);
    return lift2(l, r, this.dynamicMatcher(e));
  }

  /** A regex literal compiled once; null (reported) when it does not compile. */
  regexLiteral(e: StringLit): RegExp | null {
    try {
      return compilePosixRegex(e.value);
    } catch (err) {
      if (!(err instanceof RegexError)) throw err;
      this.report('error', `regular expression "${e.value}" does not compile: ${err.message}`, e.loc);
      return null;
    }
  }

  /** `a =~ b` with the pattern from a variable: compiled per distinct pattern, cached. */
  dynamicMatcher(e: BinaryExpr): (ctx: ScriptContext, a: ScriptValue, b: ScriptValue) => number {
    const negate = e.op === '!~';
    const cache = new Map<string, RegExp | null>();
    const loc = e.right.loc;
    return (ctx, a, b) => {
      const pat = valueToString(b);
      let re = cache.get(pat);
      if (re === undefined) {
        try {
          re = compilePosixRegex(pat);
        } catch {
          ctx.logError(`${loc.file}:${loc.line}: bad regular expression '${pat}'`);
          re = null;
        }
        if (cache.size > 256) cache.clear();
        cache.set(pat, re);
      }
      return regexTest(a, re, negate);
    };
  }

  /** The network of an IP literal compared with `==`/`!=`; null (reported) when invalid. */
  ipLiteralNet(e: IpLit): IpNet | null {
    const net = ipNet(e.address, e.mask);
    if (net === null) this.report('error', `invalid IP address or network '${e.raw}'`, e.loc);
    return net;
  }
}

// -------------------------------------------------------------------- helpers

/** Statements whose generated form beats a closure (not a lone exit/break/return). */
function worthGenerating(s: Stmt): boolean {
  return s.kind === 'Assign' || s.kind === 'If' || s.kind === 'While' || s.kind === 'Switch' || s.kind === 'Block' || (s.kind === 'Return' && s.value !== null);
}

function isCompareOp(op: string): op is CompareOp {
  return op === '==' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=';
}

function isCondOp(op: string): boolean {
  return isCompareOp(op) || op === '&&' || op === '||' || op === '=~' || op === '!~';
}

function lift2<T>(
  l: Ev,
  r: Ev,
  f: (ctx: ScriptContext, a: ScriptValue, b: ScriptValue) => T,
): (ctx: ScriptContext) => T | Promise<T> {
  return (ctx) => {
    const a = l(ctx);
    if (isPromise(a)) {
      return a.then((av) => {
        const b = r(ctx);
        return isPromise(b) ? b.then((bv) => f(ctx, av, bv)) : f(ctx, av, b);
      });
    }
    const b = r(ctx);
    return isPromise(b) ? b.then((bv) => f(ctx, a, bv)) : f(ctx, a, b);
  };
}

/** A function/route result used as a condition: >0 true, <0 false, 0 ends the script. */
function callCond(ctx: ScriptContext, r: number): number {
  ctx.retcode = r;
  if (r > 0) return 1;
  if (r === 0) {
    if (ctx.end === 'running') ctx.end = 'exit';
    return EXPR_DROP;
  }
  return 0;
}

function afterCall(ctx: ScriptContext, r: number): Sig {
  ctx.retcode = r;
  if (r === 0 || ctx.end !== 'running') {
    if (ctx.end === 'running') ctx.end = 'exit';
    return EXIT;
  }
  return NEXT;
}

/** Runs a route[name] body with its arguments as $param(1..n); 0 (exit) ends the script. */
export function runSubRoute(ctx: ScriptContext, slot: RouteSlot, args: ScriptValue[]): number | Promise<number> {
  if (ctx.routeDepth >= MAX_ROUTE_DEPTH) {
    ctx.logError(`too many nested route() calls (${MAX_ROUTE_DEPTH}) entering route[${slot.block.name ?? ''}]`);
    return -1;
  }
  const savedParams = ctx.params;
  const savedName = ctx.routeName;
  const savedLevel = ctx.levelReturn;
  ctx.params = args;
  ctx.routeName = slot.block.name;
  ctx.levelReturn = NO_VALUES;
  ctx.routeDepth++;
  const finish = (sig: Sig): number => {
    ctx.params = savedParams;
    ctx.routeName = savedName;
    ctx.lastReturn = ctx.levelReturn;
    ctx.levelReturn = savedLevel;
    ctx.routeDepth--;
    if (sig === EXIT) return 0;
    if (sig === RETURN) return ctx.retcode;
    return 1;
  };
  let r: Sig | Promise<Sig>;
  try {
    r = slot.body(ctx);
  } catch (e) {
    finish(NEXT);
    throw e;
  }
  if (isPromise(r)) return r.then(finish, (e: unknown) => {
    finish(NEXT);
    throw e;
  });
  return finish(r);
}

/** Runs statements in order; continues asynchronously only from a statement that waited. */
export function sequence(execs: Exec[]): Exec {
  const n = execs.length;
  if (n === 0) return () => NEXT;
  if (n === 1) return execs[0]!;
  const from = (ctx: ScriptContext, i: number): Sig | Promise<Sig> => {
    for (; i < n; i++) {
      const r = execs[i]!(ctx);
      if (isPromise(r)) {
        const next = i + 1;
        return r.then((sig) => (sig === NEXT ? from(ctx, next) : sig));
      }
      if (r !== NEXT) return r;
    }
    return NEXT;
  };
  return (ctx) => {
    for (let i = 0; i < n; i++) {
      const r = execs[i]!(ctx);
      if (r !== NEXT) {
        if (isPromise(r)) {
          const next = i + 1;
          return r.then((sig) => (sig === NEXT ? from(ctx, next) : sig));
        }
        return r;
      }
    }
    return NEXT;
  };
}

/** Names of routes a block calls statically (route(x), async resume routes, launch report routes). */
export function collectRouteCalls(stmts: Stmt[]): string[] {
  const out: string[] = [];
  const expr = (e: Expr | { kind: 'Omitted' }): void => {
    switch (e.kind) {
      case 'RouteCall':
        if (typeof e.name === 'string') out.push(e.name);
        e.args.forEach(expr);
        break;
      case 'Call': e.args.forEach(expr); break;
      case 'Binary': expr(e.left); expr(e.right); break;
      case 'Unary': expr(e.operand); break;
      default: break;
    }
  };
  const stmt = (s: Stmt): void => {
    switch (s.kind) {
      case 'ExprStmt': expr(s.expr); break;
      case 'Assign': expr(s.value); break;
      case 'If': expr(s.cond); stmt(s.then); if (s.else) stmt(s.else); break;
      case 'Switch': expr(s.subject); s.cases.forEach((c) => c.body.forEach(stmt)); break;
      case 'While': expr(s.cond); stmt(s.body); break;
      case 'ForEach': stmt(s.body); break;
      case 'Return': if (s.value) expr(s.value); break;
      case 'Block': s.body.forEach(stmt); break;
      case 'Async': expr(s.call); out.push(s.resumeRoute); break;
      case 'Launch': expr(s.call); if (s.reportRoute !== null) out.push(s.reportRoute); break;
      default: break;
    }
  };
  stmts.forEach(stmt);
  return out;
}

export type { CallExpr };

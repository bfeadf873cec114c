/**
 * JavaScript generation for the parts of a route that cannot wait: statements and
 * expressions without function or route calls (assignments, if/while/switch on variables,
 * comparisons, regex matches, string building). Each such part becomes one function built
 * with `new Function`, so V8 sees its own code with its own type feedback: the variable
 * reads, comparisons and branches are straight-line code it can inline, instead of a
 * chain of generic closures whose calls see every kind of node in the script.
 *
 * What can wait (module functions, `route()`) stays with the closures of compiler.ts, which
 * know how to continue after a Promise; generated parts are called from them like any
 * other closure. Both paths share the helpers that decide semantics (arithValue,
 * regexTest, compareValues, switchStart ...), and the generator reports exactly the
 * diagnostics the closure compiler would, in the same order.
 */
import { arith, type ArithOp, compareValues, type CompareOp, isTruthy, type ScriptValue, strCaseEqual, strToIntStrict, valueToString } from '../values';
import type { BinaryExpr, Expr, Stmt } from '../syntax/ast';
import type { SourceLoc } from '../syntax/diagnostics';
import type { ScriptContext } from '../runtime/context';
import { staticVarSlot } from '../runtime/core-pvars';
import { ipInNet } from './ip-match';
import type { Compiler } from './compiler';
import { arithValue, regexTest, unaryValue } from './expr-semantics';
import type { Cond, Ev, Exec } from './signals';
import { BREAK, EXIT, NEXT, RETURN } from './signals';

/** Whether this process allows `new Function` (not under --disallow-code-generation-from-strings). */
export const CODEGEN_AVAILABLE: boolean = (() => {
  try {
    return (new Function('return 1') as () => number)() === 1;
  } catch {
    return false;
  }
})();

/** True when nothing in the expression can call a function (so nothing can wait). */
export function isPureExpr(e: Expr): boolean {
  switch (e.kind) {
    case 'Number':
    case 'String':
    case 'Null':
    case 'Ip':
    case 'Pvar':
      return true;
    case 'Unary': return isPureExpr(e.operand);
    case 'Binary': return isPureExpr(e.left) && isPureExpr(e.right);
    default: return false; // calls, route calls, bare words (an error the closure path reports)
  }
}

/** True when the statement can be generated (no calls, no for-each/async/launch). */
export function isPureStmt(s: Stmt): boolean {
  switch (s.kind) {
    case 'Assign': return isPureExpr(s.value);
    case 'If': return isPureExpr(s.cond) && isPureStmt(s.then) && (s.else === null || isPureStmt(s.else));
    case 'While': return isPureExpr(s.cond) && isPureStmt(s.body);
    case 'Switch': return isPureExpr(s.subject) && s.cases.every((c) => c.body.every(isPureStmt));
    case 'Block': return s.body.every(isPureStmt);
    case 'Break':
    case 'Exit':
    case 'Drop':
      return true;
    case 'Return': return s.extra.length === 0 && (s.value === null || isPureExpr(s.value));
    default: return false;
  }
}

const NO_VALUES: readonly ScriptValue[] = Object.freeze([]);

function readSlot(ctx: ScriptContext, slot: number): ScriptValue {
  const v = ctx.vars[slot];
  return v === undefined ? null : v;
}

/** The helpers generated code calls (plain functions: monomorphic, inlinable calls). */
const H = {
  readSlot,
  arithValue,
  unaryValue,
  regexTest,
  compareValues,
  isTruthy,
  /** `a == "c"` / `a != "c"` with a string constant. */
  eqString(a: ScriptValue, c: string, yes: number, op: CompareOp): number {
    if (typeof a === 'string') return a.length === c.length && strCaseEqual(a, c) ? yes : 1 - yes;
    return compareValues(op, a, c, 'constant');
  },
  /** `a == 10.0.0.0/8` / `!=`. */
  inNet(v: ScriptValue, net: Parameters<typeof ipInNet>[1], want: number): number {
    return v === null ? 1 - want : ipInNet(valueToString(v), net) ? want : 1 - want;
  },
  /** `x += v` and friends on any writable variable. */
  compound(ctx: ScriptContext, get: (ctx: ScriptContext) => ScriptValue, set: (ctx: ScriptContext, v: ScriptValue, op: '=') => void,
    op: ArithOp, v: ScriptValue, message: string): void {
    const r = arith(op, get(ctx), v);
    if (r === undefined) ctx.logError(message);
    else set(ctx, r, '=');
  },
  /** `return(v)`: the route's code; 0 ends the script. */
  setReturn(ctx: ScriptContext, v: ScriptValue, message: string): number {
    const n = typeof v === 'number' ? v : v === null ? 0 : strToIntStrict(v);
    if (n === undefined) {
      ctx.logError(`${message}'${v as string}' is not an integer; returning -1`);
      ctx.retcode = -1;
    } else ctx.retcode = n;
    if (ctx.retcode === 0 && ctx.end === 'running') ctx.end = 'exit';
    return ctx.retcode === 0 ? EXIT : RETURN;
  },
  NO_VALUES,
  /** The string part of a value in a concatenation whose left side is already a string (see arithValue). */
  str(v: ScriptValue): string {
    return v === null ? '' : typeof v === 'string' ? v : String(v | 0);
  },
  /** regexTest with a one-entry memo of the last subject (same text, same answer: the regex has no g/y state). */
  regexMemo(v: ScriptValue, m: RegexMemo, negate: boolean): number {
    if (v === null) return negate ? 1 : 0;
    const s = valueToString(v);
    if (s !== m.text) {
      m.matched = m.re.test(s);
      m.text = s;
    }
    return m.matched !== negate ? 1 : 0;
  },
};

/** One `=~` site's regex and the answer for the last text it saw. */
class RegexMemo {
  text: string | null = null;
  matched = false;
  constructor(readonly re: RegExp) {}
}

/** Loops and switches of the function being generated, innermost last (targets of `break`). */
type Frame = string;

/** Generates one function; constants and accessors it needs go in `k` (read as K[i]). */
class Emitter {
  readonly k: unknown[] = [];
  private temps = 0;
  private labels = 0;
  private readonly frames: Frame[] = [];

  constructor(private readonly c: Compiler) {}

  private konst(v: unknown): string {
    this.k.push(v);
    return `K[${this.k.length - 1}]`;
  }

  temp(): string {
    return `t${this.temps++}`;
  }

  tempDecl(): string {
    if (this.temps === 0) return '';
    const names: string[] = [];
    for (let i = 0; i < this.temps; i++) names.push(`t${i}`);
    return `let ${names.join(', ')};\n`;
  }

  // ------------------------------------------------------------- expressions

  /** JS expression for the value of `e` (mirrors Compiler.value). */
  value(e: Expr): string {
    switch (e.kind) {
      case 'Number': return `(${e.value})`;
      case 'String': return JSON.stringify(e.value);
      case 'Null': return 'null';
      case 'Ip': return JSON.stringify(e.raw);
      case 'Pvar': {
        const pv = this.c.pv(e.raw, e.loc);
        if (pv === null) return 'null';
        const slot = staticVarSlot(pv);
        if (slot !== undefined) return `H.readSlot(ctx, ${slot})`;
        return `${this.konst(pv.get)}(ctx)`;
      }
      case 'Unary': {
        if (e.op === '!') return `(${this.cond(e)} > 0 ? 1 : 0)`;
        const inner = this.value(e.operand);
        return `H.unaryValue(ctx, ${JSON.stringify(e.op)}, ${inner}, ${this.konst(e.loc)})`;
      }
      case 'Binary': {
        if (isCondOp(e.op)) return `(${this.cond(e)} > 0 ? 1 : 0)`;
        if (e.op === '+' && e.left.kind !== 'Number') return this.plusChain(e);
        const l = this.value(e.left);
        const r = this.value(e.right);
        if (e.right.kind === 'Number' && e.op === '-') {
          // integer left: arith()'s 32-bit result without the call; anything else takes the generic path
          const t = this.temp();
          return `(typeof (${t} = ${l}) === 'number' ? (${t} - ${r}) | 0 : H.arithValue(ctx, "-", ${t}, ${r}, ${this.konst(e.opLoc)}))`;
        }
        return `H.arithValue(ctx, ${JSON.stringify(e.op)}, ${l}, ${r}, ${this.konst(e.opLoc)})`;
      }
      default:
        throw new Error(`codegen: ${e.kind} is not pure`);
    }
  }

  /**
   * `a + b + c ...` (a left-leaning chain of `+`). When the leftmost value is a string, every
   * step is a concatenation (arithValue's string case), so the chain becomes one JS string
   * expression; an integer leftmost value plus an integer constant is 32-bit addition. Any
   * other case runs the generic nested arithValue calls, operands evaluated in the same order.
   */
  private plusChain(e: BinaryExpr): string {
    const operands: Expr[] = [];
    const locs: SourceLoc[] = [];
    let cur: Expr = e;
    while (cur.kind === 'Binary' && cur.op === '+') {
      operands.push(cur.right);
      locs.push(cur.opLoc);
      cur = cur.left;
    }
    operands.push(cur);
    operands.reverse();
    locs.reverse();
    const head = operands[0];
    // head first, then the rest left to right: the order the closure compiler reports diagnostics in
    const v = head.kind === 'String' ? JSON.stringify(head.value) : this.value(head);
    const rest = operands.slice(1).map((o) => (o.kind === 'String' ? JSON.stringify(o.value) : this.value(o)));
    const strPart = (o: Expr, code: string): string => (o.kind === 'String' ? code : `H.str(${code})`);
    const concat = (first: string): string => [first, ...rest.map((code, i) => strPart(operands[i + 1], code))].join(' + ');
    if (head.kind === 'String') return `(${concat(v)})`;
    const generic = (first: string): string => {
      let acc = first;
      for (let i = 0; i < rest.length; i++) acc = `H.arithValue(ctx, "+", ${acc}, ${rest[i]}, ${this.konst(locs[i])})`;
      return acc;
    };
    const t = this.temp();
    if (rest.length === 1 && operands[1].kind === 'Number') {
      return `(typeof (${t} = ${v}) === 'number' ? (${t} + ${rest[0]}) | 0 : ${generic(t)})`;
    }
    return `(typeof (${t} = ${v}) === 'string' ? ${concat(t)} : ${generic(t)})`;
  }

  /** JS expression giving 1, 0 or -1 for `e` as a condition (mirrors Compiler.cond). */
  cond(e: Expr): string {
    switch (e.kind) {
      case 'Unary': {
        if (e.op !== '!') break;
        const inner = this.cond(e.operand);
        const t = this.temp();
        return `((${t} = ${inner}) < 0 ? ${t} : ${t} > 0 ? 0 : 1)`;
      }
      case 'Binary': {
        if (e.op === '&&' || e.op === '||') {
          const l = this.cond(e.left);
          const r = this.cond(e.right);
          const t = this.temp();
          return e.op === '&&' ? `((${t} = ${l}) !== 1 ? ${t} : ${r})` : `((${t} = ${l}) !== 0 ? ${t} : ${r})`;
        }
        if (e.op === '=~' || e.op === '!~') return this.match(e);
        if (isCompareOp(e.op)) return this.compare(e);
        break;
      }
      case 'Number': return e.value !== 0 ? '1' : '0';
      default: break;
    }
    return `(H.isTruthy(${this.value(e)}) ? 1 : 0)`;
  }

  private match(e: BinaryExpr): string {
    const l = this.value(e.left);
    const negate = e.op === '!~';
    if (e.right.kind === 'String') {
      const re = this.c.regexLiteral(e.right);
      if (re === null) return '(-1)';
      // A regex without the stateful flags answers the same for the same text.
      if (!re.global && !re.sticky) return `H.regexMemo(${l}, ${this.konst(new RegexMemo(re))}, ${negate})`;
      return `H.regexTest(${l}, ${this.konst(re)}, ${negate})`;
    }
    const r = this.value(e.right);
    return `${this.konst(this.c.dynamicMatcher(e))}(ctx, ${l}, ${r})`;
  }

  private compare(e: BinaryExpr): string {
    const op = e.op as CompareOp;
    const l = this.value(e.left);
    const right = e.right;
    if (right.kind === 'Ip' && (op === '==' || op === '!=')) {
      const net = this.c.ipLiteralNet(right);
      if (net === null) return '(-1)';
      return `H.inNet(${l}, ${this.konst(net)}, ${op === '==' ? 1 : 0})`;
    }
    if (right.kind === 'String' && (op === '==' || op === '!=')) {
      return `H.eqString(${l}, ${JSON.stringify(right.value)}, ${op === '==' ? 1 : 0}, ${JSON.stringify(op)})`;
    }
    if (right.kind === 'Null') {
      // compareValues against the NULL constant: `==` tests for NULL, every other operator for "set"
      return op === '==' ? `(${l} === null ? 1 : 0)` : `(${l} === null ? 0 : 1)`;
    }
    if (right.kind === 'Number') {
      // two integers compare as integers (compareNumbers); other left values take the generic path
      const t = this.temp();
      const js = op === '==' ? '===' : op === '!=' ? '!==' : op;
      const c = this.value(right);
      return `(typeof (${t} = ${l}) === 'number' ? (${t} ${js} ${c} ? 1 : 0) : H.compareValues(${JSON.stringify(op)}, ${t}, ${c}, "constant"))`;
    }
    if (right.kind === 'String') {
      return `H.compareValues(${JSON.stringify(op)}, ${l}, ${this.value(right)}, "constant")`;
    }
    const kind = right.kind === 'Ip' ? 'constant' : 'variable';
    const r = this.value(right);
    return `H.compareValues(${JSON.stringify(op)}, ${l}, ${r}, ${JSON.stringify(kind)})`;
  }

  // -------------------------------------------------------------- statements

  /** JS statements for `s` (mirrors Compiler.stmt); signals leave with `return`. */
  stmt(s: Stmt): string {
    switch (s.kind) {
      case 'Assign': return this.assign(s);
      case 'If': {
        const cond = this.cond(s.cond);
        const then = this.stmt(s.then);
        const els = s.else === null ? '' : this.stmt(s.else);
        const t = this.temp();
        const loc = s.cond.loc;
        const warn = JSON.stringify(`${loc.file}:${loc.line}: error in expression (treated as false)`);
        return `${t} = ${cond};\nif (${t} > 0) {\n${then}} else {\nif (${t} < 0) ctx.log(1, ${warn});\n${els}}\n`;
      }
      case 'While': {
        const label = `L${this.labels++}`;
        const cond = this.cond(s.cond);
        this.frames.push(label);
        const body = this.stmt(s.body);
        this.frames.pop();
        const count = this.temp();
        const loc = s.loc;
        const tooMany = this.konst((ctx: ScriptContext) =>
          ctx.logError(`${loc.file}:${loc.line}: max while loops reached (${ctx.tables.maxWhileLoops}), increase the 'max_while_loops' core parameter`));
        return `${count} = 0;\n${label}: for (;;) {\nif (${count}++ >= ctx.tables.maxWhileLoops) { ${tooMany}(ctx); break; }\nif (${cond} <= 0) break;\n${body}}\n`;
      }
      case 'Switch': {
        const label = `L${this.labels++}`;
        const subject = this.value(s.subject);
        this.frames.push(label);
        const bodies = s.cases.map((c) => c.body.map((b) => this.stmt(b)).join(''));
        this.frames.pop();
        const start = this.konst(this.c.switchStart(s));
        const cases = bodies.map((b, i) => `case ${i}: {\n${b}}\n`).join('');
        return `${label}: switch (${start}(${subject})) {\n${cases}}\n`;
      }
      case 'Block': return s.body.map((b) => this.stmt(b)).join('');
      case 'Break': {
        const target = this.frames[this.frames.length - 1];
        return target === undefined ? `return ${BREAK};\n` : `break ${target};\n`;
      }
      case 'Exit': return `if (ctx.end === 'running') ctx.end = 'exit';\nreturn ${EXIT};\n`;
      case 'Drop': return `ctx.end = 'drop';\nctx.dropped = true;\nreturn ${EXIT};\n`;
      case 'Return': {
        if (s.value === null) return `ctx.levelReturn = H.NO_VALUES;\nctx.retcode = 1;\nreturn ${RETURN};\n`;
        const v = this.value(s.value);
        const loc = s.value.loc;
        const where = JSON.stringify(`${loc.file}:${loc.line}: return value `);
        return `ctx.levelReturn = H.NO_VALUES;\nreturn H.setReturn(ctx, ${v}, ${where});\n`;
      }
      default:
        throw new Error(`codegen: ${s.kind} is not pure`);
    }
  }

  private assign(s: Extract<Stmt, { kind: 'Assign' }>): string {
    const target = this.c.pv(s.target.raw, s.target.loc);
    const v = this.value(s.value);
    if (target === null) return '';
    if (target.set === undefined) {
      this.c.report('error', `${s.target.raw} is read-only`, s.target.loc);
      return '';
    }
    const slot = staticVarSlot(target);
    if (s.op === '=' || s.op === ':=') {
      if (slot !== undefined) return `ctx.vars[${slot}] = ${v};\n`;
      const set = this.konst(target.set);
      return `${set}(ctx, ${s.value.kind === 'Null' ? 'null' : v}, ${JSON.stringify(s.op)});\n`;
    }
    const aop = s.op.slice(0, -1) as ArithOp;
    const loc = s.loc;
    const message = JSON.stringify(`${loc.file}:${loc.line}: invalid operands for ${s.op} on ${s.target.raw}`);
    return `H.compound(ctx, ${this.konst(target.get)}, ${this.konst(target.set)}, ${JSON.stringify(aop)}, ${v}, ${message});\n`;
  }

  /** Builds the function: `body`, then `tail` (what it returns when the body falls off its end). */
  build<F>(body: string, tail: string): F {
    const src = `"use strict";\nreturn function generated(ctx) {\n${this.tempDecl()}${body}${tail}};`;
    return (new Function('K', 'H', src) as (k: unknown[], h: typeof H) => F)(this.k, H);
  }
}

function isCompareOp(op: string): op is CompareOp {
  return op === '==' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=';
}

function isCondOp(op: string): boolean {
  return isCompareOp(op) || op === '&&' || op === '||' || op === '=~' || op === '!~';
}

/** One generated function running pure statements in order; its result is a signal. */
export function generateStatements(c: Compiler, stmts: Stmt[]): Exec {
  const em = new Emitter(c);
  const body = stmts.map((s) => em.stmt(s)).join('');
  return em.build<Exec>(body, `return ${NEXT};\n`);
}

/** A generated condition (1 true, 0 false, -1 error) for a pure expression. */
export function generateCond(c: Compiler, e: Expr): Cond {
  const em = new Emitter(c);
  const expr = em.cond(e);
  return em.build<Cond>('', `return ${expr};\n`);
}

/** A generated value getter for a pure expression. */
export function generateValue(c: Compiler, e: Expr): Ev {
  const em = new Emitter(c);
  const expr = em.value(e);
  return em.build<Ev>('', `return ${expr};\n`);
}

export type { SourceLoc };

/**
 * Turns parsed pseudo-variable specs and format strings (script-pv's parser) into
 * accessors, once, at load. The checker uses the same functions to validate, so a
 * pseudo-variable that checks is one that compiles.
 */
import { type ScriptValue, valueToFormatString, valueToString, strToIntStrict } from '../values';
import { type FormatPart, type PvSpec, PvSyntaxError, parseFormat, parsePvSpec } from '../pv/pv-syntax';
import { findTransform } from '../pv/transformations/registry';
import type { TransformDef, TransformEnv } from '../pv/transformations/types';
import type { ModuleRegistry } from '../exports/registry';
import { suggest } from '../syntax/diagnostics';
import { type PvAccess, type PvBindEnv, PvBindError, type PvIndexSite, type PvSite } from '../exports/types';
import type { ScriptContext } from '../runtime/context';

/** A problem with a pseudo-variable or format, at an offset inside its text. */
export class PvCompileError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
    readonly suggestion?: string,
    readonly pvName?: string,
  ) {
    super(message);
    this.name = 'PvCompileError';
  }
}

export interface PvCompileEnv extends PvBindEnv {
  registry: ModuleRegistry;
  /** Modules loaded by the script (the core table is always visible). */
  loaded: ReadonlySet<string>;
  /** Called for every pseudo-variable name seen (the checker warns on `$varv`). */
  onPvar?(spec: PvSpec): void;
}

export type Getter = (ctx: ScriptContext) => ScriptValue;

function transformEnv(ctx: ScriptContext, env: PvCompileEnv): TransformEnv {
  return {
    evalPv: (spec) => compilePvSpec(spec, env).get(ctx),
    requestUri: () => (ctx.msg?.isRequest ? ctx.ruri() : null),
  };
}

function lookupTransform(name: string, env: PvCompileEnv): TransformDef | undefined {
  return findTransform(name) ?? env.registry.findTransform(name)?.def;
}

/** Parses and compiles one pseudo-variable written in the script (`$(ct[0]{uri.host})`). */
export function compilePvText(raw: string, env: PvCompileEnv): PvAccess {
  let spec: PvSpec;
  try {
    spec = parsePvSpec(raw);
  } catch (e) {
    if (e instanceof PvSyntaxError) throw new PvCompileError(e.message, e.offset, 1);
    throw e;
  }
  return compilePvSpec(spec, env);
}

export function compilePvSpec(spec: PvSpec, env: PvCompileEnv): PvAccess {
  env.onPvar?.(spec);
  if (spec.name === '$') return { get: () => '$' };
  if (spec.context !== null) {
    throw new PvCompileError(`pseudo-variable context <${spec.context}> is not supported`, spec.offset, spec.raw.length);
  }
  const entry = env.registry.findPvar(spec.name);
  if (entry === undefined || !env.registry.isLoaded(entry.module, env.loaded)) {
    if (entry !== undefined) {
      throw new PvCompileError(
        `pseudo-variable $${spec.name} needs loadmodule "${entry.module}.so"`,
        spec.offset,
        spec.raw.length,
        undefined,
        spec.name,
      );
    }
    const suggestion = suggest(spec.name, env.registry.pvarNames(env.loaded));
    throw new PvCompileError(`unknown pseudo-variable $${spec.name}`, spec.offset, spec.raw.length, suggestion && `$${suggestion}`, spec.name);
  }
  const pv = entry.pvar;
  if (spec.param === null && pv.inner === 'required') {
    throw new PvCompileError(`$${spec.name} needs a name: $${spec.name}(name)`, spec.offset, spec.raw.length);
  }
  if (spec.param !== null && pv.inner === 'none') {
    throw new PvCompileError(`$${spec.name} takes no name in parentheses`, spec.offset, spec.raw.length);
  }
  if (spec.index !== null && !pv.indexable) {
    throw new PvCompileError(`$${spec.name} cannot be indexed`, spec.offset, spec.raw.length);
  }
  const site: PvSite = { name: null, index: null, raw: spec.raw, env };
  if (spec.param !== null) {
    const p = spec.param;
    if (p.kind === 'static') site.name = { kind: 'static', text: p.text };
    else if (p.kind === 'dynamic') {
      const inner = compilePvSpec(p.spec, env);
      site.name = { kind: 'dynamic', get: (ctx) => valueToString(inner.get(ctx)) };
    } else {
      const f = compileFormatParts(p.parts, env);
      site.name = { kind: 'dynamic', get: f };
    }
  }
  if (spec.index !== null) site.index = compileIndex(spec, env);
  let access: PvAccess;
  try {
    access = pv.bind(site);
  } catch (e) {
    if (e instanceof PvBindError) throw new PvCompileError(e.message, spec.offset, spec.raw.length);
    throw e;
  }
  if (spec.transforms.length === 0) return access;
  return withTransforms(access, spec, env);
}

function compileIndex(spec: PvSpec, env: PvCompileEnv): PvIndexSite {
  const ix = spec.index!;
  switch (ix.kind) {
    case 'int': return { kind: 'int', value: ix.value };
    case 'all': return { kind: 'all' };
    case 'append':
      throw new PvCompileError(`index [append] is not supported on $${spec.name}`, spec.offset, spec.raw.length);
    case 'pv': {
      const inner = compilePvSpec(ix.spec, env);
      return {
        kind: 'dynamic',
        get: (ctx) => {
          const v = inner.get(ctx);
          if (typeof v === 'number') return v;
          if (v === null) return 0;
          return strToIntStrict(v) ?? 0;
        },
      };
    }
  }
}

function withTransforms(access: PvAccess, spec: PvSpec, env: PvCompileEnv): PvAccess {
  const steps: Array<{ def: TransformDef; args: Getter[] }> = [];
  for (const t of spec.transforms) {
    const def = lookupTransform(t.name, env);
    if (def === undefined) {
      throw new PvCompileError(`unknown transformation {${t.name}}`, t.offset, t.name.length + 2);
    }
    if (t.args.length < def.minArgs || t.args.length > def.maxArgs) {
      throw new PvCompileError(
        `{${t.name}} takes ${def.minArgs === def.maxArgs ? def.minArgs : `${def.minArgs} to ${def.maxArgs}`} argument(s), got ${t.args.length}`,
        t.offset,
        t.name.length + 2,
      );
    }
    const literals = t.args.map((a) => (a.kind === 'literal' ? a.text : undefined));
    const problem = def.checkArgs?.(literals);
    if (problem !== undefined) throw new PvCompileError(`{${t.name}}: ${problem}`, t.offset, t.name.length + 2);
    const args: Getter[] = t.args.map((a) => {
      if (a.kind === 'literal') {
        const text = a.text;
        return () => text;
      }
      const inner = compilePvSpec(a.spec, env);
      return inner.get;
    });
    steps.push({ def, args });
  }
  const base = access.get;
  const get: Getter = (ctx) => {
    let v = base(ctx);
    let tenv: TransformEnv | undefined;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      const args = s.args.length === 0 ? NO_ARGS : s.args.map((g) => g(ctx));
      tenv ??= transformEnv(ctx, env);
      v = s.def.apply(v, args, tenv);
    }
    return v;
  };
  // A transformed value is read-only, as in OpenSIPS.
  return { get };
}

const NO_ARGS: ScriptValue[] = [];

/** A format with no pseudo-variable is its text; otherwise a per-message printer. */
export function compileFormatText(text: string, env: PvCompileEnv): { constant: string | null; get: (ctx: ScriptContext) => string } {
  let parts: FormatPart[];
  try {
    parts = parseFormat(text);
  } catch (e) {
    if (e instanceof PvSyntaxError) throw new PvCompileError(e.message, e.offset, 1);
    throw e;
  }
  if (parts.every((p) => p.kind === 'text')) {
    const s = parts.map((p) => (p as { text: string }).text).join('');
    return { constant: s, get: () => s };
  }
  return { constant: null, get: compileFormatParts(parts, env) };
}

export function compileFormatParts(parts: FormatPart[], env: PvCompileEnv): (ctx: ScriptContext) => string {
  const pieces: Array<string | Getter> = parts.map((p) => (p.kind === 'text' ? p.text : compilePvSpec(p.spec, env).get));
  if (pieces.length === 1) {
    const only = pieces[0]!;
    if (typeof only === 'string') return () => only;
    return (ctx) => valueToFormatString(only(ctx));
  }
  if (pieces.length === 2) {
    const [a, b] = pieces as [string | Getter, string | Getter];
    if (typeof a === 'string' && typeof b !== 'string') return (ctx) => a + valueToFormatString(b(ctx));
    if (typeof a !== 'string' && typeof b === 'string') return (ctx) => valueToFormatString(a(ctx)) + b;
  }
  return (ctx) => {
    let s = '';
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      s += typeof p === 'string' ? p : valueToFormatString(p(ctx));
    }
    return s;
  };
}

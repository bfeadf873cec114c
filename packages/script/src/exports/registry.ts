import {
  ALL_ROUTES,
  type EventExport,
  type FunctionExport,
  type ModparamExport,
  type ModuleExports,
  type PvarExport,
  type RouteTypeName,
} from './types';
import type { TransformDef } from '../pv/transformations/types';

/** A module table that breaks the rules (a programming error in a module, found at startup). */
export class ModuleTableError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid module export tables:\n  ${problems.join('\n  ')}`);
    this.name = 'ModuleTableError';
    this.problems = problems;
  }
}

/** `loadmodule "/usr/lib/opensips/modules/pike.so"` -> `pike`. */
export function moduleNameFromPath(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  return base.endsWith('.so') ? base.slice(0, -3) : base;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PVAR_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const ROUTE_SET = new Set<string>(ALL_ROUTES);

export interface FunctionEntry {
  module: string;
  fn: FunctionExport;
  minArgs: number;
  maxArgs: number;
}

export interface PvarEntry {
  module: string;
  pvar: PvarExport;
}

/**
 * Every module the process knows (loaded by the script or not), validated once. The
 * `core` module is always loaded. Lookups answer "which module exports this name", so the
 * checker can say which `loadmodule` is missing.
 */
export class ModuleRegistry {
  private readonly modules = new Map<string, ModuleExports>();
  private readonly functions = new Map<string, FunctionEntry>();
  private readonly pvars = new Map<string, PvarEntry>();
  private readonly transforms = new Map<string, { module: string; def: TransformDef }>();
  private readonly events = new Map<string, { module: string; event: EventExport }>();
  private readonly miNames = new Map<string, string>();
  readonly coreName: string;

  constructor(modules: readonly ModuleExports[], coreName = 'core') {
    this.coreName = coreName;
    const problems: string[] = [];
    const cacheSchemes = new Map<string, string>();
    for (const m of modules) {
      if (!NAME_RE.test(m.name)) problems.push(`module name '${m.name}' is not a valid name`);
      if (this.modules.has(m.name)) {
        problems.push(`module '${m.name}' is registered twice`);
        continue;
      }
      this.modules.set(m.name, m);
      this.addFunctions(m, problems);
      this.addModparams(m, problems);
      this.addPvars(m, problems);
      for (const t of m.transforms ?? []) {
        const prev = this.transforms.get(t.name);
        if (prev) problems.push(`transformation '${t.name}' of ${m.name} is also exported by ${prev.module}`);
        else this.transforms.set(t.name, { module: m.name, def: t });
      }
      for (const e of m.events ?? []) {
        if (!/^E_[A-Z0-9_]+$/.test(e.name)) problems.push(`event '${e.name}' of ${m.name} must be spelled E_UPPER_CASE`);
        const prev = this.events.get(e.name);
        if (prev) problems.push(`event '${e.name}' of ${m.name} is also exported by ${prev.module}`);
        else this.events.set(e.name, { module: m.name, event: e });
      }
      for (const mi of m.mi ?? []) {
        for (const n of [mi.name, ...(mi.aliases ?? [])]) {
          const prev = this.miNames.get(n);
          if (prev !== undefined) problems.push(`MI command '${n}' of ${m.name} is also exported by ${prev}`);
          else this.miNames.set(n, m.name);
        }
        if (!mi.name.startsWith(`${m.name}:`) && m.name !== coreName) {
          problems.push(`MI command '${mi.name}' of ${m.name} must be named '${m.name}:command'`);
        }
      }
      for (const d of m.dependencies ?? []) {
        if (d === m.name) problems.push(`module '${m.name}' depends on itself`);
      }
      if (m.cachedb !== undefined) {
        const prev = cacheSchemes.get(m.cachedb.scheme);
        if (prev !== undefined) problems.push(`cachedb engine '${m.cachedb.scheme}' of ${m.name} is also exported by ${prev}`);
        else cacheSchemes.set(m.cachedb.scheme, m.name);
      }
    }
    for (const m of this.modules.values()) {
      for (const d of m.dependencies ?? []) {
        if (!this.modules.has(d)) problems.push(`module '${m.name}' depends on unknown module '${d}'`);
      }
    }
    if (!this.modules.has(coreName)) problems.push(`the core table '${coreName}' is missing`);
    if (problems.length > 0) throw new ModuleTableError(problems);
  }

  private addFunctions(m: ModuleExports, problems: string[]): void {
    const seen = new Set<string>();
    for (const fn of m.functions ?? []) {
      const where = `${m.name}:${fn.name}()`;
      if (!NAME_RE.test(fn.name)) problems.push(`${where}: invalid function name`);
      if (seen.has(fn.name)) problems.push(`${where}: declared twice`);
      seen.add(fn.name);
      const prev = this.functions.get(fn.name);
      if (prev && prev.module !== m.name) {
        problems.push(`${where}: also exported by ${prev.module}`);
        continue;
      }
      if (fn.routes.length === 0) problems.push(`${where}: allowed in no route type`);
      for (const r of fn.routes) if (!ROUTE_SET.has(r)) problems.push(`${where}: unknown route type '${r}'`);
      if (typeof fn.impl !== 'function') problems.push(`${where}: impl is not a function`);
      let minArgs = 0;
      fn.params.forEach((p, i) => {
        if (!p.optional) minArgs = i + 1;
        if (p.kind === 'flags' && p.validate === undefined) {
          problems.push(`${where}: flags parameter '${p.name}' needs a validate function`);
        }
        if (p.kind === 'var' && p.optional && p.writable === false) {
          // fine: an optional read-only variable reference
        }
      });
      this.functions.set(fn.name, { module: m.name, fn, minArgs, maxArgs: fn.params.length });
    }
  }

  private addModparams(m: ModuleExports, problems: string[]): void {
    const seen = new Set<string>();
    for (const p of m.params ?? []) {
      if (!NAME_RE.test(p.name)) problems.push(`${m.name}: invalid modparam name '${p.name}'`);
      if (seen.has(p.name)) problems.push(`${m.name}: modparam '${p.name}' declared twice`);
      seen.add(p.name);
      if (p.default !== undefined && p.default !== null) {
        if (p.type === 'int' && typeof p.default !== 'number') {
          problems.push(`${m.name}: modparam '${p.name}' is int but its default is not`);
        }
        if (p.type === 'string' && typeof p.default !== 'string') {
          problems.push(`${m.name}: modparam '${p.name}' is string but its default is not`);
        }
      }
    }
  }

  private addPvars(m: ModuleExports, problems: string[]): void {
    for (const pv of m.pvars ?? []) {
      if (!PVAR_NAME_RE.test(pv.name)) problems.push(`${m.name}: invalid pseudo-variable name '$${pv.name}'`);
      const prev = this.pvars.get(pv.name);
      if (prev) problems.push(`pseudo-variable '$${pv.name}' of ${m.name} is also exported by ${prev.module}`);
      else this.pvars.set(pv.name, { module: m.name, pvar: pv });
    }
  }

  module(name: string): ModuleExports | undefined {
    return this.modules.get(name);
  }

  moduleNames(): string[] {
    return [...this.modules.keys()];
  }

  /** The function entry whatever module exports it (loaded or not). */
  findFunction(name: string): FunctionEntry | undefined {
    return this.functions.get(name);
  }

  functionNames(loaded?: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [n, e] of this.functions) if (!loaded || this.isLoaded(e.module, loaded)) out.push(n);
    return out;
  }

  findPvar(name: string): PvarEntry | undefined {
    return this.pvars.get(name);
  }

  pvarNames(loaded?: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [n, e] of this.pvars) if (!loaded || this.isLoaded(e.module, loaded)) out.push(n);
    return out;
  }

  findTransform(name: string): { module: string; def: TransformDef } | undefined {
    return this.transforms.get(name);
  }

  transformNames(loaded?: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [n, e] of this.transforms) if (!loaded || this.isLoaded(e.module, loaded)) out.push(n);
    return out;
  }

  findEvent(name: string): { module: string; event: EventExport } | undefined {
    return this.events.get(name);
  }

  findModparam(module: string, param: string): ModparamExport | undefined {
    return this.modules.get(module)?.params?.find((p) => p.name === param);
  }

  /** The core table is always loaded. */
  isLoaded(module: string, loaded: ReadonlySet<string>): boolean {
    return module === this.coreName || loaded.has(module);
  }

  /** Modules a set of loaded modules needs but lacks (dependencies). */
  missingDependencies(loaded: ReadonlySet<string>): { module: string; needs: string }[] {
    const out: { module: string; needs: string }[] = [];
    for (const name of loaded) {
      for (const d of this.modules.get(name)?.dependencies ?? []) {
        if (!this.isLoaded(d, loaded)) out.push({ module: name, needs: d });
      }
    }
    return out;
  }
}

export function routeTypeAllowed(fn: FunctionExport, route: RouteTypeName): boolean {
  return fn.routes.includes(route);
}

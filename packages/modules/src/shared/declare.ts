/**
 * Builders for module export entries whose behaviour a later issue writes. Nothing here
 * pretends to work: a declared function logs an error and returns a negative code, a
 * declared MI command fails with {@link MiNotImplementedError}, a declared pseudo-variable
 * logs an error and reads as NULL (and refuses writes).
 */
import {
  declaredFunction,
  PvBindError,
  type EventExport,
  type FunctionExport,
  type MiExport,
  type ModparamExport,
  type ParamSpec,
  type PvarExport,
  type RouteTypeName,
  type ScriptContext,
  type StatExport,
} from '@tsips/script';
import type { IssueReason } from './issues';

/** A function declared ahead of its behaviour (see declaredFunction in @tsips/script). */
export function fn(
  name: string,
  params: readonly ParamSpec[],
  routes: readonly RouteTypeName[],
  reason: IssueReason,
  doc?: string,
): FunctionExport {
  const f = declaredFunction(name, params, routes, reason);
  return doc === undefined ? f : { ...f, doc };
}

/** Error of an MI command that is declared but not written yet (JSON-RPC "server error"). */
export class MiNotImplementedError extends Error {
  /** JSON-RPC error code an MI transport should answer with. */
  readonly code = -32000;
  readonly command: string;
  constructor(command: string, reason: string) {
    super(`MI command '${command}' is not implemented yet: it ${reason}`);
    this.name = 'MiNotImplementedError';
    this.command = command;
  }
}

export interface MiParam {
  name: string;
  optional?: boolean;
}

/**
 * An MI command named `module:command` as OpenSIPS 4.x registers it, with the older flat
 * names as aliases. `params` lists every parameter any of its OpenSIPS "recipes" accepts;
 * the ones not present in every recipe are optional.
 */
export function mi(
  module: string,
  command: string,
  opts: { aliases?: string[]; params?: MiParam[]; reason: IssueReason; doc: string },
): MiExport {
  const name = `${module}:${command}`;
  const out: MiExport = {
    name,
    handler: () => {
      throw new MiNotImplementedError(name, opts.reason);
    },
    notImplemented: opts.reason,
    doc: opts.doc,
  };
  if (opts.aliases && opts.aliases.length > 0) out.aliases = opts.aliases;
  if (opts.params && opts.params.length > 0) out.params = opts.params;
  return out;
}

/**
 * A declared function given its behaviour (drops the not-implemented mark). `extra`
 * overrides other fields of the declaration (wrapped params, a load-time fixup).
 */
export function implementedFn(declared: FunctionExport, impl: FunctionExport['impl'], extra: Partial<Omit<FunctionExport, 'impl' | 'notImplemented'>> = {}): FunctionExport {
  const { notImplemented: _declaredOnly, ...rest } = declared;
  return { ...rest, ...extra, impl };
}

/** A declared MI command given its real handler (drops the not-implemented mark). */
export function implementedMi(declared: MiExport, handler: MiExport['handler']): MiExport {
  const { notImplemented: _declaredOnly, ...rest } = declared;
  return { ...rest, handler };
}

export interface PvarShape {
  inner: 'none' | 'required' | 'optional';
  indexable?: boolean;
  writable?: boolean;
  /** Checks a static inner name at load; returns an error message. */
  validateName?: (name: string) => string | undefined;
}

/**
 * A module pseudo-variable declared ahead of its behaviour. Reading it logs an error once
 * per read and yields NULL; writing it logs an error and changes nothing.
 */
export function pvar(name: string, shape: PvarShape, reason: IssueReason, doc: string): PvarExport {
  const out: PvarExport = {
    name,
    inner: shape.inner,
    bind(site) {
      if (site.name !== null && site.name.kind === 'static' && shape.validateName) {
        const problem = shape.validateName(site.name.text);
        if (problem !== undefined) throw new PvBindError(problem);
      }
      const fail = (ctx: ScriptContext, what: string): void => {
        ctx.logError(`pseudo-variable ${site.raw} cannot be ${what} yet: it ${reason}`);
      };
      const access: ReturnType<PvarExport['bind']> = {
        get(ctx) {
          fail(ctx, 'read');
          return null;
        },
      };
      if (shape.writable) {
        access.set = (ctx) => {
          fail(ctx, 'written');
        };
      }
      if (shape.indexable) {
        access.getAll = (ctx) => {
          fail(ctx, 'read');
          return [];
        };
      }
      return access;
    },
    doc,
  };
  if (shape.indexable) out.indexable = true;
  if (shape.writable) out.writable = true;
  return out;
}

/** A modparam with a line of documentation (the registry ignores the extra field). */
export type DocumentedModparam = ModparamExport & { doc: string };

/** INT_PARAM modparam; `null` default means "unset" (the README's NULL/none). */
export function intParam(name: string, dflt: number | null, doc: string, extra: Partial<ModparamExport> = {}): DocumentedModparam {
  return { name, type: 'int', default: dflt, doc, ...extra };
}

/** STR_PARAM modparam. */
export function strParam(name: string, dflt: string | null, doc: string, extra: Partial<ModparamExport> = {}): DocumentedModparam {
  return { name, type: 'string', default: dflt, doc, ...extra };
}

/** STR_PARAM|USE_FUNC_PARAM: may be set several times, each value adds an entry. */
export function multiStrParam(name: string, doc: string): DocumentedModparam {
  return { name, type: 'string', default: null, multiple: true, doc };
}

/** A DB column name modparam (all of them are plain strings with the column as default). */
export function column(name: string, dflt: string): DocumentedModparam {
  return strParam(name, dflt, `column name (default '${dflt}')`);
}

export function event(name: string, params: readonly string[], doc: string): EventExport {
  return { name, params, doc };
}

export function counter(name: string, doc: string): StatExport {
  return { name, kind: 'counter', doc };
}

export function gauge(name: string, doc: string): StatExport {
  return { name, kind: 'gauge', doc };
}

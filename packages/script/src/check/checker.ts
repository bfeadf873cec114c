/**
 * The checker behind `tsips -c`: every problem of a parsed script, not only the first.
 * Top-level rules (modules, modparams, sockets and their transport modules, duplicate
 * routes) are checked here; everything inside routes (functions, arguments, route types,
 * pseudo-variables, transformations, regexes, route names) is checked by compiling it,
 * so "checks" and "compiles" can never disagree.
 */
import { strToIntStrict } from '../values';
import type { CoreParam, LoadModule, ModParam, RouteBlock, Script, SocketAddress } from '../syntax/ast';
import { type Diagnostic, type SourceFiles, type SourceLoc, suggest } from '../syntax/diagnostics';
import { loadScript, type LoadOptions } from '../syntax/load';
import { moduleNameFromPath, type ModuleRegistry } from '../exports/registry';
import { BlacklistStore } from '../runtime/blacklists';
import type { LocalAddress, ScriptTables } from '../runtime/context';
import { Compiler, routeKey } from '../compile/compiler';
import { CompiledScript, type ModparamSetting } from '../compile/compiled-script';

export interface CheckOptions {
  /** Default max_while_loops when the script does not set it (OpenSIPS: 10000). */
  maxWhileLoops?: number;
}

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** The compiled script; null when there is at least one error. */
  compiled: CompiledScript | null;
}

/** Transports whose sockets need a `proto_<name>` module (OpenSIPS 3.x). */
const TRANSPORT_PROTOS = new Set(['udp', 'tcp', 'tls', 'ws', 'wss', 'sctp', 'hep_udp', 'hep_tcp', 'bin', 'bins', 'smpp', 'msrp', 'msrps', 'ipsec']);

const DEFAULT_MAX_WHILE_LOOPS = 10000;

export function checkScript(script: Script, registry: ModuleRegistry, opts: CheckOptions = {}): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const report = (severity: Diagnostic['severity'], message: string, loc: SourceLoc, extra: { expected?: string; suggestion?: string | undefined } = {}): void => {
    const d: Diagnostic = { severity, message, loc };
    if (extra.expected !== undefined) d.expected = extra.expected;
    if (extra.suggestion !== undefined) d.suggestion = extra.suggestion;
    diagnostics.push(d);
  };

  // ---- modules
  const loaded = new Map<string, LoadModule>();
  for (const item of script.items) {
    if (item.kind !== 'LoadModule') continue;
    const name = moduleNameFromPath(item.path.value);
    if (registry.module(name) === undefined) {
      report('error', `unknown module '${name}'`, item.path.loc, { suggestion: suggest(name, registry.moduleNames().filter((m) => m !== registry.coreName)) });
      continue;
    }
    const prev = loaded.get(name);
    if (prev !== undefined) {
      report('warning', `module '${name}' is loaded twice (first at line ${prev.loc.line})`, item.loc);
      continue;
    }
    loaded.set(name, item);
  }
  const loadedNames = new Set(loaded.keys());
  for (const { module, needs } of registry.missingDependencies(loadedNames)) {
    report('error', `module '${module}' needs module '${needs}'`, loaded.get(module)!.loc, { expected: `loadmodule "${needs}.so"` });
  }

  // ---- modparams
  const modparams: ModparamSetting[] = [];
  const seenParams = new Map<string, ModParam>();
  for (const item of script.items) {
    if (item.kind !== 'ModParam') continue;
    const setting = checkModparam(item, registry, loadedNames, report);
    if (setting === null) continue;
    const key = `${setting.module}\u0000${setting.param}`;
    const prev = seenParams.get(key);
    const def = registry.findModparam(setting.module, setting.param);
    if (prev !== undefined && def?.multiple !== true) {
      report('warning', `modparam ${setting.module}.${setting.param} is set again (first at line ${prev.loc.line}); the last value wins`, item.loc);
    }
    seenParams.set(key, item);
    modparams.push(setting);
  }

  // ---- core parameters
  const coreParams: CoreParam[] = [];
  const localAddresses: LocalAddress[] = [];
  let maxWhileLoops = opts.maxWhileLoops ?? DEFAULT_MAX_WHILE_LOOPS;
  for (const item of script.items) {
    if (item.kind !== 'CoreParam') continue;
    coreParams.push(item);
    const name = item.name.toLowerCase();
    if (name === 'max_while_loops') {
      if (item.value.kind !== 'Number' || item.value.value <= 0) {
        report('error', 'max_while_loops must be a positive number', item.value.loc);
      } else maxWhileLoops = item.value.value;
    }
    if (name === 'socket' || name === 'listen') {
      if (item.value.kind === 'Socket') {
        const a = item.value.address;
        checkTransport(a, loadedNames, registry, report);
        if (a.host !== '*') localAddresses.push({ host: a.host, port: a.port, proto: a.proto });
        for (const o of item.value.options) {
          if (o.name === 'as' && typeof o.value === 'object' && o.value !== null) {
            localAddresses.push({ host: o.value.host, port: o.value.port, proto: o.value.proto });
          }
        }
      }
    }
    if (name === 'alias' && item.value.kind === 'Alias') {
      for (const e of item.value.entries) localAddresses.push({ host: e.address.host, port: e.address.port, proto: e.address.proto });
    }
  }

  // ---- routes
  const firstRoute = new Map<string, RouteBlock>();
  let hasMain = false;
  for (const item of script.items) {
    if (item.kind !== 'Route') continue;
    const key = routeKey(item.type, item.name);
    const prev = firstRoute.get(key);
    if (prev !== undefined) {
      report('error', `${describeRoute(item)} is defined twice (first at ${prev.loc.file}:${prev.loc.line})`, item.nameLoc ?? item.loc);
    } else firstRoute.set(key, item);
    if (item.type === 'request' && item.name === null) hasMain = true;
    if (item.type === 'timer' && (item.interval === null || item.interval <= 0)) {
      report('error', `timer_route[${item.name ?? ''}] needs a positive interval in seconds`, item.loc);
    }
    if (item.type === 'event' && item.name !== null && !/^E_[A-Za-z0-9_]+$/.test(item.name)) {
      report('error', `event name '${item.name}' must look like E_NAME`, item.nameLoc ?? item.loc);
    }
  }
  if (!hasMain && firstRoute.size > 0) {
    report('warning', 'the script has no main route (route { ... }); requests will not be processed', script.loc);
  }

  // ---- everything inside routes: compile it
  // ---- blacklists (dst_blacklist, lists declared by modules' modparams)
  // Built apart and adopted by the core's store (which MI commands reach) only when the whole
  // script checks: a reload that fails leaves the running lists alone.
  const blacklists = new BlacklistStore();
  for (const problem of blacklists.loadScript(coreParams, modparams)) report('error', problem, script.loc);
  const tables: ScriptTables = { flagBits: new Map(), varSlots: new Map(), maxWhileLoops, localAddresses, blacklists };
  const compiler = new Compiler({
    registry,
    flagBits: tables.flagBits,
    varSlots: tables.varSlots,
    onPvarName: (name, loc) => {
      if (name === 'varv') {
        report('warning', `$varv is not an OpenSIPS variable (line ${loc.line}); tsips reads it as $var`, loc, { suggestion: '$var' });
      }
    },
  });
  // Only the modules that loaded cleanly count as loaded.
  compiler.compile({ ...script, items: script.items.filter((i) => i.kind !== 'LoadModule' || loadedNames.has(moduleNameFromPath(i.path.value))) });
  diagnostics.push(...compiler.diagnostics);

  diagnostics.sort((a, b) => (a.loc.file === b.loc.file ? a.loc.offset - b.loc.offset : 0));
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics, compiled: null };
  const shared = registry.module(registry.coreName)?.blacklists;
  if (shared !== undefined) {
    shared.adopt(blacklists);
    tables.blacklists = shared;
  }
  return {
    diagnostics,
    compiled: new CompiledScript(registry, loadedNames, modparams, coreParams, tables, compiler.routes),
  };
}

function describeRoute(r: RouteBlock): string {
  const kw = r.type === 'request' ? 'route' : `${r.type}_route`;
  return r.name === null ? kw : `${kw}[${r.name}]`;
}

type Report = (severity: Diagnostic['severity'], message: string, loc: SourceLoc, extra?: { expected?: string; suggestion?: string | undefined }) => void;

function checkModparam(item: ModParam, registry: ModuleRegistry, loaded: ReadonlySet<string>, report: Report): ModparamSetting | null {
  const module = moduleNameFromPath(item.module.value);
  const param = item.param.value;
  if (registry.module(module) === undefined) {
    report('error', `modparam for unknown module '${module}'`, item.module.loc, {
      suggestion: suggest(module, [...loaded]) ?? suggest(module, registry.moduleNames()),
    });
    return null;
  }
  if (!loaded.has(module)) {
    report('error', `modparam for module '${module}', which is not loaded`, item.module.loc, { expected: `loadmodule "${module}.so" before it` });
    return null;
  }
  const def = registry.findModparam(module, param);
  if (def === undefined) {
    const names = (registry.module(module)?.params ?? []).map((p) => p.name);
    report('error', `module '${module}' has no parameter '${param}'`, item.param.loc, { suggestion: suggest(param, names) });
    return null;
  }
  let value: string | number = item.value.kind === 'Number' ? item.value.value : item.value.value;
  if (def.type === 'int' && typeof value === 'string') {
    const n = strToIntStrict(value.trim());
    if (n === undefined) {
      report('error', `modparam ${module}.${param} takes an integer, got "${value}"`, item.value.loc, { expected: 'an integer' });
      return null;
    }
    report('notice', `modparam ${module}.${param} is an integer: write ${n}, not "${value}"`, item.value.loc);
    value = n;
  } else if (def.type === 'string' && typeof value === 'number') {
    value = String(value);
  }
  const problem = def.validate?.(value);
  if (problem !== undefined) {
    report('error', `modparam ${module}.${param}: ${problem}`, item.value.loc);
    return null;
  }
  return { module, param, value, loc: item.loc };
}

function checkTransport(addr: SocketAddress, loaded: ReadonlySet<string>, registry: ModuleRegistry, report: Report): void {
  const proto = addr.proto ?? 'udp';
  if (!TRANSPORT_PROTOS.has(proto)) {
    report('error', `unknown transport protocol '${proto}'`, addr.loc, { suggestion: suggest(proto, [...TRANSPORT_PROTOS]) });
    return;
  }
  const module = `proto_${proto}`;
  if (!loaded.has(module)) {
    const known = registry.module(module) !== undefined;
    report('error', `socket ${proto}:${addr.host}${addr.port !== null ? `:${addr.port}` : ''} needs the ${module} module`, addr.loc, {
      expected: known ? `loadmodule "${module}.so"` : `loadmodule "${module}.so" (tsips has no ${module} module yet)`,
    });
  }
}

/** Loads a script file (with its includes), checks and compiles it: what `tsips -c` runs. */
export function checkFile(
  file: string,
  registry: ModuleRegistry,
  opts: CheckOptions & { load?: LoadOptions } = {},
): CheckResult & { files: SourceFiles; ok: boolean } {
  const loaded = loadScript(file, opts.load ?? {});
  const checked = checkScript(loaded.script, registry, opts);
  const diagnostics = [...loaded.diagnostics, ...checked.diagnostics];
  const ok = !diagnostics.some((d) => d.severity === 'error');
  return { diagnostics, compiled: ok ? checked.compiled : null, files: loaded.files, ok };
}

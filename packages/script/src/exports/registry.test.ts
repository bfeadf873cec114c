import { ModuleRegistry, ModuleTableError, moduleNameFromPath } from './registry';
import { createCoreModule, createModuleRegistry } from '../runtime/core-module';
import { declaredFunction, isNotImplemented, notImplemented, NOT_IMPLEMENTED_CODE } from './not-implemented';
import type { ModuleExports } from './types';
import { ScriptContext, type ScriptSinks } from '../runtime/context';

function problems(mods: ModuleExports[]): string[] {
  try {
    new ModuleRegistry([createCoreModule(), ...mods]);
    return [];
  } catch (e) {
    if (e instanceof ModuleTableError) return e.problems;
    throw e;
  }
}

describe('moduleNameFromPath', () => {
  it.each([
    ['tm.so', 'tm'],
    ['/usr/lib/opensips/modules/proto_udp.so', 'proto_udp'],
    ['sl', 'sl'],
    ['mods\\pike.so', 'pike'],
  ])('%s -> %s', (path, name) => {
    expect(moduleNameFromPath(path)).toBe(name);
  });
});

describe('ModuleRegistry validation', () => {
  const ok = (): number => 1;
  it('accepts valid tables and finds functions, pvars and modparams', () => {
    const reg = createModuleRegistry([
      {
        name: 'pike',
        functions: [{ name: 'pike_check_req', params: [], routes: ['REQUEST_ROUTE'], impl: ok }],
        params: [{ name: 'sampling_time_unit', type: 'int', default: 2 }],
        events: [{ name: 'E_PIKE_BLOCKED', params: ['ip'] }],
        mi: [{ name: 'pike:list', aliases: ['pike_list'], handler: () => [] }],
      },
    ]);
    expect(reg.findFunction('pike_check_req')).toMatchObject({ module: 'pike', minArgs: 0, maxArgs: 0 });
    expect(reg.findFunction('xlog')).toMatchObject({ module: 'core', minArgs: 1, maxArgs: 2 });
    expect(reg.findModparam('pike', 'sampling_time_unit')?.default).toBe(2);
    expect(reg.findEvent('E_PIKE_BLOCKED')?.module).toBe('pike');
    expect(reg.functionNames(new Set())).not.toContain('pike_check_req');
    expect(reg.functionNames(new Set(['pike']))).toContain('pike_check_req');
    expect(reg.findPvar('ru')?.module).toBe('core');
  });

  it('reports every broken rule at once', () => {
    const list = problems([
      {
        name: 'bad',
        functions: [
          { name: 'f', params: [], routes: [], impl: ok },
          { name: 'f', params: [], routes: ['REQUEST_ROUTE'], impl: ok },
          { name: 'g', params: [{ name: 'fl', kind: 'flags' }], routes: ['NOPE_ROUTE' as never], impl: ok },
          { name: 'xlog', params: [], routes: ['REQUEST_ROUTE'], impl: ok },
        ],
        params: [
          { name: 'p', type: 'int', default: 'x' },
          { name: 'p', type: 'string' },
        ],
        pvars: [{ name: 'ru', inner: 'none', bind: () => ({ get: () => null }) }],
        events: [{ name: 'bad_event' }],
        mi: [{ name: 'list', handler: () => null }],
        dependencies: ['missing'],
      },
      { name: 'bad' },
    ]);
    expect(list).toEqual([
      'bad:f(): allowed in no route type',
      'bad:f(): declared twice',
      "bad:g(): unknown route type 'NOPE_ROUTE'",
      "bad:g(): flags parameter 'fl' needs a validate function",
      'bad:xlog(): also exported by core',
      "bad: modparam 'p' is int but its default is not",
      "bad: modparam 'p' declared twice",
      "pseudo-variable '$ru' of bad is also exported by core",
      "event 'bad_event' of bad must be spelled E_UPPER_CASE",
      "MI command 'list' of bad must be named 'bad:command'",
      "module 'bad' is registered twice",
      "module 'bad' depends on unknown module 'missing'",
    ]);
  });
});

describe('notImplemented', () => {
  it('logs an error naming the function and the reason, and returns a negative code', () => {
    const lines: string[] = [];
    const sinks: ScriptSinks = {
      reply: () => 1,
      forward: () => 1,
      log: (_l, line) => lines.push(line),
      event: () => undefined,
    };
    const ctx = new ScriptContext({
      msg: null,
      rcv: { srcIp: '1.1.1.1', srcPort: 1, proto: 'udp', dstIp: '2.2.2.2', dstPort: 2 },
      sinks,
      tables: { flagBits: new Map(), varSlots: new Map(), maxWhileLoops: 10 },
    });
    ctx.currentFunction = 'ratelimit_check';
    const impl = notImplemented('pipes are not written yet') as (c: ScriptContext) => number;
    expect(impl(ctx)).toBe(NOT_IMPLEMENTED_CODE);
    expect(NOT_IMPLEMENTED_CODE).toBeLessThan(0);
    expect(lines).toEqual(['function ratelimit_check() is not implemented yet: pipes are not written yet']);
    expect(isNotImplemented(declaredFunction('x', [], ['REQUEST_ROUTE'], 'later'))).toBe(true);
    expect(isNotImplemented({ name: 'y', params: [], routes: ['REQUEST_ROUTE'], impl: () => 1 })).toBe(false);
  });
});

import {
  ALL_ROUTES,
  createCoreModule,
  isNotImplemented,
  LOG_LEVELS,
  ModuleRegistry,
  ModuleTableError,
  NOT_IMPLEMENTED_CODE,
  type FunctionExport,
  type ModuleExports,
  type ParamSpec,
  DEFAULT_RCV,
  ScriptContext,
  type LogLine,
} from '@tsips/script';
import { allModules, createRegistry, MiNotImplementedError, parseAlgorithms } from './index';
import { ISSUE } from './shared/issues';

const registry = createRegistry();

/** A context without a message whose sinks record log lines. */
interface RecordingContext {
  ctx: ScriptContext;
  logs: LogLine[];
}

function recordingContext(currentFunction: string | null = null): RecordingContext {
  const logs: LogLine[] = [];
  const ctx = new ScriptContext({
    msg: null,
    rcv: DEFAULT_RCV,
    sinks: {
      reply: () => -1,
      forward: () => -1,
      log: (level, text) => {
        logs.push({ level, levelName: String(level), text });
      },
      event: () => undefined,
    },
    tables: { flagBits: new Map(), varSlots: new Map(), maxWhileLoops: 10000 },
  });
  ctx.currentFunction = currentFunction;
  return { ctx, logs };
}

function fnOf(name: string): { module: string; fn: FunctionExport } {
  const e = registry.findFunction(name);
  if (e === undefined) throw new Error(`no function ${name}`);
  return e;
}
function mod(name: string): ModuleExports {
  const m = registry.module(name);
  if (m === undefined) throw new Error(`no module ${name}`);
  return m;
}
const kinds = (params: readonly ParamSpec[]) => params.map((p) => `${p.kind}${p.optional ? '?' : ''}`);
const issueReasons = new Set<string>(Object.values(ISSUE));

describe('the module tables as a whole', () => {
  it('pass ModuleRegistry validation together with the core table', () => {
    const r = new ModuleRegistry([createCoreModule(), ...allModules], 'core');
    expect(r.moduleNames()).toHaveLength(allModules.length + 1);
    expect(createRegistry().moduleNames().sort()).toEqual(['core', ...allModules.map((m) => m.name)].sort());
  });

  it('cover the modules the talk and the issues name', () => {
    const names = allModules.map((m) => m.name);
    for (const n of ['sl', 'signaling', 'tm', 'rr', 'maxfwd', 'registrar', 'usrloc', 'dialog', 'auth', 'auth_db', 'cachedb_local',
      'drouting', 'sipmsgops', 'textops', 'pike', 'ratelimit', 'permissions', 'userblacklist', 'fraud_detection', 'db_sqlite',
      'proto_udp', 'proto_tcp', 'proto_tls', 'tls_mgm']) {
      expect(names).toContain(n);
    }
  });

  it('would be refused if a module redeclared a core function', () => {
    const clash: ModuleExports = { name: 'clash', functions: [{ ...fnOf('pike_check_req').fn, name: 'xlog' }] };
    expect(() => new ModuleRegistry([createCoreModule(), ...allModules, clash], 'core')).toThrow(ModuleTableError);
  });

  it('leave the cache_* functions to the core table (cachedb_local is only their engine)', () => {
    for (const n of ['cache_store', 'cache_fetch', 'cache_add', 'cache_remove', 'cache_counter_fetch', 'cache_sub']) {
      expect(fnOf(n).module).toBe('core');
    }
    expect(mod('cachedb_local').functions!.map((f) => f.name)).toEqual(['cache_remove_chunk']);
  });

  it('declare every function not yet implemented with the issue that brings it', () => {
    let declared = 0;
    for (const m of allModules) {
      for (const f of m.functions ?? []) {
        expect(f.routes.every((r) => ALL_ROUTES.includes(r))).toBe(true);
        if (!isNotImplemented(f)) continue;
        expect(issueReasons.has(f.notImplemented!)).toBe(true);
        declared++;
      }
    }
    // Modules of later issues (ratelimit, dialog, drouting, ...) are still declared only.
    expect(declared).toBeGreaterThan(50);
  });
});

/** The first function still declared only (any module: they get implemented one by one). */
function someDeclaredFunction(): FunctionExport {
  for (const m of allModules) for (const f of m.functions ?? []) if (isNotImplemented(f)) return f;
  throw new Error('every function is implemented');
}

describe('calling a declared function', () => {
  it('logs an error naming the function and the issue, and returns a negative code', async () => {
    const f = someDeclaredFunction();
    const { ctx, logs } = recordingContext(f.name);
    const rc = await f.impl(ctx);
    expect(rc).toBe(NOT_IMPLEMENTED_CODE);
    expect(rc).toBeLessThan(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe(LOG_LEVELS.L_ERR);
    expect(logs[0]!.text).toContain(`${f.name}() is not implemented yet`);
    expect(logs[0]!.text).toContain(f.notImplemented!);
  });

  it('fails loudly for every declared-only function of every module', async () => {
    let count = 0;
    for (const m of allModules) {
      for (const f of m.functions ?? []) {
        if (!isNotImplemented(f)) continue;
        const { ctx, logs } = recordingContext(f.name);
        const rc = await f.impl(ctx);
        expect(rc).toBeLessThan(0);
        expect(logs.map((l) => l.text).join('\n')).toContain(`${f.name}()`);
        count++;
      }
    }
    expect(count).toBeGreaterThan(50);
  });
});

describe('declared MI commands and pseudo-variables', () => {
  it('declared-only MI handlers fail with MiNotImplementedError instead of answering', () => {
    let declared = 0;
    for (const m of allModules) {
      for (const c of m.mi ?? []) {
        if (c.notImplemented === undefined) continue;
        expect(() => c.handler({})).toThrow(MiNotImplementedError);
        declared++;
      }
    }
    expect(declared).toBeGreaterThan(20);
    const one = allModules.flatMap((m) => m.mi ?? []).find((c) => c.notImplemented !== undefined)!;
    expect(() => one.handler({})).toThrow(`MI command '${one.name}' is not implemented yet: it ${one.notImplemented!}`);
  });

  it('a pseudo-variable reads as NULL with a logged error, and a write changes nothing but logs', () => {
    const status = registry.findPvar('DLG_json')!;
    expect(status.module).toBe('dialog');
    const access = status.pvar.bind({ name: null, index: null, raw: '$DLG_json', env: { varSlot: () => 0 } });
    const { ctx, logs } = recordingContext();
    expect(access.get(ctx)).toBeNull();
    expect(logs[0]!.text).toContain('$DLG_json cannot be read yet');
    expect(access.set).toBeUndefined();

    const flags = registry.findPvar('DLG_del_delay')!.pvar.bind({ name: null, index: null, raw: '$DLG_del_delay', env: { varSlot: () => 0 } });
    const rec = recordingContext();
    flags.set!(rec.ctx, 30, '=');
    expect(rec.logs[0]!.text).toContain('$DLG_del_delay cannot be written yet');
  });
});

describe('spot checks against OpenSIPS', () => {
  it('sl_send_reply takes an int-or-var code and a string reason, from request and error routes', () => {
    const f = fnOf('sl_send_reply');
    expect(f.module).toBe('sl');
    expect(kinds(f.fn.params)).toEqual(['int-or-var', 'string']);
    expect(f.fn.routes).toEqual(['REQUEST_ROUTE', 'ERROR_ROUTE']);
    expect(f.fn.fixup!([{ spec: f.fn.params[0]!, literal: null, int: 99 }, { spec: f.fn.params[1]!, literal: 'x', int: null }])).toBe('reply code 99 is out of range (100..699)');
    expect(f.fn.fixup!([{ spec: f.fn.params[0]!, literal: '404', int: null }])).toBeUndefined();
    expect(f.fn.fixup!([{ spec: f.fn.params[0]!, literal: '700', int: null }])).toBe('reply code 700 is out of range (100..699)');
  });

  it("tm's t_on_failure / t_on_reply / t_on_branch take routes of the matching type", () => {
    const cases: [string, string][] = [['t_on_failure', 'FAILURE_ROUTE'], ['t_on_reply', 'ONREPLY_ROUTE'], ['t_on_branch', 'BRANCH_ROUTE']];
    for (const [name, type] of cases) {
      const p = fnOf(name).fn.params;
      expect(p).toHaveLength(1);
      expect(p[0]!.kind).toBe('route');
      expect(p[0]!.routeType).toBe(type);
    }
    expect(fnOf('t_on_branch').fn.routes).not.toContain('LOCAL_ROUTE');
    expect(fnOf('t_on_failure').fn.routes).toContain('LOCAL_ROUTE');
  });

  it('t_relay takes optional flags (named or 2.x hex) and an optional proxy; t_check_status a regex', () => {
    const f = fnOf('t_relay').fn;
    expect(kinds(f.params)).toEqual(['flags?', 'string?']);
    expect(f.params[0]!.validate!('no-auto-477,no-dns-failover')).toBeUndefined();
    expect(f.params[0]!.validate!('0x02')).toBeUndefined();
    expect(kinds(fnOf('t_check_status').fn.params)).toEqual(['regex']);
    expect(registry.findPvar('T_reply_code')!.module).toBe('tm');
  });

  it('t_inject_branches takes the word "cancel" or the letters c/l', () => {
    const p = fnOf('t_inject_branches').fn.params[1]!;
    const env = { flagBit: () => undefined };
    expect([...(p.parse!('Cancel', env) as Set<string>)]).toEqual(['cancel']);
    expect([...(p.parse!('cl', env) as Set<string>)]).toEqual(['cancel', 'last']);
    expect(p.validate!('x')).toBe(`unknown t_inject_branches() flag 'x' (expected letters of "cl")`);
  });

  it('registrar lookup accepts "m" and "method-filtering" to the same effect', () => {
    const f = fnOf('lookup');
    expect(f.module).toBe('registrar');
    expect(kinds(f.fn.params)).toEqual(['static-string', 'flags?', 'string?']);
    const flags = f.fn.params[1]!;
    expect(flags.validate!('m')).toBeUndefined();
    expect(flags.validate!('method-filtering')).toBeUndefined();
    const env = { flagBit: () => undefined };
    const a = flags.parse!('m', env) as { flags: Map<string, unknown>; spelling: string };
    const b = flags.parse!('method-filtering', env) as { flags: Map<string, unknown>; spelling: string };
    expect([...a.flags]).toEqual([...b.flags]);
    expect([a.spelling, b.spelling]).toEqual(['letters', 'named']);
    expect(flags.validate!('q')).toBe("unknown lookup() flag 'q'");
    expect(f.fn.routes).toEqual(['REQUEST_ROUTE', 'ONREPLY_ROUTE', 'FAILURE_ROUTE']);
    expect(mod('registrar').dependencies).toEqual(['usrloc', 'signaling']);
  });

  it('pike exports pike_check_req, MI pike:list (alias pike_list), pike:rm and E_PIKE_BLOCKED', () => {
    const pike = mod('pike');
    expect(pike.functions!.map((f) => f.name)).toEqual(['pike_check_req']);
    expect(pike.functions![0]!.params).toHaveLength(0);
    expect(pike.mi!.map((c) => [c.name, c.aliases])).toEqual([['pike:list', ['pike_list']], ['pike:rm', ['pike_rm']]]);
    expect(pike.mi![1]!.params).toEqual([{ name: 'ip' }]);
    expect(registry.findEvent('E_PIKE_BLOCKED')).toEqual({ module: 'pike', event: expect.objectContaining({ params: ['ip'] }) });
    const defaults = Object.fromEntries(pike.params!.map((p) => [p.name, p.default]));
    expect(defaults).toEqual({ sampling_time_unit: 2, reqs_density_per_unit: 30, remove_latency: 120, check_route: null, pike_log_level: 1 });
    expect(registry.findModparam('pike', 'pike_log_level')!.validate!(9)).toBe('pike_log_level must be a log level (-3..4), got 9');
  });

  it('dialog exports $DLG_status, $dlg_val(name), validate_dialog and E_DLG_STATE_CHANGED', () => {
    expect(registry.findPvar('DLG_status')!.pvar.inner).toBe('none');
    const dlgVal = registry.findPvar('dlg_val')!.pvar;
    expect([dlgVal.inner, dlgVal.writable]).toEqual(['required', true]);
    expect(fnOf('validate_dialog').fn.routes).toEqual(['REQUEST_ROUTE']);
    expect(fnOf('match_dialog').fn.params[0]!.validate!('did_fallback')).toBeUndefined();
    expect(fnOf('match_dialog').fn.params[0]!.validate!('by_callid')).toContain("'by_callid' is not a dialog match mode");
    expect(fnOf('create_dialog').fn.params[0]!.validate!('B')).toBeUndefined();
    expect(registry.findEvent('E_DLG_STATE_CHANGED')!.event.params).toEqual(['id', 'db_id', 'callid', 'from_tag', 'to_tag', 'old_state', 'new_state']);
    expect(mod('dialog').mi!.find((c) => c.name === 'dialog:list')!.aliases).toEqual(['dlg_list']);
    expect(registry.findModparam('dialog', 'default_timeout')!.default).toBe(43200);
  });

  it('auth www_challenge reads qop in the 3.x form and the 2.x "0"/"1" switch', () => {
    const f = fnOf('www_challenge').fn;
    // algorithms may come from a variable (OpenSIPS README: $var(secure_algorithms)); literals are checked at load.
    expect(kinds(f.params)).toEqual(['string', 'flags?', 'string?']);
    const env = { flagBit: () => undefined };
    expect(f.params[1]!.parse!('0', env)).toEqual({ qop: [], legacySwitch: '0', modern: '' });
    expect(f.params[1]!.parse!('1', env)).toEqual({ qop: ['auth'], legacySwitch: '1', modern: 'auth' });
    expect(f.params[1]!.parse!('auth,auth-int', env)).toEqual({ qop: ['auth', 'auth-int'], legacySwitch: null, modern: 'auth,auth-int' });
    expect(f.params[1]!.validate!('2')).toBe("bad qop type '2' (expected auth, auth-int or both, comma-separated)");
    expect(parseAlgorithms('md5,SHA-512-256')).toEqual(['MD5', 'SHA-512-256']);
    expect(f.fixup!([{ spec: f.params[0]!, literal: '', int: null }, { spec: f.params[1]!, literal: 'auth', int: null }, { spec: f.params[2]!, literal: 'SHA-1', int: null }]))
      .toContain("unsupported digest algorithm 'SHA-1'");
    expect(kinds(fnOf('www_authorize').fn.params)).toEqual(['string', 'static-string']);
    expect(fnOf('www_authorize').module).toBe('auth_db');
  });

  it('sipmsg_validate takes its letter flags and an output variable', () => {
    const f = fnOf('sipmsg_validate').fn;
    expect(kinds(f.params)).toEqual(['flags?', 'var?']);
    expect(f.params[1]!.writable).toBe(true);
    expect(f.params[0]!.validate!('smhrftc')).toBeUndefined();
    expect(f.params[0]!.validate!('sx')).toBe(`unknown sipmsg_validate flag 'x' (expected letters of "shmrftc")`);
  });

  it('is_method checks a "|" list of methods at load', () => {
    const f = fnOf('is_method').fn;
    const arg = (literal: string) => [{ spec: f.params[0]!, literal, int: null }];
    expect(f.fixup!(arg('INVITE|BYE'))).toBeUndefined();
    expect(f.fixup!(arg('FOO'))).toBeUndefined();
    expect(f.fixup!(arg('INVITE|FOO'))).toContain('unknown method in list: FOO');
    expect(f.fixup!(arg(''))).toBe('empty method name');
  });

  it("rr is_direction takes 'downstream' or 'upstream' in any case, as OpenSIPS compares them", () => {
    const p = fnOf('is_direction').fn.params[0]!;
    expect(p.kind).toBe('static-string');
    expect(p.validate!('Downstream')).toBeUndefined();
    expect(p.validate!('sideways')).toBe("'sideways' is not one of: downstream, upstream");
  });

  it('maxfwd refuses a literal outside 1..256', () => {
    const f = fnOf('mf_process_maxfwd_header').fn;
    expect(f.fixup!([{ spec: f.params[0]!, literal: null, int: 0 }])).toBe('Max-Forwards value 0 is out of range (1..256)');
    expect(f.fixup!([{ spec: f.params[0]!, literal: null, int: 10 }])).toBeUndefined();
  });

  it('ratelimit rl_check(name, limit[, algorithm]) and $rl_count(name)', () => {
    expect(kinds(fnOf('rl_check').fn.params)).toEqual(['string', 'int-or-var', 'string?']);
    expect(fnOf('rl_check').fn.routes).not.toContain('STARTUP_ROUTE');
    expect(registry.findPvar('rl_count')!.pvar.inner).toBe('required');
    expect(registry.findModparam('ratelimit', 'default_algorithm')!.validate!('sbt')).toBeUndefined();
    expect(registry.findModparam('ratelimit', 'default_algorithm')!.validate!('LEAKY')).toContain("'LEAKY' is not one of");
  });

  it("drouting's define_blacklist takes 'name= type,type' and may be repeated", () => {
    const p = registry.findModparam('drouting', 'define_blacklist')!;
    expect(p.multiple).toBe(true);
    expect(p.validate!('gws= 0')).toBeUndefined();
    expect(p.validate!('part1:gws= 0, 3')).toBeUndefined();
    expect(p.validate!('gws')).toBe("define_blacklist 'gws' must read 'name= type[,type...]'");
    expect(p.validate!('gws= x')).toBe("define_blacklist 'gws= x': gateway types must be numbers, got 'x'");
  });

  it('fraud_detection raises E_FRD_WARNING and E_FRD_CRITICAL; usrloc the E_UL_* events', () => {
    for (const e of ['E_FRD_WARNING', 'E_FRD_CRITICAL']) {
      expect(registry.findEvent(e)!.event.params).toEqual(['param', 'value', 'threshold', 'user', 'called_number', 'rule_id', 'profile_id']);
    }
    expect(mod('usrloc').events!.map((e) => e.name)).toEqual([
      'E_UL_AOR_INSERT', 'E_UL_AOR_DELETE', 'E_UL_CONTACT_INSERT', 'E_UL_CONTACT_DELETE', 'E_UL_CONTACT_UPDATE', 'E_UL_CONTACT_REFRESH', 'E_UL_LATENCY_UPDATE',
    ]);
  });

  it('transport and database modules declare parameters but no functions', () => {
    for (const n of ['proto_udp', 'proto_tcp', 'proto_tls', 'db_sqlite']) {
      expect(mod(n).functions ?? []).toHaveLength(0);
    }
    expect(registry.findModparam('proto_udp', 'udp_port')!.default).toBe(5060);
    expect(registry.findModparam('proto_tls', 'tls_port')!.default).toBe(5061);
    expect(mod('proto_tls').dependencies).toEqual(['tls_mgm']);
  });

  it('textops subst() checks its /re/replacement/flags expression at load', () => {
    const p = fnOf('subst').fn.params[0]!;
    expect(p.validate!('/^(.*)@example\\.com/\\1@example.net/ig')).toBeUndefined();
    expect(p.validate!('/abc/def/x')).toBe("unknown substitution flags 'x' (expected i, g and/or s)");
    expect(p.validate!('/abc/')).toBe("'/abc/' is not a /regexp/replacement/flags expression");
  });
});

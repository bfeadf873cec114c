import * as path from 'node:path';
import { loadScript, loadScriptOrThrow, parseScript } from './load';
import { formatDiagnostic, ScriptLoadError } from './diagnostics';
import type * as A from './ast';

/** An in-memory file system rooted at /cfg. */
function fsOf(files: Record<string, string>) {
  const abs = new Map(Object.entries(files).map(([k, v]) => [path.resolve('/cfg', k), v]));
  return {
    cwd: '/cfg',
    readFile: (p: string) => {
      const t = abs.get(p);
      if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return t;
    },
    exists: (p: string) => abs.has(p),
  };
}

const routeNames = (s: A.Script) => s.items.filter((i): i is A.RouteBlock => i.kind === 'Route').map((r) => r.name);

describe('include_file / import_file', () => {
  it('resolves relative paths against the including file and splices anywhere, even inside a route', () => {
    const fs = fsOf({
      'main.cfg': 'include_file "routes/all.cfg"\nroute {\n  include_file "snip/body.cfg"\n  exit;\n}\n',
      'routes/all.cfg': 'include_file "auth.cfg"\nroute[relay] { t_relay(); }\n',
      'routes/auth.cfg': 'route[auth] { exit; }\n',
      'snip/body.cfg': 'xlog("from include");\n',
    });
    const r = loadScript('main.cfg', fs);
    expect(r.diagnostics).toEqual([]);
    expect(routeNames(r.script)).toEqual(['auth', 'relay', null]);
    const main = r.script.items[2] as A.RouteBlock;
    expect(main.body.map((s) => [s.kind, s.loc.file, s.loc.line])).toEqual([
      ['ExprStmt', 'snip/body.cfg', 1],
      ['Exit', 'main.cfg', 4],
    ]);
    expect(r.script.includes.map((i) => [i.directive, i.path, i.resolved, i.skipped, i.loc.file, i.loc.line])).toEqual([
      ['include_file', 'routes/all.cfg', '/cfg/routes/all.cfg', false, 'main.cfg', 1],
      ['include_file', 'auth.cfg', '/cfg/routes/auth.cfg', false, 'routes/all.cfg', 1],
      ['include_file', 'snip/body.cfg', '/cfg/snip/body.cfg', false, 'main.cfg', 3],
    ]);
  });

  it('falls back to the working directory like OpenSIPS', () => {
    const fs = fsOf({ 'sub/main.cfg': 'include_file "common.cfg"\n', 'common.cfg': 'log_level = 2\n' });
    const r = loadScript('sub/main.cfg', fs);
    expect(r.diagnostics).toEqual([]);
    expect(r.script.includes[0]!.resolved).toBe('/cfg/common.cfg');
  });

  it('import_file includes a file once; include_file every time', () => {
    const fs = fsOf({
      'main.cfg': 'import_file "p.cfg"\nimport_file "p.cfg"\ninclude_file "q.cfg"\ninclude_file "q.cfg"\n',
      'p.cfg': 'log_level = 1\n',
      'q.cfg': 'udp_workers = 2\n',
    });
    const r = loadScript('main.cfg', fs);
    expect(r.diagnostics).toEqual([]);
    expect(r.script.items.map((i) => (i as A.CoreParam).name)).toEqual(['log_level', 'udp_workers', 'udp_workers']);
    expect(r.script.includes.map((i) => i.skipped)).toEqual([false, true, false, false]);
  });

  it('reports a direct and an indirect include cycle at the directive that closes it', () => {
    const self = loadScript('a.cfg', fsOf({ 'a.cfg': '\ninclude_file "a.cfg"\n' }));
    expect(self.diagnostics.map((d) => [d.message, d.loc.file, d.loc.line])).toEqual([['include cycle: a.cfg -> a.cfg', 'a.cfg', 2]]);
    const ring = loadScript('a.cfg', fsOf({ 'a.cfg': 'include_file "b.cfg"', 'b.cfg': 'include_file "c.cfg"', 'c.cfg': 'include_file "a.cfg"' }));
    expect(ring.diagnostics.map((d) => [d.message, d.loc.file])).toEqual([['include cycle: a.cfg -> b.cfg -> c.cfg -> a.cfg', 'c.cfg']]);
  });

  it('names the included file and its line in errors found there', () => {
    const fs = fsOf({ 'main.cfg': 'route {\n  include_file "inc/bad.cfg"\n}\n', 'inc/bad.cfg': '# comment\nxlog("a")\n' });
    const r = loadScript('main.cfg', fs);
    expect(r.diagnostics).toHaveLength(1);
    expect(formatDiagnostic(r.diagnostics[0]!, r.files)).toBe(
      ["inc/bad.cfg:2:10: error: missing ';' before '}'", '  xlog("a")', '           ^', "  expected ';'"].join('\n'),
    );
  });

  it('reports unreadable includes, a directive without a path, and a depth over the limit', () => {
    const r = loadScript('main.cfg', fsOf({ 'main.cfg': 'include_file "gone.cfg"\ninclude_file log_level = 1\n' }));
    expect(r.diagnostics.map((d) => [d.message, d.loc.line, d.loc.column])).toEqual([
      ["cannot read included file 'gone.cfg': no such file", 1, 1],
      ['include_file needs a file name', 2, 14],
    ]);
    const deep: Record<string, string> = {};
    for (let i = 0; i < 5; i++) deep[`f${i}.cfg`] = `include_file "f${i + 1}.cfg"`;
    deep['f5.cfg'] = 'log_level = 1';
    const d = loadScript('f0.cfg', { ...fsOf(deep), maxIncludeDepth: 3 });
    expect(d.diagnostics.map((x) => [x.message, x.loc.file])).toEqual([['includes nested deeper than 3 files', 'f2.cfg']]);
  });
});

describe('loading entry points', () => {
  it('reports an unreadable main file as a diagnostic', () => {
    const r = loadScript('nope.cfg', fsOf({}));
    expect(r.diagnostics.map((d) => d.message)).toEqual(['cannot read script: no such file']);
    expect(r.script.items).toEqual([]);
  });

  it('loadScriptOrThrow throws a ScriptLoadError carrying every diagnostic and the sources', () => {
    const fs = fsOf({ 'main.cfg': 'route {\n  xlog("a")\n}\nroute[x] {\n  $var(a) = ;\n}\n' });
    let err: unknown;
    try {
      loadScriptOrThrow('main.cfg', fs);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScriptLoadError);
    const e = err as ScriptLoadError;
    expect(e.diagnostics.map((d) => `${d.loc.line}:${d.loc.column}`)).toEqual(['2:12', '5:13']);
    expect(e.message).toContain('script has 2 errors');
    expect(e.message).toContain("main.cfg:5:13: error: unexpected ';'");
    expect(e.files.lineText('main.cfg', 5)).toBe('  $var(a) = ;');
  });

  it('warnings alone do not make loadScriptOrThrow throw', () => {
    const r = loadScriptOrThrow('m.cfg', fsOf({ 'm.cfg': 'route { exit; };' }));
    expect(r.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });

  it('parseScript resolves includes relative to the given file name', () => {
    const fs = fsOf({ 'etc/part.cfg': 'log_level = 4' });
    const r = parseScript('include_file "part.cfg"', 'etc/main.cfg', fs);
    expect(r.diagnostics).toEqual([]);
    expect(r.script.items[0]).toMatchObject({ name: 'log_level', value: { value: 4 }, loc: { file: 'etc/part.cfg' } });
  });
});

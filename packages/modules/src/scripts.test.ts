/**
 * The module tables as scripts meet them: through @tsips/script's checker and test kit.
 */
import * as fs from 'node:fs';
import { checkText, formatDiagnostic, isNotImplemented, NOT_IMPLEMENTED_CODE, ScriptTestKit, type Diagnostic } from '@tsips/script';
import { sharedDir } from '@tsips/test-support';
import { allModules, createRegistry } from './index';

const registry = createRegistry();

const PRELUDE = `
loadmodule "proto_udp.so"
socket=udp:127.0.0.1:5060
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "cachedb_local.so"
loadmodule "pike.so"
loadmodule "dialog.so"
loadmodule "drouting.so"
modparam("drouting", "define_blacklist", 'gws= 0')
dst_blacklist = media:{( udp , 192.168.2.100 , 5060 , "" )}
`;

function script(body: string, extra = ''): string {
  return `${PRELUDE}${extra}\nroute {\n${body}\n}\nfailure_route[missed] {\n  exit;\n}\n`;
}

function errors(text: string): Diagnostic[] {
  return checkText(text, registry).diagnostics.filter((d) => d.severity === 'error');
}

const INVITE = `
  INVITE sip:bob@example.com SIP/2.0
  Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
  From: <sip:alice@example.com>;tag=a1
  To: <sip:bob@example.com>
  Call-ID: c1@example.com
  CSeq: 1 INVITE
  Max-Forwards: 70
  Content-Length: 0
`;

describe("the talk's snippets", () => {
  for (const file of ['auth-failures.cfg', 'blacklists-route.cfg', 'contact-check.cfg', 'in-dialog.cfg']) {
    it(`${file} checks with the module tables, unmodified inside a route`, () => {
      const body = fs.readFileSync(sharedDir('seed', 'snippets', file), 'utf8');
      const r = checkText(script(body), registry, file);
      const errs = r.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, r.files));
      expect(errs).toEqual([]);
      expect(r.ok).toBe(true);
    });
  }
});

describe('load-time checks the tables drive', () => {
  it('refuses an unknown lookup() flag at its position, naming the flag', () => {
    const errs = errors(script('  lookup("location", "z");'));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toContain("unknown lookup() flag 'z'");
  });

  it('accepts lookup flags in both spellings', () => {
    expect(errors(script('  lookup("location", "m");\n  lookup("location", "method-filtering,no-branches");'))).toEqual([]);
  });

  it('refuses t_on_failure naming a route that is not a failure_route', () => {
    expect(errors(script('  t_on_failure("missed");'))).toEqual([]);
    const wrongType = errors(script('  t_on_failure("plain");', 'route[plain] {\n  exit;\n}\n'));
    expect(wrongType).toHaveLength(1);
    expect(wrongType[0]!.message).toContain('plain');
    expect(errors(script('  t_on_failure("nowhere");'))).toHaveLength(1);
  });

  it('refuses a function from a module that is not loaded', () => {
    const errs = errors(script('  rl_check("$si", 10);'));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toContain('ratelimit');
  });

  it('refuses pike_check_req outside request routes', () => {
    const text = `${PRELUDE}\nroute { exit; }\nfailure_route[f] {\n  pike_check_req();\n}\n`;
    const errs = checkText(text, registry).diagnostics.filter((d) => d.severity === 'error');
    expect(errs).toHaveLength(1);
    expect(errs[0]!.loc.line).toBe(text.split('\n').findIndex((l) => l.includes('pike_check_req')) + 1);
    expect(errs[0]!.message).toContain('pike_check_req');
  });
});

describe('running a declared function', () => {
  it('a declared-only function logs an error and is false, so the script takes the failure branch', async () => {
    // Any function still declared only that takes no argument and runs in a request route.
    const found = allModules
      .flatMap((m) => (m.functions ?? []).map((f) => ({ m, f })))
      .find(({ f }) => isNotImplemented(f) && f.params.every((p) => p.optional === true) && f.routes.includes('REQUEST_ROUTE'));
    expect(found).toBeDefined();
    const { m, f } = found!;
    const kit = ScriptTestKit.fromText(
      script(`  if (!${f.name}()) {\n    $var(r) = $rc;\n    xlog("L_INFO", "refused\\n");\n  }`, `loadmodule "${m.name}.so"\n`),
      registry,
    );
    const out = await kit.run(INVITE);
    expect(out.vars['r']).toBe(NOT_IMPLEMENTED_CODE);
    expect(out.logs.some((l) => l.text.includes(`${f.name}() is not implemented yet`))).toBe(true);
    expect(out.logs.some((l) => l.text.includes('refused'))).toBe(true);
  });
});

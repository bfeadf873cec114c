/**
 * The talk's snippets (../shared/seed/snippets) check, compile and run unmodified: route
 * snippets inside a route block, blacklists-global.cfg at top level.
 */
import * as fs from 'node:fs';
import { checkText, ScriptTestKit } from './testkit';
import { createModuleRegistry } from '../runtime/core-module';
import { slModule, tmModule, textopsModule } from './fixtures/test-modules';
import { snippetModules } from './fixtures/snippet-modules';
import { formatDiagnostics } from '../syntax/diagnostics';
import { sharedDir } from '@tsips/test-support';


const registry = createModuleRegistry([slModule, tmModule, textopsModule, ...snippetModules]);
const LOADS = ['sl', 'tm', 'textops', 'auth', 'auth_db', 'registrar', 'rr', 'dialog', 'drouting']
  .map((m) => `loadmodule "${m}.so"`)
  .join('\n');

function snippet(name: string): string {
  return fs.readFileSync(sharedDir('seed', 'snippets', name), 'utf8');
}

function inRoute(name: string): string {
  return `${LOADS}\nroute {\n${snippet(name)}\n}\n`;
}

const REGISTER = (contact: string): string => `
REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKreg
To: <sip:carol@example.com>
From: <sip:carol@example.com>;tag=77
Call-ID: reg-1
CSeq: 1 REGISTER
Contact: <sip:carol@203.0.113.5>, ${contact}
Content-Length: 0
`;

describe('talk snippets check and compile', () => {
  it.each(['auth-failures.cfg', 'blacklists-route.cfg', 'contact-check.cfg', 'in-dialog.cfg'])('%s inside a route', (name) => {
    const r = checkText(inRoute(name), registry, name);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(formatDiagnostics(errors, r.files)).toBe('');
  });

  it('blacklists-global.cfg at top level', () => {
    const r = checkText(`${LOADS}\n${snippet('blacklists-global.cfg')}\nroute { exit; }\n`, registry, 'blacklists-global.cfg');
    expect(formatDiagnostics(r.diagnostics.filter((d) => d.severity === 'error'), r.files)).toBe('');
  });

  it('contact-check.cfg warns about $varv and its 2.x quoted reply code', () => {
    const r = checkText(inRoute('contact-check.cfg'), registry, 'contact-check.cfg');
    expect(r.diagnostics.map((d) => `${d.severity}:${d.message}`)).toEqual([
      expect.stringMatching(/^warning:\$varv is not an OpenSIPS variable \(line \d+\); tsips reads it as \$var$/),
      expect.stringMatching(/^notice:argument 1 \(code\) of send_reply\(\) is an integer: OpenSIPS 3.x writes 476/),
    ]);
  });
});

describe('talk snippets run', () => {
  it('contact-check.cfg rejects a REGISTER whose contact points at the gateway', async () => {
    const kit = ScriptTestKit.fromText(inRoute('contact-check.cfg'), registry, { file: 'contact-check.cfg' });
    const bad = await kit.run(REGISTER('<sip:carol@GWIP;transport=udp>'), { rcv: { srcIp: '203.0.113.5' } });
    expect(bad.replies).toEqual([{ status: 476, reason: 'Contact Unacceptable ' }]);
    expect(bad.logs.map((l) => l.text)).toEqual(['SECURITY ALERT: 203.0.113.5 registering GWIP\n']);
    expect(bad.end).toBe('exit');
    const good = await kit.run(REGISTER('<sip:carol@198.51.100.7>'));
    expect(good.replies).toEqual([]);
    expect(good.vars).toEqual({ i: 2, host: '198.51.100.7' });
    expect(good.end).toBe('running');
  });

  it('auth-failures.cfg: unimplemented auth fails loudly and the script challenges', async () => {
    const kit = ScriptTestKit.fromText(inRoute('auth-failures.cfg'), registry, { file: 'auth-failures.cfg' });
    const out = await kit.run(REGISTER('<sip:carol@198.51.100.7>'));
    expect(out.logs.map((l) => `${l.levelName} ${l.text}`)).toEqual([
      expect.stringContaining('L_ERR auth-failures.cfg:'),
      'L_ERR Challenging\n',
      expect.stringContaining('www_challenge() is not implemented yet'),
    ]);
    expect(out.logs[0]!.text).toContain('www_authorize() is not implemented yet');
    expect(out.end).toBe('exit');
    expect(out.replies).toEqual([]);
  });
});

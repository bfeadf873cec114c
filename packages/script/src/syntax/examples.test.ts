/**
 * The example scripts in examples/ (residential registrar+proxy, trunking,
 * load balancer) load without a single diagnostic, includes resolved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScript } from './load';
import { formatDiagnostics } from './diagnostics';
import type * as A from './ast';

const repo = path.resolve(__dirname, '..', '..', '..', '..');
const examples = fs.readdirSync(path.join(repo, 'examples')).filter((f) => f.endsWith('.cfg')).sort();

function load(name: string) {
  const r = loadScript(path.join('examples', name), { cwd: repo });
  expect(formatDiagnostics(r.diagnostics, r.files)).toBe('');
  return r.script;
}

function routes(s: A.Script): string[] {
  return s.items.filter((i): i is A.RouteBlock => i.kind === 'Route').map((r) => (r.name === null ? r.type : `${r.type}:${r.name}`));
}

it('has the three example scripts', () => {
  expect(examples).toEqual(expect.arrayContaining(['opensips.cfg', 'trunking.cfg', 'load-balancer.cfg']));
});

it.each(examples)('%s loads without diagnostics', (name) => {
  const s = load(name);
  expect(s.items.some((i) => i.kind === 'LoadModule' && i.path.value === 'proto_udp.so')).toBe(true);
  expect(routes(s)).toContain('request');
});

it('opensips.cfg has every route of a self-protecting residential proxy and splices its include into route[register]', () => {
  const s = load('opensips.cfg');
  expect(routes(s)).toEqual([
    'request',
    'request:sanity',
    'request:pike_exempt',
    'request:in_dialog',
    'request:register',
    'request:auth_failed',
    'request:auth_caller',
    'request:relay',
    'failure:missed_call',
    'request:fraud',
    'event:E_FRD_CRITICAL',
    'event:E_PIKE_BLOCKED',
    'event:E_SCANNER_BLOCKED',
  ]);
  expect(s.includes).toEqual([
    expect.objectContaining({ directive: 'include_file', path: 'include/contact-check.cfg', resolved: path.join(repo, 'examples', 'include', 'contact-check.cfg'), skipped: false }),
  ]);
  const register = s.items.find((i): i is A.RouteBlock => i.kind === 'Route' && i.name === 'register')!;
  // the blocked-source check, www_authorize, the auth ID check, consume_credentials, then
  // the two statements of the included file, then the rest
  expect(register.body.slice(0, 6).map((st) => st.kind)).toEqual(['If', 'If', 'If', 'ExprStmt', 'Assign', 'While']);
  const loop = register.body[5]!;
  expect(loop.loc.file).toBe(path.join('examples', 'include', 'contact-check.cfg'));
  expect(loop.loc.line).toBe(11);
});

it('trunking.cfg models sockets with as/tag, the blacklist with an exception and the scaling profile', () => {
  const s = load('trunking.cfg');
  const params = s.items.filter((i): i is A.CoreParam => i.kind === 'CoreParam');
  const socket = params.find((p) => p.name === 'socket')!.value as A.SocketValue;
  expect(socket.options.map((o) => o.name)).toEqual(['as', 'tag']);
  const bl = params.find((p) => p.name === 'dst_blacklist')!.value as A.BlacklistValue;
  expect(bl.entries.map((e) => e.negated)).toEqual([false, true]);
  expect(params.find((p) => p.name === 'udp_workers')!.scalingProfile).toBe('TRUNK_PROFILE');
});

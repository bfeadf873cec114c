/**
 * The talk's snippets (../shared/seed/snippets) must parse unmodified: the
 * route snippets inside a route block, blacklists-global.cfg at top level.
 */
import * as fs from 'node:fs';
import { sharedDir } from '@tsips/test-support';
import { parseScript } from './load';
import { formatDiagnostics } from './diagnostics';
import type * as A from './ast';

function snippet(name: string): string {
  return fs.readFileSync(sharedDir('seed', 'snippets', name), 'utf8');
}

function parseInRoute(name: string): A.Stmt[] {
  const text = `route {\n${snippet(name)}\n}\n`;
  const r = parseScript(text, name);
  expect(formatDiagnostics(r.diagnostics, r.files)).toBe('');
  expect(r.script.items).toHaveLength(1);
  const route = r.script.items[0] as A.RouteBlock;
  expect(route.kind).toBe('Route');
  return route.body;
}

describe('talk snippets', () => {
  it('auth-failures.cfg: www_authorize, then a switch on $retcode with fall-through cases', () => {
    const body = parseInRoute('auth-failures.cfg');
    expect(body.map((s) => s.kind)).toEqual(['ExprStmt', 'Switch']);
    const sw = body[1] as A.SwitchStmt;
    expect(sw.subject).toMatchObject({ kind: 'Pvar', raw: '$retcode' });
    expect(sw.cases.map((c) => (c.label ? c.label.value : 'default'))).toEqual([-3, -2, -1, 'default']);
    // -3 and -2 fall through to -1 with empty bodies
    expect(sw.cases[0]!.body).toEqual([]);
    expect(sw.cases[1]!.body).toEqual([]);
    const minus1 = sw.cases[2]!.body;
    expect(minus1.map((s) => s.kind)).toEqual(['ExprStmt', 'If']);
    const inner = (minus1[1] as A.IfStmt);
    expect(inner.cond).toMatchObject({ kind: 'Call', name: 'cache_fetch' });
    const args = (inner.cond as A.CallExpr).args;
    expect(args.map((a) => a.kind)).toEqual(['String', 'String', 'Pvar']);
    expect(args[1]).toMatchObject({ value: 'authF_$si' });
    const cmp = ((inner.then as A.BlockStmt).body[0] as A.IfStmt).cond as A.BinaryExpr;
    expect(cmp).toMatchObject({ op: '>=', left: { kind: 'Pvar', raw: '$(avp(failed_no){s.int})' }, right: { kind: 'Number', value: 20 } });
    expect(sw.cases[3]!.body.map((s) => s.kind)).toEqual(['ExprStmt', 'ExprStmt', 'Exit', 'Break']);
  });

  it('blacklists-route.cfg: negated lookup, t_reply, exit, use_blacklist', () => {
    const body = parseInRoute('blacklists-route.cfg');
    expect(body.map((s) => s.kind)).toEqual(['If', 'ExprStmt', 'ExprStmt']);
    expect((body[0] as A.IfStmt).cond).toMatchObject({ kind: 'Unary', op: '!', operand: { kind: 'Call', name: 'lookup' } });
  });

  it('contact-check.cfg: while over $(ct[$var(i)]) with a $varv index and chained transformations', () => {
    const body = parseInRoute('contact-check.cfg');
    expect(body.map((s) => s.kind)).toEqual(['Assign', 'While']);
    const loop = body[1] as A.WhileStmt;
    expect(loop.cond).toMatchObject({ kind: 'Binary', op: '!=', left: { raw: '$(ct[$var(i)])' }, right: { kind: 'Null' } });
    const first = (loop.body as A.BlockStmt).body[0] as A.AssignStmt;
    expect(first.value).toMatchObject({ kind: 'Pvar', raw: '$(ct[$varv(i)]{nameaddr.uri}{uri.host})' });
    const last = (loop.body as A.BlockStmt).body[2] as A.AssignStmt;
    expect(last).toMatchObject({ op: '=', value: { kind: 'Binary', op: '+' } });
  });

  it('in-dialog.cfg: nested conditions with $DLG_status == NULL', () => {
    const body = parseInRoute('in-dialog.cfg');
    const outer = body[0] as A.IfStmt;
    const inner = (outer.then as A.BlockStmt).body[0] as A.IfStmt;
    expect(inner.cond).toMatchObject({
      op: '&&',
      left: { op: '==', left: { raw: '$DLG_status' }, right: { kind: 'Null' } },
      right: { kind: 'Unary', operand: { name: 'match_dialog' } },
    });
  });

  it('blacklists-global.cfg: modparam with a single-quoted value and a dst_blacklist', () => {
    const text = snippet('blacklists-global.cfg');
    const r = parseScript(text, 'blacklists-global.cfg');
    expect(formatDiagnostics(r.diagnostics, r.files)).toBe('');
    const [mp, bl] = r.script.items as [A.ModParam, A.CoreParam];
    expect(mp).toMatchObject({ kind: 'ModParam', module: { value: 'drouting' }, param: { value: 'define_blacklist' }, value: { value: 'gws= 0', quote: "'" } });
    expect(bl.name).toBe('dst_blacklist');
    expect(bl.value).toMatchObject({
      kind: 'Blacklist',
      name: 'media',
      flags: [],
      entries: [{ negated: false, proto: 'udp', net: { address: '192.168.2.100', family: 4, mask: null }, port: 5060, pattern: { value: '' } }],
    });
  });
});

import { ScriptTestKit } from '../testkit/testkit';
import { createModuleRegistry } from './core-module';
import { slModule } from '../testkit/fixtures/test-modules';
import { checkText } from '../testkit/testkit';

const MSG = `INVITE sip:bob@example.com SIP/2.0\r
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r
From: <sip:a@example.com>;tag=1\r
To: <sip:bob@example.com>\r
Call-ID: c1\r
CSeq: 1 INVITE\r
Content-Length: 0\r
\r
`;

const TOP = `
loadmodule "sl.so"
dst_blacklist = media:{ (udp, 127.0.0.66, 0, ""), (any, 10.0.0.0/8, 5060) }
dst_blacklist = allow:{ !(tcp, 10.1.0.0/16) }
dst_blacklist = dyn/expire:{ }
dst_blacklist = always/default:{ (2001:db8::/32) }
`;

function kit(route: string): ScriptTestKit {
  const registry = createModuleRegistry([slModule]);
  return ScriptTestKit.fromText(`${TOP}\nroute {\n${route}\n}\n`, registry);
}

describe('blacklist core functions (testkit)', () => {
  it('check_blacklist_rule against one list: ports, protos, masks and the ! exception', async () => {
    const k = kit(`
      $var(a) = check_blacklist_rule("media", "127.0.0.66", 5060, "udp");
      $var(noproto) = check_blacklist_rule("media", "127.0.0.66");
      $var(b) = check_blacklist_rule("media", "127.0.0.67", 5060, "udp");
      $var(c) = check_blacklist_rule("media", "10.9.9.9", 5060, "udp");
      $var(d) = check_blacklist_rule("media", "10.9.9.9", 5070, "udp");
      $var(e) = check_blacklist_rule("allow", "192.168.1.1", 5070, "udp");
      $var(f) = check_blacklist_rule("allow", "10.1.2.3", 5070, "tcp");
      $var(g) = check_blacklist_rule("allow", "10.1.2.3", 5070, "udp");
    `);
    const r = await k.run(MSG);
    // The negated rule matches everything that is not tcp:10.1/16: only tcp there gets through.
    // Like OpenSIPS, no proto given is PROTO_NONE, which a udp rule does not match.
    expect(r.vars).toMatchObject({ a: 1, noproto: -1, b: -1, c: 1, d: -1, e: 1, f: -1, g: 1 });
  });

  it('use_blacklist / unuse_blacklist switch what check_blacklist_rule("all") sees; default lists start on', async () => {
    const k = kit(`
      $var(start) = check_blacklist_rule("all", "127.0.0.66");
      $var(dflt) = check_blacklist_rule("all", "2001:db8::5");
      use_blacklist("media");
      $var(used) = check_blacklist_rule("all", "127.0.0.66", 0, "udp");
      unuse_blacklist("media");
      $var(unused) = check_blacklist_rule("all", "127.0.0.66", 0, "udp");
      unuse_blacklist("all");
      $var(none) = check_blacklist_rule("all", "2001:db8::5");
      use_blacklist("all");
      $var(every) = check_blacklist_rule("all", "127.0.0.66", 0, "udp");
      $var(bad) = use_blacklist("nope");
    `);
    const r = await k.run(MSG);
    expect(r.vars).toMatchObject({ start: -1, dflt: 1, used: 1, unused: -1, none: -1, every: 1, bad: -1 });
    expect(r.logs.map((l) => l.text).join('\n')).toMatch(/blacklist 'nope' is not configured/);
    // The next message starts over: media off again, the default list on.
    const again = await kit(`$var(x) = check_blacklist_rule("all", "127.0.0.66", 0, "udp"); $var(y) = check_blacklist_rule("all", "2001:db8::1");`).run(MSG);
    expect(again.vars).toMatchObject({ x: -1, y: 1 });
  });

  it('add_blacklist_rule / del_blacklist_rule on a writable list; script lists without flags are read-only', async () => {
    const k = kit(`
      $var(add) = add_blacklist_rule("dyn", "192.0.2.0/24", 5060, "udp", "", 60);
      $var(hit) = check_blacklist_rule("dyn", "192.0.2.9", 5060, "udp");
      $var(miss) = check_blacklist_rule("dyn", "192.0.2.9", 5060, "tcp");
      $var(delwrong) = del_blacklist_rule("dyn", "192.0.2.0/24", 5061, "udp");
      $var(del) = del_blacklist_rule("dyn", "192.0.2.0/24", 5060, "udp");
      $var(after) = check_blacklist_rule("dyn", "192.0.2.9", 5060, "udp");
      $var(ro) = add_blacklist_rule("media", "192.0.2.1");
      $var(neg) = add_blacklist_rule("dyn", "!198.51.100.0/24");
      $var(neghit) = check_blacklist_rule("dyn", "203.0.113.1");
      $var(negmiss) = check_blacklist_rule("dyn", "198.51.100.7");
    `);
    const r = await k.run(MSG);
    expect(r.vars).toMatchObject({ add: 1, hit: 1, miss: -1, delwrong: -1, del: 1, after: -1, ro: -1, neg: 1, neghit: 1, negmiss: -1 });
    expect(r.logs.map((l) => l.text).join('\n')).toMatch(/'media' is read-only/);
  });

  it('MI blacklists:list shows lists, owners, flags and rules; add_rule/check/del_rule/check_all work', async () => {
    const registry = createModuleRegistry([slModule]);
    const r = checkText(`${TOP}\nroute { exit; }\n`, registry, 't.cfg');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const mi = (name: string) => registry.module('core')!.mi!.find((m) => m.name === name || m.aliases?.includes(name))!;
    const all = (await mi('list_blacklists').handler({})) as { Lists: Array<{ name: string; owner: string; flags: string[]; Rules: unknown[] }> };
    expect(all.Lists.map((l) => [l.name, l.owner, l.flags, l.Rules.length])).toEqual([
      ['media', 'script', ['read-only'], 2],
      ['allow', 'script', ['read-only'], 1],
      ['dyn', 'script', ['expire'], 0],
      ['always', 'script', ['default'], 1],
    ]);
    expect((await mi('blacklists:list').handler({ name: 'allow' }) as { Rules: unknown[] }).Rules[0]).toEqual({ flags: 1, IP: '10.1.0.0', Mask: '255.255.0.0', Proto: 'tcp', Port: 0 });
    expect(() => mi('blacklists:list').handler({ name: 'x' })).toThrow('Unknown name');
    expect(mi('blacklists:add_rule').handler({ name: 'dyn', rule: 'udp,192.0.2.0/24,5060,INVITE*', expire: '30' })).toBe('OK');
    expect(() => mi('blacklists:add_rule').handler({ name: 'media', rule: '1.2.3.4' })).toThrow('read-only');
    expect(mi('blacklists:check').handler({ name: 'dyn', ip: '192.0.2.4', proto: 'udp', port: '5060', pattern: 'INVITE sip:x' })).toMatchObject({ IP: '192.0.2.0', Match: 'INVITE*', Port: 5060 });
    expect(() => mi('blacklists:check').handler({ name: 'dyn', ip: '192.0.2.4', proto: 'udp', port: '5060', pattern: 'BYE' })).toThrow('Not Matched');
    expect(mi('check_blacklists').handler({ ip: '127.0.0.66', proto: 'udp' })).toEqual(['media', 'allow']);
    expect(mi('check_blacklists').handler({ ip: '10.1.0.1', proto: 'tcp', port: '5070' })).toEqual([]);
    expect(mi('blacklists:del_rule').handler({ name: 'dyn', rule: 'udp,192.0.2.0/24,5060,INVITE*' })).toBe('OK');
    expect(() => mi('blacklists:del_rule').handler({ name: 'dyn', rule: 'udp,192.0.2.0/24,5060,INVITE*' })).toThrow('Rule not found');
  });

  it('dst_blacklist errors fail the load; module lists (drouting define_blacklist) exist, empty', () => {
    const registry = createModuleRegistry([slModule]);
    const bad = checkText(`dst_blacklist = a:{ (udp, 10.0.0.0/40) }\ndst_blacklist = a:{ (udp, 10.0.0.1) }\nroute { exit; }\n`, registry, 't.cfg');
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      expect.stringMatching(/too long/),
      expect.stringMatching(/'a' is defined twice/),
    ]);
  });
});

describe('blacklists across loads', () => {
  it('a script that fails to check leaves the lists of the running one (MI sees the running lists)', () => {
    const registry = createModuleRegistry([slModule]);
    const ok = checkText(`dst_blacklist = first:{ (udp, 10.0.0.1) }\nroute { exit; }\n`, registry, 'a.cfg');
    expect(ok.ok).toBe(true);
    const bad = checkText(`dst_blacklist = second:{ (udp, 10.0.0.1) }\nroute { nosuchfunction(); }\n`, registry, 'b.cfg');
    expect(bad.ok).toBe(false);
    const list = registry.module('core')!.mi!.find((m) => m.name === 'blacklists:list')!;
    expect((list.handler({}) as { Lists: Array<{ name: string }> }).Lists.map((l) => l.name)).toEqual(['first']);
    const next = ScriptTestKit.fromText(`dst_blacklist = third:{ (udp, 10.0.0.1) }\nroute { $var(t) = check_blacklist_rule("third", "10.0.0.1", 0, "udp"); }\n`, registry);
    return next.run(MSG).then((r) => {
      expect(r.vars).toMatchObject({ t: 1 });
      expect((list.handler({}) as { Lists: Array<{ name: string }> }).Lists.map((l) => l.name)).toEqual(['third']);
    });
  });
});

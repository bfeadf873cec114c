import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createModuleRegistry, ScriptTestKit, Services, type ModuleExports, type ScriptContext } from '@tsips/script';
import { createPermissions, parseRuleLine, parseRules, searchRules, PermissionsMiError } from './index';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-perm-rules-'));
  const w = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  w('permissions.allow', [
    '# local users may call anywhere',
    '"^sip:.*@example\\.com$" : ALL',
    'ALL : "^sip:911@", "^sip:112@"   # emergency numbers',
    '',
  ].join('\n'));
  w('permissions.deny', [
    'ALL : "^sip:900[0-9]*@" EXCEPT "^sip:9001@"',
    '"^sip:mallory@" : ALL',
    'this line has no colon',
  ].join('\n'));
  // register.allow is missing on purpose: a missing file is an empty rule set.
  w('register.deny', 'ALL : "^sip:.*@192\\.0\\.2\\.1$"\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A test-only module: adds a branch, as lookup() or append_branch() would. */
const branches: ModuleExports = {
  name: 'testbranch',
  functions: [{
    name: 'add_branch', params: [{ name: 'uri', kind: 'string' }], routes: ['REQUEST_ROUTE'],
    impl: ((ctx: ScriptContext, uri: string) => {
      ctx.branches.push({ uri, dstUri: null, q: null, path: null, flags: 0, socket: null });
      return 1;
    }) as never,
  }],
};

const SCRIPT = (params = '') => `
loadmodule "testbranch.so"
loadmodule "permissions.so"
${params}
route {
  if ($hdr(X-Branch) != NULL) add_branch($hdr(X-Branch));
  allow_routing();
  $var(rc) = $retcode;
}
route[reg] {
  allow_register("register");
  $var(rc) = $retcode;
}
route[uri] {
  allow_uri("register", $hdr(X-Uri));
  $var(rc) = $retcode;
}
route[none] {
  allow_routing("nofiles");
  $var(rc) = $retcode;
}
`;

const logs: string[] = [];
async function server(params = ''): Promise<{ kit: ScriptTestKit; perms: ModuleExports }> {
  const perms = createPermissions({ cfgDir: dir });
  const kit = ScriptTestKit.fromText(SCRIPT(params), createModuleRegistry([branches, perms]));
  kit.script.applyModparams();
  await perms.init!({ services: new Services(), log: (_l, t) => void logs.push(t) });
  return { kit, perms };
}

function request(method: string, ruri: string, from: string, extra: string[] = []): string {
  return [
    `${method} ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-r1',
    `From: <${from}>;tag=f1`,
    `To: <${method === 'REGISTER' ? from : ruri}>`,
    'Call-ID: rules-1',
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}
const rc = async (kit: ScriptTestKit, msg: string, route?: string) =>
  (await kit.run(msg, route === undefined ? {} : { route: { name: route } })).vars['rc'];

describe('rule files', () => {
  it('parses ALL, lists, quotes, EXCEPT and comments; refuses a line without ":"', () => {
    const r = parseRuleLine('"^sip:a@x:5060$", "^sip:b@" : ALL EXCEPT "^sip:c#1@"  # note')!;
    expect(r.left).toHaveLength(2);
    expect(r.right).toBeNull();
    expect(r.rightExceptions).toHaveLength(1);
    expect(parseRuleLine('   # only a comment')).toBeNull();
    expect(() => parseRuleLine('no colon here')).toThrow();
    expect(() => parseRuleLine('ALL : "(unclosed"')).toThrow(/bad regular expression/);
    const rules = parseRules('ALL : "^SIP:911@"\n"^sip:eve@" : ALL EXCEPT "^sip:911@"');
    // Case-insensitive and unanchored, as regcomp(REG_EXTENDED|REG_ICASE).
    expect(searchRules(rules, 'sip:x@y', 'sip:911@pstn')).toBe(true);
    expect(searchRules(rules.slice(1), 'sip:eve@y', 'sip:911@pstn')).toBe(false);
    expect(searchRules(rules.slice(1), 'sip:eve@y', 'sip:912@pstn')).toBe(true);
    expect(searchRules(null, 'a', 'b')).toBe(false);
  });
});

describe('allow_routing', () => {
  it('allow rules first, then deny rules, else allowed; every branch is checked', async () => {
    const { kit } = await server();
    expect(await rc(kit, request('INVITE', 'sip:900123@gw.example.org', 'sip:alice@other.org'))).toBe(-1);
    expect(await rc(kit, request('INVITE', 'sip:9001@gw.example.org', 'sip:alice@other.org'))).toBe(1);
    expect(await rc(kit, request('INVITE', 'sip:bob@gw.example.org', 'sip:alice@other.org'))).toBe(1);
    expect(await rc(kit, request('INVITE', 'sip:900123@gw.example.org', 'sip:alice@example.com'))).toBe(1);
    expect(await rc(kit, request('INVITE', 'sip:bob@gw.example.org', 'sip:mallory@other.org'))).toBe(-1);
    expect(await rc(kit, request('INVITE', 'sip:911@gw.example.org', 'sip:mallory@other.org'))).toBe(1);
    // A denied branch denies the whole request, even after an allowed Request-URI.
    expect(await rc(kit, request('INVITE', 'sip:bob@gw.example.org', 'sip:alice@other.org', ['X-Branch: sip:900555@gw.example.org;user=phone']))).toBe(-1);
    expect(await rc(kit, request('INVITE', 'sip:911@gw.example.org', 'sip:mallory@other.org', ['X-Branch: sip:112@gw.example.org']))).toBe(1);
    expect(logs.some((l) => /no colon/.test(l) || /missing ":"/.test(l))).toBe(true);
  });

  it('check_all_branches 0 looks at the Request-URI only', async () => {
    const { kit } = await server('modparam("permissions", "check_all_branches", 0)');
    expect(await rc(kit, request('INVITE', 'sip:bob@gw.example.org', 'sip:alice@other.org', ['X-Branch: sip:900555@gw.example.org']))).toBe(1);
  });

  it('missing files allow everything', async () => {
    const { kit } = await server();
    expect(await rc(kit, request('INVITE', 'sip:900123@gw.example.org', 'sip:mallory@other.org'), 'none')).toBe(1);
  });
});

describe('allow_register and allow_uri', () => {
  const reg = (contacts: string[]) => request('REGISTER', 'sip:example.com', 'sip:alice@example.com', contacts.map((c) => `Contact: ${c}`));

  it('refuses a REGISTER with a denied contact; no Contact and "*" are allowed', async () => {
    const { kit } = await server();
    expect(await rc(kit, reg(['<sip:alice@192.0.2.1:5060;transport=udp>']), 'reg')).toBe(-1);
    expect(await rc(kit, reg(['<sip:alice@198.51.100.5:5060>']), 'reg')).toBe(1);
    expect(await rc(kit, reg(['<sip:alice@198.51.100.5>', '<sip:alice@192.0.2.1>']), 'reg')).toBe(-1);
    expect(await rc(kit, reg([]), 'reg')).toBe(1);
    expect(await rc(kit, reg(['*']), 'reg')).toBe(1);
  });

  it('allow_uri checks (From, uri); MI permissions:allow_uri checks (uri, contact)', async () => {
    const { kit, perms } = await server();
    expect(await rc(kit, request('INVITE', 'sip:x@y', 'sip:alice@example.com', ['X-Uri: sip:pbx@192.0.2.1']), 'uri')).toBe(-1);
    expect(await rc(kit, request('INVITE', 'sip:x@y', 'sip:alice@example.com', ['X-Uri: sip:pbx@192.0.2.2']), 'uri')).toBe(1);
    const mi = perms.mi!.find((m) => m.name === 'permissions:allow_uri')!;
    expect(mi.notImplemented).toBeUndefined();
    expect(await mi.handler({ basename: 'register', uri: 'sip:alice@example.com', contact: 'sip:alice@198.51.100.5' })).toBe('OK');
    expect(() => mi.handler({ basename: 'register', uri: 'sip:alice@example.com', contact: 'sip:alice@192.0.2.1' })).toThrow(PermissionsMiError);
    expect(() => mi.handler({ basename: 'unloaded', uri: 'sip:a@b', contact: 'sip:c@d' })).toThrow(/Forbidden/);
  });
});

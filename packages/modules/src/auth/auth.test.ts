import { checkText, createModuleRegistry, ScriptTestKit, Services, type ModuleExports, type RunOutcome } from '@tsips/script';
import { signaling } from '../signaling';
import { sl } from '../sl';
import { createAuth } from './index';
import { answerChallenge, parseChallengeLine, type AnswerOptions, type Challenge } from './client';
import { AUTH } from './api';

let now: number;
const clock = { now: () => now, sleep: async () => undefined };
beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
});

const HEAD = `
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "auth.so"
modparam("auth", "username_spec", "$var(user)")
modparam("auth", "password_spec", "$avp(pass)")
modparam("auth", "calculate_ha1", 1)
`;

/** A script: credentials of alice/secret checked by pv_*_authorize, then challenged when refused. */
function script(opts: { params?: string; authorize?: string; challenge?: string; onOk?: string } = {}): string {
  return `${HEAD}${opts.params ?? ''}
route {
  $var(user) = "alice";
  $avp(pass) = "secret";
  ${opts.authorize ?? 'pv_www_authorize("")'};
  $var(rc) = $retcode;
  if ($var(rc) == 1) { ${opts.onOk ?? 'consume_credentials();'} exit; }
  if ($var(rc) != -5) ${opts.challenge ?? 'www_challenge("", "auth")'};
  $var(after) = "not stopped";
}`;
}

async function kit(text: string): Promise<{ kit: ScriptTestKit; mod: ModuleExports; services: Services; initLogs: string[] }> {
  const mod = createAuth();
  const k = ScriptTestKit.fromText(text, createModuleRegistry([signaling, sl, mod]), { clock });
  k.script.applyModparams();
  const services = new Services();
  const initLogs: string[] = [];
  await mod.init!({ services, log: (_l, t) => initLogs.push(t) });
  return { kit: k, mod, services, initLogs };
}

function request(opts: { method?: string; auth?: string; authHeader?: string; body?: string; from?: string; to?: string } = {}): string {
  const method = opts.method ?? 'REGISTER';
  const body = opts.body ?? '';
  return [
    `${method} sip:example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-a1',
    `From: <sip:${opts.from ?? 'alice@example.com'}>;tag=f1`,
    `To: <sip:${opts.to ?? 'alice@example.com'}>`,
    'Call-ID: auth-test-1',
    `CSeq: 1 ${method}`,
    ...(opts.auth !== undefined ? [`${opts.authHeader ?? 'Authorization'}: ${opts.auth}`] : []),
    'Contact: <sip:alice@192.0.2.10>',
    ...(body !== '' ? ['Content-Type: text/plain'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function challenges(out: RunOutcome, i = 0): Challenge[] {
  return (out.replyHeaders[i] ?? []).map(parseChallengeLine);
}

const alice = (ch: Challenge, o: Partial<AnswerOptions> = {}): string =>
  answerChallenge(ch, { user: 'alice', password: 'secret', method: 'REGISTER', uri: 'sip:example.com', ...o });

describe('www_challenge / pv_www_authorize', () => {
  it('no credentials: -4 and a 401 with a qop=auth challenge for the To domain; the script stops', async () => {
    const { kit: k } = await kit(script());
    const out = await k.run(request());
    expect(out.vars['rc']).toBe(-4);
    expect(out.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
    expect(out.replyHeaders[0]).toHaveLength(1);
    expect(out.replyHeaders[0]![0]).toMatch(/^WWW-Authenticate: Digest realm="example\.com", nonce="[A-Za-z0-9_-]{43}", qop="auth"$/);
    expect(out.vars['after']).toBeUndefined();
  });

  it('the computed answer is accepted (1) and consume_credentials removes the header', async () => {
    const { kit: k } = await kit(script());
    const ch = challenges(await k.run(request()))[0]!;
    const out = await k.run(request({ auth: alice(ch) }));
    expect(out.vars['rc']).toBe(1);
    expect(out.replies).toEqual([]);
    // Header edits are lumps: the received text stays, the message relayed has no credentials.
    const sent = out.ctx.msg!.toBuffer().toString();
    expect(sent).not.toContain('Authorization');
    expect(sent).toContain('Contact: <sip:alice@192.0.2.10>');
  });

  it('picks the credentials of its realm among several headers; consume_credentials removes only those', async () => {
    const { kit: k } = await kit(script());
    const ch = challenges(await k.run(request()))[0]!;
    const foreign = 'Digest username="alice", realm="other.org", nonce="x", uri="sip:example.com", response="0123456789abcdef0123456789abcdef"';
    const text = request({ auth: foreign }).replace('Contact:', `Authorization: ${alice(ch)}\r\nContact:`);
    const out = await k.run(text);
    expect(out.vars['rc']).toBe(1);
    const sent = out.ctx.msg!.toBuffer().toString();
    expect(sent).toContain('realm="other.org"');
    expect(sent.match(/^Authorization:/gm)).toHaveLength(1);
  });

  it('without consume_credentials the header stays', async () => {
    const { kit: k } = await kit(script({ onOk: '$var(ok) = 1;' }));
    const ch = challenges(await k.run(request()))[0]!;
    const out = await k.run(request({ auth: alice(ch) }));
    expect(out.vars['rc']).toBe(1);
    expect(out.ctx.msg!.toBuffer().toString()).toContain('Authorization: Digest username="alice"');
  });

  it('wrong password: -2; another user than username_spec: -1; an upper-case response: -2 as in OpenSIPS', async () => {
    const { kit: k } = await kit(script());
    let ch = challenges(await k.run(request()))[0]!;
    const upper = alice(ch).replace(/response="([0-9a-f]+)"/, (_m, r: string) => `response="${r.toUpperCase()}"`);
    expect((await k.run(request({ auth: upper }))).vars['rc']).toBe(-2);
    ch = challenges(await k.run(request()))[0]!;
    let out = await k.run(request({ auth: alice(ch, { password: 'guess' }) }));
    expect(out.vars['rc']).toBe(-2);
    expect(out.replies[0]!.status).toBe(401);
    expect(challenges(out)[0]!.stale).toBe(false);
    ch = challenges(await k.run(request()))[0]!;
    out = await k.run(request({ auth: alice(ch, { user: 'bob' }) }));
    expect(out.vars['rc']).toBe(-1);
  });

  it('a forged nonce with the right password: -3 and the next challenge says stale=true', async () => {
    const { kit: k } = await kit(script());
    const ch = challenges(await k.run(request()))[0]!;
    const forged = ch.nonce.slice(0, 10) + (ch.nonce[10] === 'x' ? 'y' : 'x') + ch.nonce.slice(11);
    const out = await k.run(request({ auth: alice(ch, { nonce: forged }) }));
    expect(out.vars['rc']).toBe(-3);
    expect(out.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
    expect(out.replyHeaders[0]![0]).toMatch(/, qop="auth", stale=true$/);
    // A nonce of another server (another random secret) is as stale as a forged one.
    const other = await kit(script());
    const foreign = challenges(await other.kit.run(request()))[0]!;
    expect((await k.run(request({ auth: alice(foreign) }))).vars['rc']).toBe(-3);
  });

  it('replay: the same nonce (and nc) is accepted once', async () => {
    const { kit: k } = await kit(script());
    const ch = challenges(await k.run(request()))[0]!;
    const creds = alice(ch);
    expect((await k.run(request({ auth: creds }))).vars['rc']).toBe(1);
    const again = await k.run(request({ auth: creds }));
    expect(again.vars['rc']).toBe(-3);
    expect(challenges(again)[0]!.stale).toBe(true);
    // A higher nc on the used nonce does not help either: nonces are single-use.
    expect((await k.run(request({ auth: alice(ch, { nc: '00000002' }) }))).vars['rc']).toBe(-3);
  });

  it('one request checked twice gets the same answer both times (the talk snippet after a first www_authorize)', async () => {
    const twice = script({ authorize: 'pv_www_authorize(""); $var(first) = $retcode; pv_www_authorize("")' });
    const { kit: k } = await kit(twice);
    let ch = challenges(await k.run(request()))[0]!;
    let out = await k.run(request({ auth: alice(ch, { password: 'guess' }) }));
    expect([out.vars['first'], out.vars['rc']]).toEqual([-2, -2]);
    ch = challenges(await k.run(request()))[0]!;
    const creds = alice(ch);
    out = await k.run(request({ auth: creds }));
    expect([out.vars['first'], out.vars['rc']]).toEqual([1, 1]);
    // another request with the same credentials is still a replay
    out = await k.run(request({ auth: creds }));
    expect([out.vars['first'], out.vars['rc']]).toEqual([-3, -3]);
  });

  it('disable_nonce_check = 1: a nonce may be used again until it expires', async () => {
    const { kit: k } = await kit(script({ params: 'modparam("auth", "disable_nonce_check", 1)\n' }));
    const ch = challenges(await k.run(request()))[0]!;
    const creds = alice(ch);
    expect((await k.run(request({ auth: creds }))).vars['rc']).toBe(1);
    expect((await k.run(request({ auth: creds }))).vars['rc']).toBe(1);
  });

  it('nonce_expire: fresh until it passes (default 30 s, and as set)', async () => {
    const { kit: k } = await kit(script());
    let ch = challenges(await k.run(request()))[0]!;
    now += 29_999;
    expect((await k.run(request({ auth: alice(ch) }))).vars['rc']).toBe(1);
    ch = challenges(await k.run(request()))[0]!;
    now += 30_000;
    expect((await k.run(request({ auth: alice(ch) }))).vars['rc']).toBe(-3);

    const short = await kit(script({ params: 'modparam("auth", "nonce_expire", 5)\n' }));
    ch = challenges(await short.kit.run(request()))[0]!;
    now += 5_001;
    expect((await short.kit.run(request({ auth: alice(ch) }))).vars['rc']).toBe(-3);
  });

  it('a nonce signed with the secret modparam is valid on another instance with the same secret', async () => {
    const params = 'modparam("auth", "secret", "shared-key")\nmodparam("auth", "disable_nonce_check", 1)\n';
    const a = await kit(script({ params }));
    const b = await kit(script({ params }));
    const ch = challenges(await a.kit.run(request()))[0]!;
    expect((await b.kit.run(request({ auth: alice(ch) }))).vars['rc']).toBe(1);
    // Not the 32 bytes OpenSIPS 3.2+ demands: accepted (2.x took any phrase) with a notice.
    expect(a.initLogs).toContain('secret is 10 bytes: OpenSIPS 3.2+ refuses anything but exactly 32 (accepted as in 2.x)');
    const exact = await kit(script({ params: 'modparam("auth", "secret", "0123456789abcdef0123456789abcdef")\n' }));
    expect(exact.initLogs.some((l) => l.includes('secret is'))).toBe(false);
  });

  it('credentials without a realm, or for another realm, count as none (-4)', async () => {
    const { kit: k } = await kit(script());
    const ch = challenges(await k.run(request()))[0]!;
    expect((await k.run(request({ auth: alice(ch, { omit: ['realm'] }) }))).vars['rc']).toBe(-4);
    expect((await k.run(request({ auth: alice(ch, { realm: 'other.org' }) }))).vars['rc']).toBe(-4);
    // An unknown algorithm is not ours either.
    const sha1 = `Digest username="alice", realm="example.com", nonce="${ch.nonce}", uri="sip:example.com", response="${'0'.repeat(40)}", algorithm=SHA-1`;
    expect((await k.run(request({ auth: sha1 }))).vars['rc']).toBe(-4);
  });

  it('qop=auth without cnonce/nc: www_authorize itself answers 400 and returns -5', async () => {
    const { kit: k } = await kit(script());
    const ch = challenges(await k.run(request()))[0]!;
    const out = await k.run(request({ auth: alice(ch, { omit: ['cnonce'] }) }));
    expect(out.vars['rc']).toBe(-5);
    expect(out.replies).toEqual([{ status: 400, reason: 'Bad Request' }]);
    const noNc = await k.run(request({ auth: alice(ch, { omit: ['nc'] }) }));
    expect(noNc.replies).toEqual([{ status: 400, reason: 'Bad Request' }]);
    const noUri = await k.run(request({ auth: alice(ch, { omit: ['uri'] }) }));
    expect(noUri.vars['rc']).toBe(-5);
  });

  it('an unparsable Authorization header: 400 and -5', async () => {
    const { kit: k } = await kit(script());
    const out = await k.run(request({ auth: 'Digest username=' }));
    expect(out.vars['rc']).toBe(-5);
    expect(out.replies).toEqual([{ status: 400, reason: 'Bad Request' }]);
  });

  it('a nonce issued without qop refuses credentials with qop (stale) and accepts the RFC 2069 form', async () => {
    const { kit: k } = await kit(script({ challenge: 'www_challenge("", "")' }));
    const out = await k.run(request());
    expect(out.replyHeaders[0]![0]).not.toContain('qop');
    const ch = challenges(out)[0]!;
    expect((await k.run(request({ auth: alice(ch, { qop: 'auth' }) }))).vars['rc']).toBe(-3);
    const ch2 = challenges(await k.run(request()))[0]!;
    expect((await k.run(request({ auth: alice(ch2) }))).vars['rc']).toBe(1);
  });

  it('qop=auth-int hashes the body: right body accepted, altered body refused', async () => {
    const { kit: k } = await kit(script({ challenge: 'www_challenge("", "auth-int")' }));
    const body = 'hello, integrity';
    const msg = (auth?: string, b = body) => request({ method: 'MESSAGE', body: b, ...(auth !== undefined ? { auth } : {}) });
    const out = await k.run(msg());
    expect(out.replyHeaders[0]![0]).toContain('qop="auth-int"');
    let ch = challenges(out)[0]!;
    const answer = (c: Challenge) => alice(c, { method: 'MESSAGE', body });
    expect((await k.run(msg(answer(ch)))).vars['rc']).toBe(1);
    ch = challenges(await k.run(msg()))[0]!;
    expect((await k.run(msg(answer(ch), 'hello, integritY'))).vars['rc']).toBe(-2);
  });

  it('both qop values are offered (in the order OpenSIPS prints them) and either is accepted', async () => {
    const { kit: k } = await kit(script({ challenge: 'www_challenge("", "auth,auth-int")' }));
    const out = await k.run(request());
    expect(out.replyHeaders[0]![0]).toContain('qop="auth-int,auth"');
    let ch = challenges(out)[0]!;
    expect((await k.run(request({ auth: alice(ch, { qop: 'auth-int' }) }))).vars['rc']).toBe(1);
    ch = challenges(await k.run(request()))[0]!;
    expect((await k.run(request({ auth: alice(ch, { qop: 'auth' }) }))).vars['rc']).toBe(1);
  });

  it('algorithms: one challenge per algorithm, strongest first; each answer is checked with its own hash', async () => {
    const { kit: k } = await kit(script({ challenge: 'www_challenge("", "", "MD5,SHA-256,SHA-512-256-sess,MD5-sess")' }));
    const out = await k.run(request());
    const chs = challenges(out);
    expect(chs.map((c) => c.algorithm)).toEqual(['SHA-512-256-sess', 'SHA-256', 'MD5-sess', 'MD5']);
    // Explicit algorithms make OpenSIPS offer qop=auth even when the qop argument is empty.
    expect(chs.every((c) => c.qop === 'auth')).toBe(true);
    for (const c of chs) {
      const fresh = challenges(await k.run(request())).find((x) => x.algorithm === c.algorithm)!;
      expect([c.algorithm, (await k.run(request({ auth: alice(fresh) }))).vars['rc']]).toEqual([c.algorithm, 1]);
    }
    // A SHA-256 answer to the MD5 nonce: the nonce does not belong to that algorithm.
    const md5 = challenges(await k.run(request())).find((x) => x.algorithm === 'MD5')!;
    expect((await k.run(request({ auth: alice(md5, { algorithm: 'SHA-256' }) }))).vars['rc']).toBe(-3);
  });

  it('algorithms from a variable (as in the OpenSIPS README); a bad value fails the call (-1, no reply)', async () => {
    const text = script({ challenge: '{ $var(ch) = 1; www_challenge("", "auth", $var(algs)); $var(ch) = $retcode; }' }).replace('route {', 'route {\n  $var(algs) = $hdr(X-Algs);');
    const { kit: k } = await kit(text);
    const out = await k.run(request().replace('Contact:', 'X-Algs: sha-256, MD5-sess\r\nContact:'));
    expect(challenges(out).map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5-sess']);
    const bad = await k.run(request().replace('Contact:', 'X-Algs: SHA-1\r\nContact:'));
    expect(bad.replies).toEqual([]);
    expect(bad.vars['ch']).toBe(-1);
    expect(bad.logs.some((l) => l.text.includes("unsupported digest algorithm 'SHA-1'"))).toBe(true);
  });

  it('password_spec holding an HA1 (calculate_ha1 = 0)', async () => {
    const crypto = await import('node:crypto');
    const ha1 = crypto.createHash('md5').update('alice:example.com:secret').digest('hex');
    const text = script().replace('modparam("auth", "calculate_ha1", 1)', 'modparam("auth", "calculate_ha1", 0)').replace('$avp(pass) = "secret"', `$avp(pass) = "${ha1}"`);
    const { kit: k } = await kit(text);
    const ch = challenges(await k.run(request()))[0]!;
    expect((await k.run(request({ auth: alice(ch) }))).vars['rc']).toBe(1);
  });

  it('an empty password variable is an error: 500 and -5', async () => {
    const { kit: k } = await kit(script().replace('$avp(pass) = "secret";', ''));
    const ch = challenges(await k.run(request()))[0]!;
    const out = await k.run(request({ auth: alice(ch) }));
    expect(out.vars['rc']).toBe(-5);
    expect(out.replies).toEqual([{ status: 500, reason: 'Server Internal Error' }]);
  });

  it('realm "": To domain for REGISTER, From domain otherwise; realm_prefix is stripped', async () => {
    const { kit: k } = await kit(script({ params: 'modparam("auth", "realm_prefix", "sip.")\n' }));
    const reg = await k.run(request({ to: 'alice@sip.example.com', from: 'alice@from.org' }));
    expect(challenges(reg)[0]!.realm).toBe('example.com');
    const inv = await k.run(request({ method: 'INVITE', to: 'bob@example.com', from: 'alice@sip.caller.net' }));
    expect(challenges(inv)[0]!.realm).toBe('caller.net');
  });

  it('ACK and CANCEL pass (1) without credentials', async () => {
    const { kit: k } = await kit(script({ onOk: '$var(ok) = "passed";' }));
    expect((await k.run(request({ method: 'ACK' }))).vars['ok']).toBe('passed');
    expect((await k.run(request({ method: 'CANCEL' }))).vars['ok']).toBe('passed');
  });
});

describe('proxy_challenge / pv_proxy_authorize', () => {
  it('407 with Proxy-Authenticate for the From domain; Proxy-Authorization accepted and consumed', async () => {
    const { kit: k } = await kit(script({ authorize: 'pv_proxy_authorize("")', challenge: 'proxy_challenge("", "auth")' }));
    const inv = (auth?: string) => request({ method: 'INVITE', to: 'bob@elsewhere.net', ...(auth !== undefined ? { auth, authHeader: 'Proxy-Authorization' } : {}) });
    const out = await k.run(inv());
    expect(out.vars['rc']).toBe(-4);
    expect(out.replies).toEqual([{ status: 407, reason: 'Proxy Authentication Required' }]);
    expect(out.replyHeaders[0]![0]).toMatch(/^Proxy-Authenticate: Digest realm="example\.com", nonce="[^"]+", qop="auth"$/);
    const ch = challenges(out)[0]!;
    const ok = await k.run(inv(alice(ch, { method: 'INVITE' })));
    expect(ok.vars['rc']).toBe(1);
    expect(ok.ctx.msg!.toBuffer().toString()).not.toContain('Proxy-Authorization');
    // Credentials in Authorization are not looked at by the proxy variant.
    const ch2 = challenges(await k.run(inv()))[0]!;
    expect((await k.run(request({ method: 'INVITE', to: 'bob@elsewhere.net', auth: alice(ch2, { method: 'INVITE' }) }))).vars['rc']).toBe(-4);
  });

  it('consume_credentials without authorized credentials: -1', async () => {
    const { kit: k } = await kit(`${HEAD}\nroute { consume_credentials(); $var(rc) = $retcode; }`);
    expect((await k.run(request())).vars['rc']).toBe(-1);
  });
});

describe('2.x qop switch', () => {
  it('"0" and "1" load with a notice naming the 3.x spelling, and act as no qop / qop=auth', async () => {
    const registry = createModuleRegistry([signaling, sl, createAuth()]);
    const checked = checkText(`${HEAD}\nroute { www_challenge("", "0"); }\nroute[b] { proxy_challenge("", "1"); }`, registry);
    expect(checked.ok).toBe(true);
    const notices = checked.diagnostics.map((d) => d.message);
    expect(notices.some((m) => m.includes('"0" is the OpenSIPS 2.x qop switch; 3.x writes ""'))).toBe(true);
    expect(notices.some((m) => m.includes('"1" is the OpenSIPS 2.x qop switch; 3.x writes "auth"'))).toBe(true);
    const zero = await kit(script({ challenge: 'www_challenge("", "0")' }));
    expect((await zero.kit.run(request())).replyHeaders[0]![0]).not.toContain('qop');
    const one = await kit(script({ challenge: 'www_challenge("", "1")' }));
    expect((await one.kit.run(request())).replyHeaders[0]![0]).toContain('qop="auth"');
  });

  it('a bad qop or algorithm is refused at load', () => {
    const registry = createModuleRegistry([signaling, sl, createAuth()]);
    expect(checkText(`${HEAD}\nroute { www_challenge("", "auth-conf"); }`, registry).ok).toBe(false);
    expect(checkText(`${HEAD}\nroute { www_challenge("", "auth", "SHA-1"); }`, registry).ok).toBe(false);
    expect(checkText(`${HEAD}\nmodparam("auth", "password_spec", "$ru")\nroute { exit; }`, registry).ok).toBe(false);
  });
});

describe('rpid', () => {
  it('is_rpid_user_e164 and append_rpid_hf read rpid_avp', async () => {
    const { kit: k } = await kit(`${HEAD}
route {
  $avp(rpid) = "<sip:+4930123456@example.com>";
  is_rpid_user_e164(); $var(e164) = $retcode;
  append_rpid_hf(); $var(a1) = $retcode;
  append_rpid_hf("pre:", ";x=y"); $var(a2) = $retcode;
  $avp(rpid) := "sip:alice@example.com";
  is_rpid_user_e164(); $var(not) = $retcode;
}`);
    const out = await k.run(request());
    expect(out.vars).toMatchObject({ e164: 1, a1: 1, a2: 1, not: -1 });
    const sent = out.ctx.msg!.toBuffer().toString();
    expect(sent).toContain('Remote-Party-ID: <sip:+4930123456@example.com>;party=calling;id-type=subscriber;screen=yes\r\n');
    expect(sent).toContain('Remote-Party-ID: pre:<sip:+4930123456@example.com>;x=y\r\n');
  });
});

describe('service', () => {
  it('init provides the AUTH service for auth_db', async () => {
    const { services } = await kit(script());
    expect(typeof services.get(AUTH).preAuth).toBe('function');
  });
});

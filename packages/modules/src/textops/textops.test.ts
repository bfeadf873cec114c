import { textops, validateSubst } from './index';
import { kitFor, wire } from '../sipmsgops/kit.test-support';

const BODY = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\nc=IN IP4 192.0.2.10\r\nm=audio 4000 RTP/AVP 0 8\r\n';
const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Alice <sip:alice@example.org>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.org',
  'CSeq: 314159 INVITE',
  'User-Agent: friendly-scanner 1.0',
  'Content-Type: application/sdp',
  `Content-Length: ${BODY.length}`,
  '',
  BODY,
].join('\r\n');

const run = (body: string, msg = INVITE) => kitFor(`loadmodule "textops.so"\nroute {\n${body}\n}`, textops).run(msg);
const rcOf = async (call: string) => (await run(`${call}; $var(rc) = $rc;`)).vars.rc;

describe('search', () => {
  it.each([
    ['search("friendly-scanner")', 1],
    ['search("^user-agent: friendly")', 1],
    ['search("^INVITE sip:bob")', 1],
    ['search("^Route:")', -1],
    ['search("m=audio")', 1],
    ['search_body("^c=IN IP4 192\\.0\\.2\\.10\\r")', 1],
    ['search_body("Call-ID")', -1],
  ])('%s -> %d', async (call, rc) => {
    expect(await rcOf(call)).toBe(rc);
  });
});

describe('replace and search_append', () => {
  it('replace changes the first match after the start line only', async () => {
    const out = await run('replace("bob@example.com", "carol@example.net"); $var(rc) = $rc;');
    expect(out.vars.rc).toBe(1);
    const text = wire(out.ctx);
    expect(text).toMatch(/^INVITE sip:bob@example.com SIP\/2.0\r\n/);
    expect(text).toContain('To: Bob <sip:carol@example.net>\r\n');
  });

  it('replace_all changes every match and keeps Content-Length right when the body changes', async () => {
    const out = await run('replace_all("192\\.0\\.2\\.10", "203.0.113.77"); $var(rc) = $rc;');
    expect(out.vars.rc).toBe(1);
    const text = wire(out.ctx);
    expect(text).toContain('Via: SIP/2.0/UDP 203.0.113.77:5060;');
    const newBody = BODY.replace(/192\.0\.2\.10/g, '203.0.113.77');
    expect(text).toContain(`Content-Length: ${newBody.length}\r\n\r\n${newBody}`);
  });

  it('search_append inserts after the first match', async () => {
    const out = await run('search_append("^User-Agent: [^\\r]*", " (filtered)");');
    expect(wire(out.ctx)).toContain('User-Agent: friendly-scanner 1.0 (filtered)\r\n');
  });

  it('returns -1 and leaves the message alone when nothing matches', async () => {
    const out = await run('replace("^Route:.*", "X"); $var(rc) = $rc;');
    expect(out.vars.rc).toBe(-1);
    expect(wire(out.ctx)).toBe(INVITE);
  });

  it('refuses a replacement that would break the message', async () => {
    const out = await run('replace("^CSeq: 314159 INVITE", "CSeq"); $var(rc) = $rc;');
    expect(out.vars.rc).toBe(-1);
    expect(wire(out.ctx)).toBe(INVITE);
    expect(out.logs.map((l) => l.text).join()).toContain('replace: the changed message would not parse');
  });

  it('body variants edit only the body', async () => {
    const out = await run('replace_body("RTP/AVP 0 8", "RTP/AVP 0"); search_append_body("^m=audio[^\\r]*\\r\\n", "a=sendonly\\r\\n"); replace_body_all("IN IP4 192", "IN IP4 10");');
    const text = wire(out.ctx);
    const body = 'v=0\r\no=- 1 1 IN IP4 10.0.2.10\r\nc=IN IP4 10.0.2.10\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n';
    expect(text).toContain(`Content-Length: ${body.length}\r\n\r\n${body}`);
    expect(text).toContain('Via: SIP/2.0/UDP 192.0.2.10:5060');
  });
});

describe('subst family', () => {
  it('subst uses groups and is case-sensitive without i', async () => {
    const out = await run("subst('/^User-Agent: (.*) ([0-9.]+)$/User-Agent: \\2 \\1/'); $var(a) = $rc; subst('/^call-id:.*$/X/'); $var(b) = $rc;");
    expect(out.vars).toEqual({ a: 1, b: -1 });
    expect(wire(out.ctx)).toContain('User-Agent: 1.0 friendly-scanner\r\n');
  });

  it('subst with \\u writes the Request-URI', async () => {
    const out = await run("subst('/^To: Bob <[^>]*>/To: <\\u>/i');");
    expect(wire(out.ctx)).toContain('To: <sip:bob@example.com>\r\n');
  });

  it('subst_uri and subst_user rewrite the Request-URI', async () => {
    const out = await run("subst_uri('/^sip:([a-z]+)@example\\.com$/sip:\\1@example.net;transport=tcp/'); $var(a) = $rc; subst_user('/^bob$/+4930123/'); $var(b) = $rc;");
    expect(out.vars).toEqual({ a: 1, b: 1 });
    expect(out.ruri).toBe('sip:+4930123@example.net;transport=tcp');
    expect(wire(out.ctx)).toMatch(/^INVITE sip:\+4930123@example.net;transport=tcp SIP\/2.0\r\n/);
  });

  it('subst_user adds a user to a URI that has none', async () => {
    const out = await run("$ru = 'sip:example.com;lr'; subst_user('/^$/alice/');");
    expect(out.ruri).toBe('sip:alice@example.com;lr');
  });

  it('subst_body with g replaces every match', async () => {
    const out = await run("subst_body('/192\\.0\\.2\\.10/198.51.100.9/g');");
    expect(wire(out.ctx)).toContain('c=IN IP4 198.51.100.9\r\n');
    expect(wire(out.ctx)).toContain('o=- 1 1 IN IP4 198.51.100.9\r\n');
  });

  it('validateSubst explains a bad expression', () => {
    expect(validateSubst('/a/b/')).toBeUndefined();
    expect(validateSubst('/a/b/x')).toBe("unknown substitution flags 'x' (expected i, g and/or s)");
    expect(validateSubst('/a/b/s')).toBeUndefined();
    expect(validateSubst('/(a/b/')).toMatch(/bad regular expression/);
  });
});

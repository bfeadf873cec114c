import { sipmsgops } from './index';
import { globToRegExp } from './functions';
import { kitFor, wire } from './kit.test-support';

const INVITE = `
INVITE sip:bob@example.com;user=phone;lr SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: Alice <sip:+4930123456@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10>
Supported: replaces, timer
X-Billing-Account: 42
X-Billing-Price: 7
User-Agent: friendly-scanner
Privacy: id;header
Content-Type: application/sdp
Content-Length: 3

v=0
`;

const run = async (body: string, msg = INVITE, opts: Parameters<ReturnType<typeof kitFor>['run']>[1] = {}) => {
  const kit = kitFor(`loadmodule "sipmsgops.so"\n${body}`, sipmsgops);
  return kit.run(msg, opts);
};

/** Runs `cond` in `if` and reports 1/-1 as $var(r). */
const truth = async (cond: string, msg = INVITE) => (await run(`route { if (${cond}) $var(r) = 1; else $var(r) = -1; }`, msg)).vars.r;

describe('is_method', () => {
  it.each([
    ['is_method("INVITE")', 1],
    ['is_method("invite")', 1],
    ['is_method("BYE|INVITE")', 1],
    ['is_method("BYE|ACK")', -1],
    ['is_method("INV")', -1],
  ])('%s -> %d', async (cond, r) => {
    expect(await truth(cond)).toBe(r);
  });

  it('uses the CSeq method of a reply', async () => {
    const reply = 'SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\nTo: <sip:b@x>;tag=2\nFrom: <sip:a@x>;tag=1\nCall-ID: c\nCSeq: 2 BYE\nContent-Length: 0\n';
    const kit = kitFor('loadmodule "sipmsgops.so"\nonreply_route { if (is_method("BYE")) $var(r) = 1; else $var(r) = -1; }', sipmsgops);
    expect((await kit.run(reply, { route: { type: 'onreply' } })).vars.r).toBe(1);
  });

  it('refuses an unknown method inside a list at load', () => {
    expect(() => kitFor('loadmodule "sipmsgops.so"\nroute { is_method("INVITE|FOO"); }', sipmsgops)).toThrow(/unknown method in list: FOO/);
  });
});

describe('header presence and tags', () => {
  it('is_present_hf accepts compact forms and any case', async () => {
    expect(await truth('is_present_hf("f")')).toBe(1);
    expect(await truth('is_present_hf("user-agent")')).toBe(1);
    expect(await truth('is_present_hf("Route")')).toBe(-1);
  });

  it('has_totag', async () => {
    expect(await truth('has_totag()')).toBe(-1);
    expect(await truth('has_totag()', INVITE.replace('To: Bob <sip:bob@example.com>', 'To: Bob <sip:bob@example.com>;tag=abc'))).toBe(1);
  });
});

describe('header edits', () => {
  it('append_hf adds at the end of the headers, insert_hf at the top, in text order', async () => {
    const out = await run('route { append_hf("P-Hint: one\\r\\nP-Hint: two\\r\\n"); insert_hf("X-A: 1\\r\\nX-B: 2\\r\\n"); }');
    const text = wire(out.ctx);
    expect(text).toMatch(/^INVITE [^\r]+\r\nX-A: 1\r\nX-B: 2\r\nVia:/);
    expect(text).toContain('Content-Length: 3\r\nP-Hint: one\r\nP-Hint: two\r\n\r\nv=0');
  });

  it('append_hf / insert_hf with an anchor header place the line after / before it', async () => {
    const out = await run('route { append_hf("X-After: $ci\\r\\n", "Call-ID"); insert_hf("X-Before: 1\\r\\n", "CSeq"); }');
    const text = wire(out.ctx);
    expect(text).toContain('Call-ID: a84b4c76e66710@pc33.example.org\r\nX-After: a84b4c76e66710@pc33.example.org\r\nX-Before: 1\r\nCSeq: 314159 INVITE\r\n');
  });

  it('append_hf / insert_hf with a missing anchor fall back to the end / the top', async () => {
    const out = await run('route { append_hf("X-A: 1\\r\\n", "Route"); $var(a) = $rc; insert_hf("X-B: 2\\r\\n", "Route"); $var(b) = $rc; }');
    expect(out.vars).toEqual({ a: 1, b: 1 });
    expect(wire(out.ctx)).toMatch(/^INVITE [^\r]+\r\nX-B: 2\r\nVia:[^]*\r\nX-A: 1\r\n\r\nv=0/);
  });

  it('append_hf refuses text that is not a header line', async () => {
    const out = await run('route { append_hf("garbage"); $var(rc) = $rc; }');
    expect(out.vars.rc).toBe(-1);
    expect(out.logs.map((l) => l.text).join()).toContain("append_hf: 'garbage' is not a header line");
  });

  it('remove_hf removes every line of the header (1), -1 when there is none', async () => {
    const msg = INVITE.replace('User-Agent: friendly-scanner', 'User-Agent: a\nUser-Agent: b');
    const out = await run('route { remove_hf("User-Agent"); $var(rc) = $rc; remove_hf("Route"); $var(none) = $rc; }', msg);
    expect(out.vars).toEqual({ rc: 1, none: -1 });
    expect(wire(out.ctx)).not.toContain('User-Agent');
  });

  it('remove_hf_re and remove_hf_glob match header names', async () => {
    const out = await run('route { remove_hf_re("^x-billing-a"); $var(a) = $rc; remove_hf_glob("X-Billing*"); $var(b) = $rc; remove_hf_glob("Nope*"); $var(c) = $rc; }');
    expect(out.vars).toEqual({ a: 1, b: 1, c: -1 });
    expect(wire(out.ctx)).not.toContain('X-Billing');
    expect(wire(out.ctx)).toContain('User-Agent: friendly-scanner');
  });

  it('append_to_reply and append_time fill the headers of the next local reply', async () => {
    const kit = kitFor('loadmodule "sipmsgops.so"\nroute { append_to_reply("Retry-After: 30\\r\\nX-Why: $rm\\r\\n"); append_time(); }', sipmsgops, );
    const out = await kit.run(INVITE);
    expect(out.ctx.replyHeaders.slice(0, 2)).toEqual(['Retry-After: 30', 'X-Why: INVITE']);
    expect(out.ctx.replyHeaders[2]).toMatch(/^Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });

  it('append_urihf puts the Request-URI as received between prefix and suffix', async () => {
    const out = await run('route { $ru = "sip:carol@example.net"; append_urihf("CC-Diversion: <", ">\\r\\n"); }');
    expect(wire(out.ctx)).toContain('CC-Diversion: <sip:bob@example.com;user=phone;lr>\r\n');
  });
});

describe('Request-URI parameters', () => {
  it('ruri_has_param with and without a value (case-sensitive names)', async () => {
    expect(await truth('ruri_has_param("user", "phone")')).toBe(1);
    expect(await truth('ruri_has_param("user", "ip")')).toBe(-1);
    expect(await truth('ruri_has_param("user")')).toBe(-1);
    expect(await truth('ruri_has_param("lr")')).toBe(1);
    expect(await truth('ruri_has_param("LR")')).toBe(-1);
  });

  it('ruri_add_param and ruri_del_param rewrite the Request-URI', async () => {
    const out = await run('route { ruri_add_param("nat=yes"); ruri_del_param("user"); $var(d) = $rc; ruri_del_param("nothere"); $var(n) = $rc; }');
    expect(out.ruri).toBe('sip:bob@example.com;lr;nat=yes');
    expect(out.vars).toEqual({ d: 1, n: -1 });
    expect(wire(out.ctx)).toMatch(/^INVITE sip:bob@example.com;lr;nat=yes SIP\/2.0\r\n/);
  });

  it('ruri_add_param keeps URI headers after the parameters', async () => {
    const out = await run('route { $ru = "sip:bob@example.com;a=1?Subject=hi"; ruri_add_param("b=2"); }');
    expect(out.ruri).toBe('sip:bob@example.com;a=1;b=2?Subject=hi');
  });

  it('ruri_tel2sip uses the From host', async () => {
    const out = await run('route { $ru = "tel:+4930123;phone-context=x"; ruri_tel2sip(); }');
    expect(out.ruri).toBe('sip:+4930123;phone-context=x@example.org;user=phone');
  });

  it('is_uri_user_e164', async () => {
    expect(await truth('is_uri_user_e164($fu)')).toBe(1);
    expect(await truth('is_uri_user_e164($ru)')).toBe(-1);
    expect(await truth('is_uri_user_e164("sip:+1@x")')).toBe(-1);
    expect(await truth('is_uri_user_e164("sip:+1234567890123456@x")')).toBe(-1);
  });
});

describe('bodies, privacy and list headers', () => {
  it('has_body / has_body_part', async () => {
    expect(await truth('has_body()')).toBe(1);
    expect(await truth('has_body("application/sdp")')).toBe(1);
    expect(await truth('has_body_part("text/plain")')).toBe(-1);
    const empty = INVITE.replace('Content-Type: application/sdp\n', '').replace("Content-Length: 3", "Content-Length: 0").replace('\nv=0\n', '\n');
    expect(await truth('has_body()', empty)).toBe(-1);
  });

  it('has_body_part looks inside multipart bodies', async () => {
    const body = '--XX\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--XX\r\nContent-Type: application/isup\r\n\r\nabc\r\n--XX--\r\n';
    const msg = `${INVITE.replace('Content-Type: application/sdp', 'Content-Type: multipart/mixed;boundary=XX').replace("Content-Length: 3", `Content-Length: ${body.length}`).replace(/\nv=0\n$/, '\n')}`;
    const wireMsg = msg.replace(/^\n/, '').replace(/\n/g, '\r\n') + body;
    expect(await truth('has_body_part("application/isup")', wireMsg)).toBe(1);
    expect(await truth('has_body("multipart/mixed")', wireMsg)).toBe(1);
    expect(await truth('has_body_part("text/html")', wireMsg)).toBe(-1);
  });

  it('is_privacy', async () => {
    expect(await truth('is_privacy("header")')).toBe(1);
    expect(await truth('is_privacy("session")')).toBe(-1);
  });

  it('list_hdr_* read and edit option lists', async () => {
    expect(await truth('list_hdr_has_option("Supported", "timer")')).toBe(1);
    expect(await truth('list_hdr_has_option("Supported", "100rel")')).toBe(-1);
    const out = await run('route { list_hdr_add_option("Supported", "100rel"); list_hdr_remove_option("Supported", "replaces"); list_hdr_add_option("Require", "timer"); }');
    const text = wire(out.ctx);
    expect(text).toContain('Supported: timer, 100rel\r\n');
    expect(text).not.toContain('replaces');
    expect(text).toContain('Require: timer\r\n');
  });
});

describe('change_reply_status', () => {
  const reply = (status: string) => `SIP/2.0 ${status}\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\nTo: <sip:b@x>;tag=2\nFrom: <sip:a@x>;tag=1\nCall-ID: c\nCSeq: 1 INVITE\nContent-Length: 0\n`;
  const kit = () => kitFor('loadmodule "sipmsgops.so"\nonreply_route { change_reply_status(404, "Not Found"); $var(rc) = $rc; }', sipmsgops);

  it('rewrites the status line of a final error reply', async () => {
    const out = await kit().run(reply('603 Decline'), { route: { type: 'onreply' } });
    expect(out.vars.rc).toBe(1);
    expect(wire(out.ctx)).toMatch(/^SIP\/2.0 404 Not Found\r\nVia:/);
    expect(out.ctx.msg!.status).toBe(404);
  });

  it('refuses to change the class of a 2xx', async () => {
    const out = await kit().run(reply('200 OK'), { route: { type: 'onreply' } });
    expect(out.vars.rc).toBe(-1);
    expect(wire(out.ctx)).toMatch(/^SIP\/2.0 200 OK\r\n/);
  });
});

describe('globToRegExp', () => {
  it('follows fnmatch with case folding', () => {
    expect(globToRegExp('X-Billing*').test('x-billing-price')).toBe(true);
    expect(globToRegExp('X-?').test('X-A')).toBe(true);
    expect(globToRegExp('X-[!ab]').test('X-a')).toBe(false);
    expect(globToRegExp('X-[!ab]').test('X-c')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});

describe('get_glob_headers_values', () => {
  it('fills two AVPs with the names and values of the matching headers', async () => {
    const out = await run('route { if (get_glob_headers_values("x-billing-*", $avp(n), $avp(v))) $var(r) = 1; get_glob_headers_values("nope*", $avp(n), $avp(v)); $var(none) = $rc; }');
    expect(out.vars).toEqual({ r: 1, none: -1 });
    expect(out.avps.n).toEqual(['X-Billing-Price', 'X-Billing-Account']);
    expect(out.avps.v).toEqual(['7', '42']);
  });

  it('refuses variables that are not AVPs', async () => {
    const out = await run('route { get_glob_headers_values("X-*", $var(n), $avp(v)); $var(rc) = $rc; }');
    expect(out.vars.rc).toBe(-1);
    expect(out.logs.map((l) => l.text).join()).toContain('$var(n) is not an AVP');
  });
});

describe('sip_to_json', () => {
  it('writes the start line, the headers by name and the body', async () => {
    const msg = 'OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP g;branch=z9hG4bK2\r\nCall-ID: c\r\nContent-Length: 2\r\n\r\nhi';
    const out = await run('route { sip_to_json($var(j)); }', msg);
    expect(JSON.parse(String(out.vars.j))).toEqual({
      first_line: 'OPTIONS sip:b@x SIP/2.0\r\n',
      headers: { Via: ['SIP/2.0/UDP h;branch=z9hG4bK1', 'SIP/2.0/UDP g;branch=z9hG4bK2'], 'Call-ID': ['c'], 'Content-Length': ['2'] },
      body: 'hi',
    });
  });
});

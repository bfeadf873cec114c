/**
 * RFC 4475 torture messages against the message layer. The expectation table
 * (rfc4475-expectations.ts) says, per file and per the RFC's section, whether
 * tsips parses the message (and which values must come out) or rejects it
 * (and which ParseError header names the problem, at which accessor).
 */
import {
  buildReply,
  isSipUri,
  parseCredentials,
  ParseError,
  parseMessage,
  parseTokenList,
  parseUri,
  SipMessage,
  SipUri,
  StreamFramer,
  unescapeUriPart,
  Uri,
} from '../index';
import { readRfc4475, loadRfc4475 } from './corpus';
import { Accessor, MessageValues, RejectPoint, RFC4475_EXPECTATIONS } from './rfc4475-expectations';

const CRLF2 = Buffer.from('\r\n\r\n');

function parse(data: Buffer): SipMessage {
  return parseMessage(data, { transport: 'datagram' });
}

function load(file: string): SipMessage {
  return parse(readRfc4475(file));
}

/** Runs fn and returns the ParseError it throws; fails on anything else. */
function parseErrorOf(fn: () => unknown, what: string): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw new Error(`${what}: expected a ParseError, got ${String(e)}`);
  }
  throw new Error(`${what}: expected a ParseError, but it succeeded`);
}

function callAccessor(msg: SipMessage, a: Accessor): unknown {
  switch (a) {
    case 'vias':
      return msg.vias();
    case 'topVia':
      return msg.topVia();
    case 'callId':
      return msg.callId();
    case 'cseq':
      return msg.cseq();
    case 'from':
      return msg.from();
    case 'to':
      return msg.to();
    case 'contacts':
      return msg.contacts();
    case 'maxForwards':
      return msg.maxForwards();
    case 'contentType':
      return msg.contentType();
    case 'expires':
      return msg.expires();
    case 'routes':
      return msg.routes();
    case 'recordRoutes':
      return msg.recordRoutes();
    case 'requestUri':
      return msg.requestUri();
    case 'sdp':
      return msg.sdp();
  }
}

/** The accessor to call for each header name, for the "every present header parses" walk. */
const ACCESSOR_OF_HEADER: Array<[string, Accessor]> = [
  ['Via', 'vias'],
  ['Call-ID', 'callId'],
  ['CSeq', 'cseq'],
  ['From', 'from'],
  ['To', 'to'],
  ['Contact', 'contacts'],
  ['Max-Forwards', 'maxForwards'],
  ['Content-Type', 'contentType'],
  ['Expires', 'expires'],
  ['Route', 'routes'],
  ['Record-Route', 'recordRoutes'],
];

/** The error names the header and a position inside the message, and says something. */
function checkErrorDetails(e: ParseError, data: Buffer, label: string): void {
  expect({ label, positioned: e.offset >= 0 && e.offset <= data.length }).toEqual({ label, positioned: true });
  expect(e.message).toContain(e.header as string);
  expect(e.code).toBe('SIP_PARSE_ERROR');
}

function checkRejectPoint(data: Buffer, r: RejectPoint, label: string): void {
  if (r.at === 'parse') {
    const e = parseErrorOf(() => parse(data), `${label} parseMessage`);
    expect({ label, header: e.header }).toEqual({ label, header: r.header });
    checkErrorDetails(e, data, label);
    return;
  }
  // Parsing is lazy: the message indexes fine and the typed accessor reports the problem.
  const msg = parse(data);
  const e = parseErrorOf(() => callAccessor(msg, r.at as Accessor), `${label} ${r.at}()`);
  expect({ label, accessor: r.at, header: e.header }).toEqual({ label, accessor: r.at, header: r.header });
  checkErrorDetails(e, data, label);
}

function checkValues(msg: SipMessage, v: MessageValues): void {
  if (v.method !== undefined) expect(msg.method).toBe(v.method);
  if (v.ruri !== undefined) expect(msg.ruri).toBe(v.ruri);
  if (v.version !== undefined) expect(msg.version).toBe(v.version);
  if (v.status !== undefined) {
    expect(msg.isRequest).toBe(false);
    expect(msg.status).toBe(v.status);
  }
  if (v.reason !== undefined) expect(msg.reason).toBe(v.reason);
  if (v.callId !== undefined) expect(msg.callId()).toBe(v.callId);
  if (v.cseq !== undefined) expect(msg.cseq()).toEqual(v.cseq);
  if (v.maxForwards !== undefined) expect(msg.maxForwards()).toBe(v.maxForwards);
  if (v.contentLength !== undefined) expect(msg.contentLength()).toBe(v.contentLength);
  if (v.bodyLength !== undefined) expect(msg.body.length).toBe(v.bodyLength);
  if (v.vias !== undefined) {
    const vias = msg.vias();
    expect(vias.map((x) => [x.transport, x.host, x.port, x.branch])).toEqual(v.vias);
    const top = msg.topVia();
    expect([top.transport, top.host, top.port, top.branch]).toEqual(v.vias[0]);
  }
  if (v.fromUri !== undefined) expect(msg.from().uri).toBe(v.fromUri);
  if (v.fromTag !== undefined) expect(msg.from().tag).toBe(v.fromTag);
  if (v.fromDisplayName !== undefined) expect(msg.from().displayName).toBe(v.fromDisplayName);
  if (v.toUri !== undefined) expect(msg.to().uri).toBe(v.toUri);
  if (v.toTag !== undefined) expect(msg.to().tag).toBe(v.toTag);
  if (v.toDisplayName !== undefined) expect(msg.to().displayName).toBe(v.toDisplayName);
  if (v.contactUris !== undefined) {
    const list = msg.contacts();
    expect(list.star).toBe(false);
    expect(list.contacts.map((c) => c.uri)).toEqual(v.contactUris);
  }
  if (v.mediaType !== undefined) expect(msg.contentType()?.mediaType ?? null).toBe(v.mediaType);
  if (v.headers !== undefined) {
    for (const [name, value] of Object.entries(v.headers)) {
      expect({ name, value: msg.getHeader(name) }).toEqual({ name, value });
      expect({ name, present: msg.hasHeader(name) }).toEqual({ name, present: value !== undefined });
    }
  }
  if (v.headerCounts !== undefined) {
    for (const [name, n] of Object.entries(v.headerCounts)) expect({ name, n: msg.headerCount(name) }).toEqual({ name, n });
  }
}

function sip(u: Uri): SipUri {
  if (!isSipUri(u)) throw new Error(`expected a SIP URI, got scheme ${u.scheme}`);
  return u;
}

function headerEnd(data: Buffer): number {
  const i = data.indexOf(CRLF2);
  if (i === -1) throw new Error('no header end');
  return i + 4;
}

describe('RFC 4475 expectation table', () => {
  it('covers every file of the archive exactly once, and every RFC section', () => {
    const files = loadRfc4475().map((m) => m.name);
    expect(files).toHaveLength(50);
    expect(RFC4475_EXPECTATIONS.map((e) => e.file).sort()).toEqual(files);
    const sections = RFC4475_EXPECTATIONS.filter((e) => e.verdict !== 'extra').map((e) => e.section);
    expect(new Set(sections).size).toBe(49);
    // 3.1.1.x: 13 valid, 3.1.2.x: 19 invalid, 3.2.x: 1, 3.3.x: 15, 3.4.x: 1
    const count = (p: string): number => sections.filter((s) => s.startsWith(p)).length;
    expect([count('3.1.1.'), count('3.1.2.'), count('3.2.'), count('3.3.'), count('3.4.')]).toEqual([13, 19, 1, 15, 1]);
  });

  it('is consistent: every parse entry has values, every reject entry has reject points', () => {
    for (const e of RFC4475_EXPECTATIONS) {
      if (e.tsips === 'parse') expect({ file: e.file, hasValues: e.values !== undefined }).toEqual({ file: e.file, hasValues: true });
      else expect({ file: e.file, points: (e.rejects ?? []).length > 0 }).toEqual({ file: e.file, points: true });
      // 3.1.1 messages are valid: tsips must parse all of them
      if (e.verdict === 'valid') expect({ file: e.file, tsips: e.tsips }).toEqual({ file: e.file, tsips: 'parse' });
      expect(e.reason.length).toBeGreaterThan(10);
    }
  });
});

describe.each(RFC4475_EXPECTATIONS.map((e) => [`${e.section} ${e.file} (${e.title})`, e] as const))('RFC 4475 %s', (_label, e) => {
  const data = readRfc4475(e.file);

  if (e.tsips === 'parse') {
    it(`parses with the values RFC 4475 describes`, () => {
      const msg = parse(data);
      checkValues(msg, e.values as MessageValues);
    });

    it('parses every header it has through its typed accessor (lazy parsing exercised)', () => {
      const msg = parse(data);
      const expectedFailures = new Set((e.rejects ?? []).map((r) => r.at));
      for (const [header, accessor] of ACCESSOR_OF_HEADER) {
        if (!msg.hasHeader(header) || expectedFailures.has(accessor)) continue;
        expect(() => callAccessor(msg, accessor)).not.toThrow();
      }
      if (msg.isRequest && !expectedFailures.has('requestUri')) expect(() => msg.requestUri()).not.toThrow();
      if (msg.body.length > 0 && msg.contentType()?.mediaType === 'application/sdp') {
        const sdp = msg.sdp();
        expect(sdp?.media.length).toBeGreaterThan(0);
      }
    });

    it('serializes unchanged to the bytes it was parsed from (datagram noise after the body excluded)', () => {
      const msg = parse(data);
      const end = headerEnd(data) + msg.body.length;
      expect(msg.toBuffer().equals(data.subarray(0, end))).toBe(true);
    });
  }

  for (const r of e.rejects ?? []) {
    it(`rejects: ${r.at === 'parse' ? 'parseMessage()' : r.at + '()'} throws ParseError naming ${r.header}`, () => {
      if (e.archiveDefect !== undefined) {
        // the shipped file fails for its own defect; the RFC's message (repaired) fails for the RFC's reason
        checkRejectPoint(data, e.archiveDefect.asShipped, `${e.file} as shipped`);
        checkRejectPoint(Buffer.concat([data, Buffer.from('\r\n')]), r, `${e.file} repaired`);
      } else checkRejectPoint(data, r, e.file);
    });
  }

  it(`records the RFC's reply for later layers (${e.reply ?? 'none'})`, () => {
    if (e.reply !== null) {
      expect(e.reply).toBeGreaterThanOrEqual(200);
      expect(e.reply).toBeLessThan(700);
      expect(e.replyBy).toBeDefined();
    }
    if (e.tsips === 'reject' && e.verdict === 'valid') throw new Error('a 3.1.1 message may not be rejected');
  });
});

describe('RFC 4475 3.1.1 valid messages: the details each section points at', () => {
  it('3.1.1.1 wsinv: folded and spaced values come out clean', () => {
    const msg = load('wsinv.dat');
    const ruri = sip(msg.requestUri());
    expect([ruri.user, ruri.host, ruri.hostType, ruri.port]).toEqual(['vivekg', 'chair-dnrc.example.com', 'domain', null]);
    expect(ruri.params).toEqual([{ name: 'unknownparam', value: null }]);
    expect(msg.vias().map((v) => v.protocol)).toEqual(['SIP/2.0', 'SIP/2.0', 'SIP/2.0']);
    expect(msg.to().params.map((p) => [p.name, p.value])).toEqual([['tag', '1918181833n']]);
    const [contact] = msg.contacts().contacts;
    expect(contact.displayName).toBe('Quoted string ""');
    expect(contact.params.map((p) => [p.name, p.value])).toEqual([
      ['newparam', 'newvalue'],
      ['secondparam', null],
      ['q', '0.33'],
    ]);
    expect(contact.q).toBe(0.33);
    expect(contact.expires).toBeNull();
    const [route] = msg.routes();
    expect(route.uri).toBe('sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    expect(sip(parseUri(route.uri)).params).toEqual([
      { name: 'lr', value: null },
      { name: 'unknownwith', value: 'value' },
      { name: 'unknown-no-value', value: null },
    ]);
    expect(msg.getHeader('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(msg.getHeader('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(msg.contentType()?.mediaType).toBe('application/sdp');
  });

  it('3.1.1.2 intmeth: unusual but legal characters everywhere', () => {
    const msg = load('intmeth.dat');
    const ruri = sip(msg.requestUri());
    expect(ruri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(ruri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(ruri.host).toBe('example.com');
    const to = sip(parseUri(msg.to().uri));
    expect([to.user, to.password, to.host]).toEqual(["1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", null, 'example.com']);
    expect(msg.from().params.map((p) => [p.name, p.value])).toEqual([
      ["fromParam''~+*_!.-%", '\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439'],
      ['tag', "_token~1'+`*%!-."],
    ]);
    // % is not an escape in a method: this is an unknown method, not INVITE
    expect(msg.method).not.toBe('INVITE');
  });

  it('3.1.1.3 esc01: %HH unescapes once, and only where "escaped" is in the grammar', () => {
    const msg = load('esc01.dat');
    const ruri = sip(msg.requestUri());
    expect(ruri.user).toBe('sips%3Auser%40example.com');
    expect(unescapeUriPart(ruri.user as string)).toBe('sips:user@example.com');
    expect(ruri.host).toBe('example.net');
    expect(unescapeUriPart(sip(parseUri(msg.to().uri)).user as string)).toBe('user');
    expect(unescapeUriPart(sip(parseUri(msg.from().uri)).user as string)).toBe('I have spaces');
    const contact = sip(parseUri(msg.contacts().contacts[0].uri));
    expect(unescapeUriPart(contact.user as string)).toBe('caller');
    expect(contact.params.map((p) => [unescapeUriPart(p.name), p.value === null ? null : unescapeUriPart(p.value)])).toEqual([
      ['lr', null],
      ['name', 'value%41'], // never unescaped twice into "valueA"
    ]);
    expect(msg.contentType()?.mediaType).toBe('application/sdp'); // compact "C:"
  });

  it('3.1.1.4 escnull: escaped NULs keep user parts at full length; two distinct contacts', () => {
    const msg = load('escnull.dat');
    const aor = unescapeUriPart(sip(parseUri(msg.to().uri)).user as string);
    expect(aor).toBe('null-\u0000-null');
    expect(aor).toHaveLength(11);
    const users = msg.contacts().contacts.map((c) => unescapeUriPart(sip(parseUri(c.uri)).user as string));
    expect(users).toEqual(['\u0000', '\u0000\u0000']);
    expect(msg.contentLength()).toBe(0); // "L:0"
  });

  it('3.1.1.5 esc02: % is literal outside URIs; C%6Fntact is not a Contact', () => {
    const msg = load('esc02.dat');
    expect(msg.method).toBe('RE%47IST%45R');
    expect(msg.cseq().method).toBe(msg.method);
    expect(msg.contacts().contacts).toHaveLength(2);
    expect(msg.headerNames()).toContain('C%6Fntact');
  });

  it('3.1.1.7 longreq: 34 Vias through every spelling of the name, long values intact', () => {
    const msg = load('longreq.dat');
    const vias = msg.vias();
    expect(vias).toHaveLength(34);
    for (let i = 0; i < 33; i++) expect(vias[i].host).toBe(`sip${33 - i}.example.com`);
    const last = vias[33];
    expect(last.host).toBe('host.example.com');
    expect(last.received).toBe('192.0.2.5');
    expect(last.branch).toBe(`very${'long'.repeat(50)}branchvalue`);
    const to = sip(parseUri(msg.to().uri));
    expect(to.port).toBe(6000);
    expect(to.params).toEqual([
      { name: 'unknownparam1', value: `very${'long'.repeat(20)}value` },
      { name: `longparam${'name'.repeat(25)}`, value: 'shortvalue' },
      { name: `very${'long'.repeat(25)}ParameterNameWithNoValue`, value: null },
    ]);
    const from = msg.from();
    expect(sip(parseUri(from.uri)).user).toBe('amazinglylongcallername'.repeat(5));
    expect(from.params.map((p) => p.name)).toEqual([
      'tag',
      `unknownheaderparam${'name'.repeat(20)}`,
      `unknownValueless${'paramname'.repeat(10)}`,
    ]);
    const unknownName = `Unknown-${'Long'.repeat(20)}-Name`;
    expect(msg.getHeader(unknownName)).toBe(
      `unknown-${'long'.repeat(20)}-value; unknown-${'long'.repeat(20)}-parameter-name = unknown-${'long'.repeat(20)}-parameter-value`,
    );
  });

  it('3.1.1.8 dblreq: the INVITE-looking noise after the body never reaches the output', () => {
    const data = readRfc4475('dblreq.dat');
    const msg = parse(data);
    expect(msg.body.length).toBe(0);
    const out = msg.toBuffer();
    expect(out.includes('INVITE')).toBe(false);
    msg.prependVia('SIP/2.0/UDP proxy.example.org;branch=z9hG4bKtsips');
    const forwarded = msg.toBuffer();
    expect(forwarded.includes('INVITE')).toBe(false);
    const again = parse(forwarded);
    expect(again.method).toBe('REGISTER');
    expect(again.vias().map((v) => v.host)).toEqual(['proxy.example.org', '192.0.2.125']);
  });

  it('3.1.1.9 semiuri: ";" in the user part is part of the user, not a URI parameter', () => {
    const msg = load('semiuri.dat');
    const ruri = sip(msg.requestUri());
    expect(ruri.user).toBe('user;par=u%40example.net');
    expect(unescapeUriPart(ruri.user as string)).toBe('user;par=u@example.net');
    expect(ruri.host).toBe('example.com');
    expect(ruri.params).toEqual([]);
    const accept = (msg.getHeader('Accept') as string).split(',').map((s) => s.trim());
    expect(accept).toEqual(['application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag']);
  });

  it('3.1.1.11 mpart01: binary body with NULs is framed by Content-Length, byte for byte', () => {
    const data = readRfc4475('mpart01.dat');
    const msg = parse(data);
    const start = headerEnd(data);
    expect(msg.body.equals(data.subarray(start, start + 553))).toBe(true);
    expect(msg.body.includes(0)).toBe(true);
    expect(msg.body.subarray(-22).toString('latin1')).toBe('--7a9cbec02ceef655--\r\n');
    const ct = msg.contentType();
    expect([ct?.type, ct?.subtype]).toEqual(['multipart', 'mixed']);
    expect(ct?.params).toEqual([{ name: 'boundary', value: '7a9cbec02ceef655' }]);
    expect(msg.topVia().rport).toBe('empty');
    const route = sip(parseUri(msg.routes()[0].uri));
    expect([route.host, route.hostType, route.port, route.user]).toEqual(['127.0.0.1', 'ipv4', 5080, null]);
    expect(msg.sdp()).toBeNull();
  });

  it('3.1.1.12/13 unreason, noreason: replies have no Request-URI', () => {
    for (const f of ['unreason.dat', 'noreason.dat']) {
      const msg = load(f);
      expect(msg.isRequest).toBe(false);
      expect(msg.method).toBe('');
      expect(msg.ruri).toBe('');
      expect(parseErrorOf(() => msg.requestUri(), f).header).toBe('start-line');
    }
  });

  it('answers every valid request with a reply that copies Via, From, To, Call-ID, CSeq (RFC 3261 §8.2.6)', () => {
    const requests = RFC4475_EXPECTATIONS.filter((e) => e.verdict === 'valid' && e.tsips === 'parse').map((e) => e.file);
    let replied = 0;
    for (const f of requests) {
      const req = load(f);
      if (!req.isRequest) continue;
      const reply = parse(buildReply(req, 486, 'Busy Here', { toTag: 'tsips486' }));
      expect({ f, status: reply.status, reason: reply.reason }).toEqual({ f, status: 486, reason: 'Busy Here' });
      expect({ f, vias: reply.vias().map((v) => [v.host, v.branch]) }).toEqual({ f, vias: req.vias().map((v) => [v.host, v.branch]) });
      expect({ f, callId: reply.callId(), cseq: reply.cseq() }).toEqual({ f, callId: req.callId(), cseq: req.cseq() });
      expect({ f, from: reply.from().tag }).toEqual({ f, from: req.from().tag });
      expect({ f, to: reply.to().tag }).toEqual({ f, to: req.to().tag ?? 'tsips486' });
      replied++;
    }
    expect(replied).toBe(11);
  });

  it('forwards every valid request through a proxy edit (R-URI, Via, header) without disturbing the rest', () => {
    for (const e of RFC4475_EXPECTATIONS) {
      if (e.verdict !== 'valid') continue;
      const data = readRfc4475(e.file);
      const msg = parse(data);
      if (!msg.isRequest) continue;
      const body = Buffer.from(msg.body);
      const vias = msg.vias().map((v) => v.host);
      msg.setRuri('sip:next-hop@example.net');
      msg.prependVia('SIP/2.0/UDP proxy.example.org;branch=z9hG4bKfwd');
      msg.addHeader('X-Tsips', 'forwarded');
      const out = parse(msg.toBuffer());
      expect({ f: e.file, ruri: out.ruri, method: out.method }).toEqual({ f: e.file, ruri: 'sip:next-hop@example.net', method: msg.method });
      expect({ f: e.file, vias: out.vias().map((v) => v.host) }).toEqual({ f: e.file, vias: ['proxy.example.org', ...vias] });
      expect({ f: e.file, x: out.getHeader('X-Tsips') }).toEqual({ f: e.file, x: 'forwarded' });
      expect({ f: e.file, callId: out.callId(), cseq: out.cseq() }).toEqual({ f: e.file, callId: msg.callId(), cseq: msg.cseq() });
      expect({ f: e.file, body: out.body.equals(body) }).toEqual({ f: e.file, body: true });
    }
  });
});

describe('RFC 4475 3.1.2 invalid messages: beyond the reject points', () => {
  it('3.1.2.2 clerr: on a stream the framer waits for the missing octets instead of failing', () => {
    const framer = new StreamFramer();
    expect(framer.push(readRfc4475('clerr.dat'))).toEqual([]);
    expect(framer.buffered).toBe(readRfc4475('clerr.dat').length);
  });

  it('3.1.2.3 ncl: on a stream a negative Content-Length is an unrecoverable framing error', () => {
    const framer = new StreamFramer();
    const e = parseErrorOf(() => framer.push(readRfc4475('ncl.dat')), 'StreamFramer.push(ncl)');
    expect(e.header).toBe('Content-Length');
  });

  it('3.1.2.16 badvers: the version is kept (for a 505), also in the Via', () => {
    const msg = load('badvers.dat');
    expect(msg.version).toBe('SIP/7.0');
    expect(msg.topVia().protocol).toBe('SIP/7.0');
  });

  it('3.1.2.12 baddate: Date is carried as raw text', () => {
    const msg = load('baddate.dat');
    expect(msg.getHeader('date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
    expect(msg.toBuffer().equals(readRfc4475('baddate.dat'))).toBe(true);
  });

  it('3.1.2.19 bigcode: a 10-digit status code never wraps into a valid one', () => {
    const e = parseErrorOf(() => load('bigcode.dat'), 'bigcode');
    expect(e.header).toBe('start-line');
    // the error points into the status code, not past the line
    expect(e.offset).toBeGreaterThanOrEqual('SIP/2.0 '.length);
    expect(e.offset).toBeLessThanOrEqual('SIP/2.0 4294967301'.length);
  });
});

describe('RFC 4475 3.2-3.4: syntactically valid, semantics for later layers', () => {
  it('3.3.2/3.3.3 unkscm, novelsc: unknown schemes parse as absolute URIs', () => {
    const unk = load('unkscm.dat').requestUri();
    expect([unk.scheme, unk.raw]).toEqual(['nobodyknowsthisscheme', 'nobodyKnowsThisScheme:totallyopaquecontent']);
    expect(isSipUri(unk)).toBe(false);
    const beep = load('novelsc.dat').requestUri();
    expect([beep.scheme, beep.raw]).toEqual(['soap.beep', 'soap.beep://192.0.2.103:3002']);
  });

  it('3.3.4 unksm2: non-SIP URIs in To, From and Contact', () => {
    const msg = load('unksm2.dat');
    expect(parseUri(msg.to().uri).scheme).toBe('isbn');
    expect(parseUri(msg.from().uri).scheme).toBe('http');
    expect(parseUri(msg.contacts().contacts[0].uri).scheme).toBe('name');
  });

  it('3.3.5 bext01: Require and Proxy-Require list the unknown option tags', () => {
    const msg = load('bext01.dat');
    expect(parseTokenList(msg.getHeader('Require') as string)).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    expect(parseTokenList(msg.getHeader('Proxy-Require') as string)).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  });

  it('3.3.6 invut: an unknown body type is opaque (no SDP)', () => {
    const msg = load('invut.dat');
    expect(msg.sdp()).toBeNull();
    expect(msg.bodyText()).toBe('<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
  });

  it('3.3.7 regaut01: an unknown auth scheme still yields its parameters', () => {
    const msg = load('regaut01.dat');
    const cred = parseCredentials(msg.getHeader('Authorization') as string);
    expect(cred.scheme).toBe('NoOneKnowsThisScheme');
    expect(cred.params).toEqual([{ name: 'opaque-data', value: 'here' }]);
    expect(cred.username).toBeUndefined();
  });

  it('3.3.8 multi01: single-valued headers twice: first occurrence read, duplicates visible', () => {
    const msg = load('multi01.dat');
    expect(msg.getHeaders('Call-ID')).toEqual(['multi01.98asdh@192.0.2.1', 'multi01.98asdh@192.0.2.2']);
    expect(msg.getHeaders('CSeq')).toEqual(['5 INVITE', '59 INVITE']);
    expect(msg.getHeaders('Max-Forwards')).toEqual(['70', '5']);
  });

  it('3.3.9 mcl01: on a stream, conflicting Content-Length values are an unrecoverable framing error', () => {
    const framer = new StreamFramer();
    const e = parseErrorOf(() => framer.push(readRfc4475('mcl01.dat')), 'StreamFramer.push(mcl01)');
    expect(e.header).toBe('Content-Length');
    // the connection cannot be resynchronised: later data keeps failing
    expect(() => framer.push(readRfc4475('zeromf.dat'))).toThrow(ParseError);
  });

  it('3.3.10 bcast: the broadcast sent-by is parsed as an IPv4 address', () => {
    const msg = load('bcast.dat');
    expect(msg.vias()[1].hostType).toBe('ipv4');
  });

  it('3.3.12/3.3.13 cparam01, cparam02: contact-param versus url-param', () => {
    const c1 = load('cparam01.dat').contacts().contacts[0];
    expect(c1.params).toEqual([{ name: 'unknownparam', value: null }]);
    expect(sip(parseUri(c1.uri)).params).toEqual([]);
    const c2 = load('cparam02.dat').contacts().contacts[0];
    expect(c2.params).toEqual([]);
    const u2 = sip(parseUri(c2.uri));
    expect(u2.params).toEqual([{ name: 'unknownparam', value: null }]);
    expect(u2.user).toBe('+19725552222');
  });

  it('3.3.14 regescrt: an escaped Route header inside a bracketed Contact URI', () => {
    const uri = sip(parseUri(load('regescrt.dat').contacts().contacts[0].uri));
    expect(uri.headers).toEqual([{ name: 'Route', value: '%3Csip:sip.example.com%3E' }]);
    expect(unescapeUriPart(uri.headers[0].value as string)).toBe('<sip:sip.example.com>');
  });

  it('3.4.1 inv2543: RFC 2543 leftovers (no branch, no tags, parameters outside <>)', () => {
    const data = readRfc4475('inv2543.dat');
    const msg = parse(data);
    expect(msg.body.equals(data.subarray(headerEnd(data)))).toBe(true);
    expect(msg.to().params).toEqual([{ name: 'user', value: 'phone' }]);
    expect(sip(parseUri(msg.from().uri)).params).toEqual([{ name: 'user', value: 'phone' }]);
    const rr = sip(parseUri(msg.recordRoutes()[0].uri));
    expect(rr.params).toEqual([{ name: 'maddr', value: 'ss1.example.com' }]);
    const reply = parse(buildReply(msg, 180, 'Ringing', { toTag: 'rr180' }));
    expect(reply.to().tag).toBe('rr180');
    expect(reply.topVia().branch).toBeNull();
  });
});

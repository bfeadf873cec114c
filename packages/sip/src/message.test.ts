import fc from 'fast-check';
import { ParseError } from './errors';
import { parseMessage, unfold } from './message';
import { parseTokenList } from './headers/token-list';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

const SDP = ['v=0', 'o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com', 's=-', 'c=IN IP4 192.0.2.101', 't=0 0', 'm=audio 49172 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

function invite(extra: string[] = [], body = SDP): Buffer {
  return crlf([
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>',
    ...extra,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ]);
}

function parseError(f: () => unknown): ParseError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('parseMessage: start line', () => {
  it('parses a request line', () => {
    const m = parseMessage(invite());
    expect(m.isRequest).toBe(true);
    expect(m.method).toBe('INVITE');
    expect(m.ruri).toBe('sip:bob@biloxi.example.com');
    expect(m.version).toBe('SIP/2.0');
    expect(m.status).toBe(0);
    expect(m.reason).toBe('');
  });

  it('parses a status line, with a UTF-8 reason phrase', () => {
    const m = parseMessage(crlf(['SIP/2.0 180 Ça sonne', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Length: 0', '', '']));
    expect(m.isRequest).toBe(false);
    expect(m.status).toBe(180);
    expect(m.reason).toBe('Ça sonne');
    expect(m.method).toBe('');
    expect(m.ruri).toBe('');
  });

  it('accepts a status line without reason phrase', () => {
    const m = parseMessage(crlf(['SIP/2.0 200', 'Content-Length: 0', '', '']));
    expect(m.status).toBe(200);
    expect(m.reason).toBe('');
  });

  it('keeps an unknown method and an unusual version as written', () => {
    const m = parseMessage(crlf(['NEWMETHOD sip:x@y SIP/7.0', 'Content-Length: 0', '', '']));
    expect(m.method).toBe('NEWMETHOD');
    expect(m.version).toBe('SIP/7.0');
  });

  it('skips CRLFs before the start line (RFC 3261 §7.5)', () => {
    const m = parseMessage(Buffer.from('\r\n\r\nOPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    expect(m.method).toBe('OPTIONS');
    expect(m.layout.start).toBe(4);
    expect(m.toBuffer().toString()).toBe('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n');
  });

  it.each([
    ['empty', '', 'empty message', 0],
    ['only CRLFs', '\r\n\r\n', 'empty message', 4],
    ['no line end', 'INVITE sip:x SIP/2.0', 'start line is not terminated by CRLF', 20],
    ['no spaces', 'INVITE\r\n\r\n', 'start line has no SP-separated parts', 0],
    ['missing version', 'INVITE sip:x\r\n\r\n', 'request line needs Method SP Request-URI SP SIP-Version', 7],
    ['double space', 'INVITE  sip:x SIP/2.0\r\n\r\n', 'empty Request-URI (extra SP in request line)', 7],
    ['space in R-URI', 'INVITE sip:x y SIP/2.0\r\n\r\n', 'bad SIP-Version in request line', 13],
    ['bad version', 'INVITE sip:x SIP/2\r\n\r\n', 'bad SIP-Version in request line', 13],
    ['bad method', 'INV(TE sip:x SIP/2.0\r\n\r\n', 'method is not a token', 3],
    ['tab in R-URI', 'INVITE sip:\tx SIP/2.0\r\n\r\n', 'control character or whitespace in Request-URI', 11],
    // the request-line fast path hands these to the checking path
    ['tab after the method', 'INVITE\tsip:x SIP/2.0\r\n\r\n', 'method is not a token', 6],
    ['8-bit method', 'INV\xc9TE sip:x SIP/2.0\r\n\r\n', 'method is not a token', 3],
    ['DEL in R-URI', 'INVITE sip:x\x7fy SIP/2.0\r\n\r\n', 'control character or whitespace in Request-URI', 12],
    ['NUL in R-URI', 'INVITE sip:\x00 SIP/2.0\r\n\r\n', 'control character or whitespace in Request-URI', 11],
    ['R-URI up to the line end', 'INVITE sip:x\r\n\r\n', 'request line needs Method SP Request-URI SP SIP-Version', 7],
    ['status too big', 'SIP/2.0 700 Nope\r\n\r\n', 'status code must be three digits 100-699', 8],
    ['status too short', 'SIP/2.0 20 OK\r\n\r\n', 'status code must be three digits 100-699', 8],
    ['status too long', 'SIP/2.0 2000 OK\r\n\r\n', 'status code must be followed by SP', 11],
  ])('rejects a bad start line: %s', (_what, text, message, offset) => {
    const e = parseError(() => parseMessage(Buffer.from(text, 'latin1')));
    expect(e.header).toBe('start-line');
    expect(e.message).toBe(`start-line: ${message} (at offset ${offset})`);
    expect(e.offset).toBe(offset);
  });

  it('rejects a non-Buffer with a ParseError', () => {
    expect(parseError(() => parseMessage('INVITE' as unknown as Buffer)).header).toBe('message');
  });
});

describe('parseMessage: headers', () => {
  it('indexes every header line with names as written', () => {
    const m = parseMessage(invite());
    expect(m.headerNames()).toEqual(['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length']);
    expect(m.headerLineCount).toBe(9);
  });

  it('looks names up case-insensitively and through compact forms', () => {
    const m = parseMessage(
      crlf([
        'INVITE sip:b@x SIP/2.0',
        'v: SIP/2.0/UDP a;branch=z9hG4bK1',
        'i: abc@x',
        'f: <sip:a@x>;tag=1',
        't: <sip:b@x>',
        'm: <sip:a@1.2.3.4>',
        'CSEQ: 1 INVITE',
        'k: timer',
        'o: presence',
        'u: dialog',
        'r: <sip:c@x>',
        'b: <sip:d@x>',
        'x: 1800',
        's: hi',
        'e: gzip',
        'a: *;audio',
        'j: *;video',
        'd: proxy',
        'y: sig',
        'n: <https://x/cert>',
        'c: text/plain',
        'l: 0',
        '',
        '',
      ]),
    );
    expect(m.getHeader('Via')).toBe('SIP/2.0/UDP a;branch=z9hG4bK1');
    expect(m.getHeader('VIA')).toBe('SIP/2.0/UDP a;branch=z9hG4bK1');
    expect(m.getHeader('call-id')).toBe('abc@x');
    expect(m.getHeader('From')).toBe('<sip:a@x>;tag=1');
    expect(m.getHeader('To')).toBe('<sip:b@x>');
    expect(m.getHeader('Contact')).toBe('<sip:a@1.2.3.4>');
    expect(m.getHeader('cseq')).toBe('1 INVITE');
    expect(m.getHeader('Supported')).toBe('timer');
    expect(m.getHeader('Event')).toBe('presence');
    expect(m.getHeader('Allow-Events')).toBe('dialog');
    expect(m.getHeader('Refer-To')).toBe('<sip:c@x>');
    expect(m.getHeader('Referred-By')).toBe('<sip:d@x>');
    expect(m.getHeader('Session-Expires')).toBe('1800');
    expect(m.getHeader('Subject')).toBe('hi');
    expect(m.getHeader('Content-Encoding')).toBe('gzip');
    expect(m.getHeader('Accept-Contact')).toBe('*;audio');
    expect(m.getHeader('Reject-Contact')).toBe('*;video');
    expect(m.getHeader('Request-Disposition')).toBe('proxy');
    expect(m.getHeader('Identity')).toBe('sig');
    expect(m.getHeader('Identity-Info')).toBe('<https://x/cert>');
    expect(m.getHeader('Content-Type')).toBe('text/plain');
    expect(m.getHeader('content-length')).toBe('0');
    expect(m.getHeader('l')).toBe('0');
    // the reverse: compact name looked up when the long one was written
    expect(parseMessage(invite()).getHeader('i')).toBe('a84b4c76e66710@pc33.atlanta.example.com');
  });

  it('finds unknown headers case-insensitively', () => {
    const m = parseMessage(invite(['X-Custom-Thing: one', 'x-custom-thing: two', 'P-Foo: bar']));
    expect(m.getHeader('x-CUSTOM-thing')).toBe('one');
    expect(m.getHeaders('X-Custom-Thing')).toEqual(['one', 'two']);
    expect(m.headerCount('x-custom-thing')).toBe(2);
    expect(m.hasHeader('p-foo')).toBe(true);
    expect(m.hasHeader('X-Absent')).toBe(false);
    expect(m.getHeader('X-Absent')).toBeUndefined();
    expect(m.getHeaders('X-Absent')).toEqual([]);
  });

  it('keeps repeated headers in order and leaves comma-separated values to the typed parsers', () => {
    const m = parseMessage(
      invite(['Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>', 'Route: <sip:p3.example.com;lr>', 'Via: SIP/2.0/TCP second.example.com;branch=z9hG4bK2']),
    );
    expect(m.getHeaders('Route')).toEqual(['<sip:p1.example.com;lr>, <sip:p2.example.com;lr>', '<sip:p3.example.com;lr>']);
    expect(m.headerCount('Via')).toBe(2);
    expect(m.routes().map((r) => r.uri)).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr', 'sip:p3.example.com;lr']);
    expect(m.vias().map((v) => v.host)).toEqual(['pc33.atlanta.example.com', 'second.example.com']);
  });

  it('unfolds continuation lines into one SP', () => {
    const m = parseMessage(
      crlf(['OPTIONS sip:x SIP/2.0', 'Subject: I know you\'re there,  ', '   pick up the phone', '\tand talk to me!', 'X-Empty-Start:', '  late value', 'Content-Length: 0', '', '']),
    );
    expect(m.getHeader('Subject')).toBe("I know you're there, pick up the phone and talk to me!");
    expect(m.getHeader('X-Empty-Start')).toBe('late value');
    expect(m.headerNames()).toEqual(['Subject', 'X-Empty-Start', 'Content-Length']);
  });

  it('trims whitespace around values and accepts whitespace before the colon', () => {
    const m = parseMessage(crlf(['OPTIONS sip:x SIP/2.0', 'Call-ID   :   abc  ', 'X-Empty:', 'Content-Length: 0', '', '']));
    expect(m.getHeader('Call-ID')).toBe('abc');
    expect(m.headerNames()[0]).toBe('Call-ID');
    expect(m.getHeader('X-Empty')).toBe('');
  });

  it('decodes UTF-8 in header values on access', () => {
    const m = parseMessage(invite(['Subject: Grüße 日本']));
    expect(m.getHeader('Subject')).toBe('Grüße 日本');
  });

  it('decodes UTF-8 values read after many short ASCII ones (byte checks, then the whole-message check)', () => {
    const short = Array.from({ length: 12 }, (_, i) => `X-H${i}: value-${i}`);
    for (const subject of ['Grüße', 'x'.repeat(70) + 'é']) {
      const m = parseMessage(invite([...short, `Subject: ${subject}`, 'X-Last: plain']));
      const names = m.headerNames();
      const values = names.map((_, i) => m.headerValue(i));
      expect(values[names.indexOf('Subject')]).toBe(subject);
      expect(values[names.indexOf('X-H11')]).toBe('value-11');
      expect(m.getHeader('X-Last')).toBe('plain');
    }
  });

  it('accepts LF-only line ends (and mixed ones)', () => {
    const text = 'MESSAGE sip:x SIP/2.0\nCall-ID: abc\r\nSubject: a\n b\nContent-Length: 5\n\nhello';
    const m = parseMessage(Buffer.from(text));
    expect(m.getHeader('Call-ID')).toBe('abc');
    expect(m.getHeader('Subject')).toBe('a b');
    expect(m.bodyText()).toBe('hello');
  });

  it.each([
    ['bare CR inside a value', 'OPTIONS sip:x SIP/2.0\r\nSubject: a\rX-Evil: 1\r\nContent-Length: 0\r\n\r\n', 'header: bare CR in header section (at offset 33)'],
    ['CR-only line ends', 'OPTIONS sip:x SIP/2.0\rCall-ID: a\r\r', 'start-line: start line is not terminated by CRLF (at offset 34)'],
    ['no colon', 'OPTIONS sip:x SIP/2.0\r\nCall-ID abc\r\n\r\n', 'header: header line has no colon (at offset 23)'],
    ['empty name', 'OPTIONS sip:x SIP/2.0\r\n: abc\r\n\r\n', 'header: empty header name (at offset 23)'],
    ['name not a token', 'OPTIONS sip:x SIP/2.0\r\nCall ID: abc\r\n\r\n', 'header: header name is not a token (at offset 27)'],
    ['continuation first', 'OPTIONS sip:x SIP/2.0\r\n folded: x\r\n\r\n', 'header: continuation line without a header before it (at offset 23)'],
    ['no empty line', 'OPTIONS sip:x SIP/2.0\r\nCall-ID: abc\r\n', 'header: header section does not end with an empty line (at offset 37)'],
    ['unterminated header', 'OPTIONS sip:x SIP/2.0\r\nCall-ID: abc', 'header: header section does not end with an empty line (at offset 23)'],
  ])('rejects malformed header sections: %s', (_what, text, message) => {
    expect(parseError(() => parseMessage(Buffer.from(text, 'latin1'))).message).toBe(message);
  });
});

describe('parseMessage: body', () => {
  it('takes the body by Content-Length', () => {
    const m = parseMessage(invite());
    expect(m.bodyText()).toBe(SDP);
    expect(m.contentLength()).toBe(Buffer.byteLength(SDP));
  });

  it('datagram: a longer body is cut to Content-Length (RFC 3261 §18.3)', () => {
    const m = parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 5\r\n\r\nhello, world'));
    expect(m.bodyText()).toBe('hello');
    expect(m.toBuffer().toString()).toBe('MESSAGE sip:x SIP/2.0\r\nContent-Length: 5\r\n\r\nhello');
  });

  it('datagram: a shorter body is an error', () => {
    const e = parseError(() => parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nl: 50\r\n\r\nhello')));
    expect(e.message).toBe('Content-Length: body is 5 bytes, Content-Length says 50 (at offset 37)');
  });

  it('datagram with keepShortBody: a shorter body is kept as it arrived', () => {
    const m = parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nl: 50\r\n\r\nhello'), { keepShortBody: true });
    expect(m.bodyText()).toBe('hello');
    expect(m.contentLength()).toBe(50);
    expect(() => parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nl: 50\r\n\r\nhello'), { transport: 'stream', keepShortBody: true })).toThrow(ParseError);
  });

  it('datagram: no Content-Length means the rest of the datagram', () => {
    const m = parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\n\r\nhello'));
    expect(m.bodyText()).toBe('hello');
    expect(m.contentLength()).toBe(5);
  });

  it('stream: Content-Length is mandatory and must match exactly', () => {
    const ok = parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 5\r\n\r\nhello'), { transport: 'stream' });
    expect(ok.bodyText()).toBe('hello');
    expect(ok.fromStream).toBe(true);
    expect(parseError(() => parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\n\r\nhello'), { transport: 'stream' })).message).toBe(
      'Content-Length: Content-Length is mandatory on stream transports (at offset 35)',
    );
    expect(parseError(() => parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 2\r\n\r\nhello'), { transport: 'stream' })).message).toBe(
      'Content-Length: 3 bytes after the body on a stream message (at offset 46)',
    );
  });

  it.each([
    ['not a number', 'Content-Length: 1x', 'Content-Length: Content-Length is not a number (at offset 40)'],
    ['negative', 'Content-Length: -1', 'Content-Length: Content-Length is not a number (at offset 39)'],
    ['empty', 'Content-Length: ', 'Content-Length: empty Content-Length (at offset 39)'],
    ['huge', 'Content-Length: 99999999999999999999', 'Content-Length: Content-Length too large (at offset 39)'],
    ['conflicting', 'Content-Length: 0\r\nl: 1', 'Content-Length: conflicting Content-Length values (at offset 45)'],
  ])('rejects a bad Content-Length: %s', (_what, line, message) => {
    expect(parseError(() => parseMessage(Buffer.from(`MESSAGE sip:x SIP/2.0\r\n${line}\r\n\r\n`))).message).toBe(message);
  });

  it('accepts repeated equal Content-Length values', () => {
    expect(parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 2\r\nl: 2\r\n\r\nhi')).bodyText()).toBe('hi');
  });

  it('keeps binary bodies byte for byte', () => {
    const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a]);
    const m = parseMessage(Buffer.concat([Buffer.from(`MESSAGE sip:x SIP/2.0\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bin.length}\r\n\r\n`), bin]));
    expect(m.body.equals(bin)).toBe(true);
  });
});

describe('typed accessors', () => {
  it('parse the INVITE', () => {
    const m = parseMessage(invite());
    expect(m.topVia().branch).toBe('z9hG4bK776asdhds');
    expect(m.topVia().host).toBe('pc33.atlanta.example.com');
    expect(m.vias()).toHaveLength(1);
    expect(m.callId()).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.cseq()).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.from().tag).toBe('1928301774');
    expect(m.from().displayName).toBe('Alice');
    expect(m.to().tag).toBeNull();
    expect(m.to().uri).toBe('sip:bob@biloxi.example.com');
    expect(m.contacts().star).toBe(false);
    expect(m.contacts().contacts.map((c) => c.uri)).toEqual(['sip:alice@pc33.atlanta.example.com']);
    expect(m.maxForwards()).toBe(70);
    expect(m.contentType()?.mediaType).toBe('application/sdp');
    expect(m.expires()).toBeNull();
    expect(m.routes()).toEqual([]);
    expect(m.recordRoutes()).toEqual([]);
    const uri = m.requestUri();
    expect(uri.scheme).toBe('sip');
    expect('user' in uri && uri.user).toBe('bob');
    const sdp = m.sdp();
    expect(sdp?.media[0].port).toBe(49172);
    expect(sdp?.connection?.address).toBe('192.0.2.101');
  });

  it('cache their results', () => {
    const m = parseMessage(invite());
    expect(m.topVia()).toBe(m.topVia());
    expect(m.cseq()).toBe(m.cseq());
    expect(m.from()).toBe(m.from());
    expect(m.vias()).toBe(m.vias());
    expect(m.sdp()).toBe(m.sdp());
    expect(m.requestUri()).toBe(m.requestUri());
  });

  it('merge Contact lines; "*" must stand alone', () => {
    const m = parseMessage(invite(['Contact: <sip:a@2.2.2.2>;expires=60, <sip:a@3.3.3.3>;q=0.5']));
    expect(m.contacts().contacts.map((c) => c.uri)).toEqual(['sip:alice@pc33.atlanta.example.com', 'sip:a@2.2.2.2', 'sip:a@3.3.3.3']);
    expect(m.contacts().contacts[1].expires).toBe(60);
    const star = parseMessage(crlf(['REGISTER sip:x SIP/2.0', 'Contact: *', 'Expires: 0', 'Content-Length: 0', '', '']));
    expect(star.contacts()).toEqual({ star: true, contacts: [] });
    expect(star.expires()).toBe(0);
    const mixed = parseMessage(crlf(['REGISTER sip:x SIP/2.0', 'Contact: *', 'Contact: <sip:a@b>', 'Content-Length: 0', '', '']));
    expect(parseError(() => mixed.contacts()).message).toMatch(/^Contact: "\*" must be the only Contact/);
  });

  it('report missing required headers as ParseError', () => {
    const m = parseMessage(crlf(['OPTIONS sip:x SIP/2.0', 'Content-Length: 0', '', '']));
    expect(parseError(() => m.topVia()).message).toBe('Via: missing header (at offset 42)');
    expect(parseError(() => m.vias()).header).toBe('Via');
    expect(parseError(() => m.callId()).header).toBe('Call-ID');
    expect(parseError(() => m.cseq()).header).toBe('CSeq');
    expect(parseError(() => m.from()).header).toBe('From');
    expect(parseError(() => m.to()).header).toBe('To');
    expect(m.contacts()).toEqual({ star: false, contacts: [] });
    expect(m.maxForwards()).toBeNull();
    expect(m.contentType()).toBeNull();
    expect(m.sdp()).toBeNull();
  });

  it('report a typed parser error with the header name and the offset in the message', () => {
    const m = parseMessage(invite(['X-Pad: 1'], '').subarray(0));
    const bad = parseMessage(Buffer.from(m.toBuffer().toString().replace('CSeq: 314159 INVITE', 'CSeq: abc INVITE')));
    const e = parseError(() => bad.cseq());
    expect(e.header).toBe('CSeq');
    const cseqValue = bad.toBuffer().toString('latin1').indexOf('abc INVITE');
    expect(e.offset).toBeGreaterThanOrEqual(cseqValue);
    expect(e.offset).toBeLessThan(cseqValue + 3 + 1);
  });

  it('requestUri() is a ParseError on replies', () => {
    const r = parseMessage(crlf(['SIP/2.0 200 OK', 'Content-Length: 0', '', '']));
    expect(parseError(() => r.requestUri()).message).toBe('start-line: a reply has no Request-URI (at offset 0)');
  });

  it('sdp() is null for other content types and for an empty body', () => {
    const txt = parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi'));
    expect(txt.sdp()).toBeNull();
    const empty = parseMessage(crlf(['ACK sip:x SIP/2.0', 'Content-Type: application/sdp', 'Content-Length: 0', '', '']));
    expect(empty.sdp()).toBeNull();
  });

  it('parsedHeader runs any body parser over every line of a header', () => {
    const m = parseMessage(invite(['Allow: INVITE, ACK', 'Allow: BYE']));
    expect(m.parsedHeader('allow', (v) => v.split(/, */))).toEqual([['INVITE', 'ACK'], ['BYE']]);
    expect(m.parsedHeader('X-None', (v) => v)).toEqual([]);
  });

  it('parsedHeader with parseTokenList: plain, folded and UTF-8 lines, errors named and placed', () => {
    const m = parseMessage(invite(['Supported: timer, 100rel', 'Supported: path,', '  replaces', 'Supported:']));
    expect(m.parsedHeader('Supported', parseTokenList)).toEqual([['timer', '100rel'], ['path', 'replaces'], []]);
    const bad = parseMessage(invite(['Require: foo;bar']));
    const e = parseError(() => bad.parsedHeader('Require', parseTokenList));
    expect(e.header).toBe('Require');
    expect(e.offset).toBe(bad.data.indexOf('foo;bar') + 3);
    const utf8 = parseMessage(invite(['Require: fooé']));
    expect(parseError(() => utf8.parsedHeader('Require', parseTokenList)).header).toBe('Require');
  });
});

describe('laziness', () => {
  const broken = () =>
    invite([
      'Contact: <<<not a contact',
      'Record-Route: garbage >',
      'Expires: soon',
      'Route: <sip:',
    ]).toString('latin1').replace('Content-Type: application/sdp', 'Content-Type: ///').replace('Max-Forwards: 70', 'Max-Forwards: lots');

  it('a minimal proxy parse never touches malformed unread headers', () => {
    const m = parseMessage(Buffer.from(broken(), 'latin1'));
    expect(m.method).toBe('INVITE');
    expect(m.ruri).toBe('sip:bob@biloxi.example.com');
    expect(m.topVia().branch).toBe('z9hG4bK776asdhds');
    expect(m.callId()).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.cseq().seq).toBe(314159);
    expect(m.from().tag).toBe('1928301774');
    expect(m.toBuffer().toString('latin1')).toBe(broken());
  });

  it('the malformed headers fail only when asked for, each with its own name', () => {
    const m = parseMessage(Buffer.from(broken(), 'latin1'));
    expect(parseError(() => m.contacts()).header).toBe('Contact');
    expect(parseError(() => m.recordRoutes()).header).toBe('Record-Route');
    expect(parseError(() => m.expires()).header).toBe('Expires');
    expect(parseError(() => m.maxForwards()).header).toBe('Max-Forwards');
    expect(parseError(() => m.routes()).header).toBe('Route');
    expect(parseError(() => m.contentType()).header).toBe('Content-Type');
  });

  it('a broken SDP does not fail the message parse', () => {
    const m = parseMessage(invite([], 'this is not sdp\r\n'));
    expect(m.callId()).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(parseError(() => m.sdp()).header).toBe('body');
  });

  it('topVia() parses only the first Via line', () => {
    const m = parseMessage(invite(['Via: SIP/2.0/UDP ???;;;']));
    expect(m.topVia().branch).toBe('z9hG4bK776asdhds');
    expect(parseError(() => m.vias()).header).toBe('Via');
  });
});

describe('unfold', () => {
  it('turns each line break with its surrounding whitespace into one SP', () => {
    expect(unfold('a \r\n  b\n\tc')).toBe('a b c');
    expect(unfold('plain')).toBe('plain');
  });

  it('stays linear on long whitespace runs', () => {
    const s = 'a' + ' '.repeat(60000) + '\r\n b';
    expect(unfold(s)).toBe('a b');
  });
});


describe('request consistency checks', () => {
  it('cseq() rejects a CSeq method that differs from the request method', () => {
    const m = parseMessage(crlf(['OPTIONS sip:x SIP/2.0', 'CSeq: 8 INVITE', 'Content-Length: 0', '', '']));
    expect(parseError(() => m.cseq()).message).toBe('CSeq: method INVITE does not match the request method OPTIONS (at offset 29)');
    const reply = parseMessage(crlf(['SIP/2.0 200 OK', 'CSeq: 8 INVITE', 'Content-Length: 0', '', '']));
    expect(reply.cseq()).toEqual({ seq: 8, method: 'INVITE' });
  });

  it('requestUri() rejects URI headers in the Request-URI (RFC 3261 §19.1.1)', () => {
    const m = parseMessage(crlf(['INVITE sip:user@example.com?Route=%3Csip:a%3E SIP/2.0', 'Content-Length: 0', '', '']));
    expect(parseError(() => m.requestUri()).message).toBe('Request-URI: headers ("?...") are not allowed in a Request-URI (at offset 27)');
    expect(m.ruri).toBe('sip:user@example.com?Route=%3Csip:a%3E');
  });
});

describe('headerValue', () => {
  it('returns the value of the i-th line, aligned with headerNames()', () => {
    const m = parseMessage(crlf(['OPTIONS sip:x SIP/2.0', 'X-A: 1', 'Subject: a', ' b', 'l: 0', '', '']));
    expect(m.headerNames()).toEqual(['X-A', 'Subject', 'l']);
    expect([0, 1, 2].map((i) => m.headerValue(i))).toEqual(['1', 'a b', '0']);
    expect(m.headerValue(3)).toBeUndefined();
    expect(m.headerValue(-1)).toBeUndefined();
    expect(m.headerValue(0.5)).toBeUndefined();
  });
});

describe('robustness (property)', () => {
  const base = invite(['Route: <sip:p1;lr>', 'Subject: a', ' b']);

  it('only ParseError escapes parsing and every accessor, for mutated messages', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(base.length), (flips, cut) => {
        const data = Buffer.from(base.subarray(0, Math.max(1, cut)));
        for (const [at, byte] of flips) if (at < data.length) data[at] = byte;
        let m;
        try {
          m = parseMessage(data);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
          return;
        }
        const msg = m;
        const accessors: Array<() => unknown> = [
          () => msg.vias(), () => msg.topVia(), () => msg.callId(), () => msg.cseq(), () => msg.from(), () => msg.to(),
          () => msg.contacts(), () => msg.maxForwards(), () => msg.contentType(), () => msg.expires(), () => msg.routes(),
          () => msg.recordRoutes(), () => msg.requestUri(), () => msg.sdp(), () => msg.headerNames().map((n) => msg.getHeaders(n)),
        ];
        for (const f of accessors) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        }
        // unmodified serialization is the received message itself
        expect(msg.toBuffer().equals(data.subarray(msg.layout.start, msg.layout.bodyStart + msg.layout.bodyLength))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('edits then re-parse give back what was set', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.string({ maxLength: 40 }), (user, bodyText) => {
        const m = parseMessage(base);
        m.setRuri(`sip:${user}@example.net`);
        m.prependVia(`SIP/2.0/UDP proxy.example.net;branch=z9hG4bK${user}`);
        m.setBody(bodyText, 'text/plain');
        const again = parseMessage(m.toBuffer());
        expect(again.ruri).toBe(`sip:${user}@example.net`);
        expect(again.topVia().branch).toBe(`z9hG4bK${user}`);
        expect(again.vias()).toHaveLength(2);
        expect(again.bodyText()).toBe(bodyText);
        expect(again.contentLength()).toBe(Buffer.byteLength(bodyText));
        expect(again.getHeader('Subject')).toBe('a b');
      }),
      { numRuns: 500 },
    );
  });
});

describe('folding edge cases', () => {
  it('a whitespace-only continuation line adds nothing to the value', () => {
    const m = parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\nTo: <sip:a@b>\r\n   \r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n'));
    expect(m.getHeader('To')).toBe('<sip:a@b>');
    expect(m.headerNames()).toEqual(['To', 'Call-ID', 'Content-Length']);
    expect(m.toBuffer().toString()).toContain('To: <sip:a@b>\r\n   \r\nCall-ID');
  });
});

describe('cheap accessors (topViaBranch, fromTag, toTag)', () => {
  it('read the proxy fields without building the header objects', () => {
    const m = parseMessage(invite());
    expect(m.topViaBranch()).toBe('z9hG4bK776asdhds');
    expect(m.fromTag()).toBe('1928301774');
    expect(m.toTag()).toBeNull();
    expect(m.cseq()).toEqual({ seq: 314159, method: 'INVITE' });
    // nothing else was parsed on the way
    expect((m as unknown as { cc: { topVia?: unknown; from?: unknown } }).cc.topVia).toBeUndefined();
    expect((m as unknown as { cc: { topVia?: unknown; from?: unknown } }).cc.from).toBeUndefined();
  });

  it('agree with the full accessors on unusual spellings (string and fallback paths)', () => {
    const cases: Array<[string, string]> = [
      ['Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKv6', 'From: "Al \\"x\\"" <sip:a@b>;tag="q t"'],
      ['Via: SIP / 2.0 / TCP a.example.com ;BRANCH = z9hG4bKsp , SIP/2.0/UDP b;branch=z9hG4bK2', 'f: sip:a@b;TAG=t1'],
      ['v: SIP/2.0/UDP a;branch="z9hG4bK\u00e9"', 'From: "Ålice" <sip:a@b>;tag=1'],
      ['Via: SIP/2.0/UDP a\r\n ;branch=z9hG4bKfold', 'From: <sip:a@b>\r\n ;tag=fold'],
    ];
    for (const [via, from] of cases) {
      const data = Buffer.from(`OPTIONS sip:x SIP/2.0\r\n${via}\r\n${from}\r\nTo: <sip:b@c>;tag=tt\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, 'utf8');
      const cheap = parseMessage(data);
      const full = parseMessage(data);
      expect([via, cheap.topViaBranch()]).toEqual([via, full.topVia().branch]);
      expect([from, cheap.fromTag()]).toEqual([from, full.from().tag]);
      expect(cheap.toTag()).toBe('tt');
    }
  });

  it('fail exactly as the full accessors do', () => {
    const bad: Array<[string, string]> = [
      ['Via: SIP/2.0/UDP a;branch', 'From: <sip:a@b>;tag'],
      ['Via: SIP/2.0/UDP 1.2.3.999;branch=z9hG4bK1', 'From: <sip:a@b;tag=1'],
      ['Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP', 'From: <sip:a@b>;tag=1 junk'],
      ['Via: SIP/2.0/UDP a;rport=x;branch=z9hG4bK1', 'From: sip:a@b?x=y;tag=1'],
      ['Via: SIP/2.0/UDP a\r\n ;branch', 'From: <sip:a@b>\r\n ;tag'],
    ];
    for (const [via, from] of bad) {
      const data = Buffer.from(`OPTIONS sip:x SIP/2.0\r\n${via}\r\n${from}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, 'utf8');
      const viaError = parseError(() => parseMessage(data).topVia());
      const cheapVia = parseError(() => parseMessage(data).topViaBranch());
      expect([via, cheapVia.message, cheapVia.header]).toEqual([via, viaError.message, 'Via']);
      const fromError = parseError(() => parseMessage(data).from());
      const cheapFrom = parseError(() => parseMessage(data).fromTag());
      expect([from, cheapFrom.message]).toEqual([from, fromError.message]);
    }
    const noVia = parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n'));
    expect(parseError(() => noVia.topViaBranch()).message).toBe('Via: missing header (at offset 40)');
  });

  it('reuse a full parse already cached, and cache their own answer', () => {
    const m = parseMessage(invite());
    const via = m.topVia();
    expect(m.topViaBranch()).toBe(via.branch);
    expect(m.from().tag).toBe(m.fromTag());
    expect(m.fromTag()).toBe('1928301774');
  });

  it('cseq() reads folded and padded values as before', () => {
    const m = parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\nCSeq: 0009\r\n  OPTIONS\r\n\r\n'));
    expect(m.cseq()).toEqual({ seq: 9, method: 'OPTIONS' });
    const e = parseError(() => parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\nCSeq: 4294967296 OPTIONS\r\n\r\n')).cseq());
    expect(e.message).toBe('CSeq: sequence number out of range (max 4294967295) (at offset 29)');
  });
});

import { ParseError } from './errors';
import { parseMessage } from './message';
import { buildReply, newTag } from './reply';

const REQ = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
  'v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa',
  'Max-Forwards: 70',
  't: Bob <sip:bob@biloxi.example.com>',
  'From: "Zoë" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const req = (s = REQ) => parseMessage(Buffer.from(s, 'utf8'));

describe('buildReply', () => {
  it('copies Via, From, To, Call-ID, CSeq byte for byte and adds a To-tag', () => {
    const r = buildReply(req(), 486, 'Busy Here', { toTag: 'abc123' });
    expect(r.toString('utf8')).toBe(
      [
        'SIP/2.0 486 Busy Here',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
        'v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa',
        't: Bob <sip:bob@biloxi.example.com>;tag=abc123',
        'From: "Zoë" <sip:alice@atlanta.example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710',
        'CSeq: 314159 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });

  it('adds no To-tag to 100 Trying', () => {
    const r = buildReply(req(), 100, 'Trying', { toTag: 'never' }).toString();
    expect(r).toContain('\r\nt: Bob <sip:bob@biloxi.example.com>\r\n');
    expect(r).not.toContain('never');
  });

  it('keeps an existing To-tag', () => {
    const r = buildReply(req(REQ.replace('t: Bob <sip:bob@biloxi.example.com>', 't: <sip:bob@b>;tag=have')), 200, 'OK', { toTag: 'other' }).toString();
    expect(r).toContain('\r\nt: <sip:bob@b>;tag=have\r\n');
    expect(r).not.toContain('other');
  });

  it('generates a random To-tag when none is given', () => {
    const a = parseMessage(buildReply(req(), 404, 'Not Found')).to().tag;
    const b = parseMessage(buildReply(req(), 404, 'Not Found')).to().tag;
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(newTag()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('adds Server, extra headers, Content-Type and a body with its length', () => {
    const r = buildReply(req(), 200, 'OK', {
      toTag: 't1',
      server: 'tsips/0.1',
      headers: [
        ['Contact', '<sip:bob@192.0.2.4>'],
        ['Allow', 'INVITE, ACK, BYE'],
      ],
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    expect(r.toString().split('\r\n').slice(7)).toEqual([
      'Server: tsips/0.1',
      'Contact: <sip:bob@192.0.2.4>',
      'Allow: INVITE, ACK, BYE',
      'Content-Type: application/sdp',
      'Content-Length: 5',
      '',
      'v=0',
      '',
    ]);
  });

  it('fills rport and adds received on the top Via only (RFC 3581)', () => {
    const r = buildReply(req(), 200, 'OK', { toTag: 'x', received: '198.51.100.7', rport: 5061 }).toString();
    const lines = r.split('\r\n');
    expect(lines[1]).toBe('Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport=5061;received=198.51.100.7');
    expect(lines[2]).toBe('v: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa');
  });

  it('adds received when the source differs from sent-by, not when it matches', () => {
    const plain = REQ.replace(';rport', '').replace('pc33.atlanta.example.com;branch', '192.0.2.9;branch');
    const differs = buildReply(req(plain), 200, 'OK', { toTag: 'x', received: '198.51.100.7', rport: 5060 }).toString();
    expect(differs.split('\r\n')[1]).toBe('Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK776asdhds;received=198.51.100.7');
    const same = buildReply(req(plain), 200, 'OK', { toTag: 'x', received: '192.0.2.9', rport: 5060 }).toString();
    expect(same.split('\r\n')[1]).toBe('Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK776asdhds');
  });

  it('replaces an existing received and handles a comma list in the top Via line', () => {
    const s = REQ.replace(
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
      'Via: SIP/2.0/UDP a.example.com;received=1.1.1.1;branch=z9hG4bK1;rport=9 , SIP/2.0/UDP b.example.com;branch=z9hG4bK2',
    );
    const r = buildReply(req(s), 200, 'OK', { toTag: 'x', received: '2.2.2.2', rport: 7 }).toString();
    expect(r.split('\r\n')[1]).toBe('Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1;rport=7;received=2.2.2.2 , SIP/2.0/UDP b.example.com;branch=z9hG4bK2');
  });

  it('normalises LF line ends of the copied lines to CRLF', () => {
    const lf = 'OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c\nCSeq: 1 OPTIONS\n\n';
    expect(buildReply(req(lf), 200, 'OK', { toTag: 'q' }).toString()).toBe(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=q\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
  });

  it('parses back to a reply matching the request', () => {
    const r = parseMessage(buildReply(req(), 180, 'Ringing', { toTag: 'tt' }));
    expect(r.status).toBe(180);
    expect(r.reason).toBe('Ringing');
    expect(r.cseq()).toEqual({ seq: 314159, method: 'INVITE' });
    expect(r.vias().map((v) => v.branch)).toEqual(['z9hG4bK776asdhds', 'z9hG4bKa']);
    expect(r.from().displayName).toBe('Zoë');
    expect(r.to().tag).toBe('tt');
    expect(r.contentLength()).toBe(0);
  });

  it.each([
    ['a reply', 'SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n', 'start-line: cannot reply to a reply (at offset 0)'],
    ['no Via', REQ.replace(/^(Via|v): .*\r\n/gm, ''), 'Via: missing header (at offset 0)'],
  ])('refuses %s with a ParseError', (_what, text, message) => {
    expect(() => buildReply(req(text), 200, 'OK')).toThrow(message);
  });

  it('leaves out a From, To, Call-ID or CSeq the request lacks (as OpenSIPS)', () => {
    const text = buildReply(req(REQ.replace('CSeq: 314159 INVITE\r\n', '')), 400, 'Bad Request').toString();
    expect(text).not.toMatch(/CSeq:/);
    expect(text).toMatch(/\r\nCall-ID: /);
    expect(text.startsWith('SIP/2.0 400 Bad Request\r\n')).toBe(true);
  });

  it('refuses bad status codes and header injection', () => {
    expect(() => buildReply(req(), 99, 'x')).toThrow(ParseError);
    expect(() => buildReply(req(), 200, 'OK\r\nX: y')).toThrow('start-line: CR, LF or NUL in reason phrase (at offset 2)');
    expect(() => buildReply(req(), 200, 'OK', { server: 'a\nb' })).toThrow(ParseError);
    expect(() => buildReply(req(), 200, 'OK', { headers: [['Bad Name', 'v']] })).toThrow(ParseError);
    expect(() => buildReply(req(), 200, 'OK', { toTag: 'x\r\n' })).toThrow(ParseError);
  });
});

describe('buildReply for broken requests (the 400 case)', () => {
  it('still replies when To and the top Via do not parse', () => {
    const broken = REQ.replace('t: Bob <sip:bob@biloxi.example.com>', 't: <<<').replace(
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
      'Via: garbage',
    );
    const lines = buildReply(req(broken), 400, 'Bad Request', { toTag: 'z', received: '1.2.3.4', rport: 9 }).toString().split('\r\n');
    expect(lines[1]).toBe('Via: garbage');
    expect(lines[3]).toBe('t: <<<;tag=z');
  });
});

import { ParseError } from './errors';
import { applyLumps } from './lumps';
import { parseMessage } from './message';

const REQ = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.1',
  'v: SIP/2.0/TCP p1.example.com;branch=z9hG4bKa, SIP/2.0/UDP p2.example.com;branch=z9hG4bKb',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Zoë" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'X-Keep:   odd   spacing   ',
  'Record-Route: <sip:rr1.example.com;lr>',
  'Record-Route: <sip:rr2.example.com;lr>',
  'Content-Type: text/plain',
  'l: 5',
  '',
  'hello',
].join('\r\n');

const parse = (s: string = REQ) => parseMessage(Buffer.from(s, 'utf8'));
const out = (m: ReturnType<typeof parse>) => m.toBuffer().toString('utf8');

describe('toBuffer without edits', () => {
  it('returns the received bytes themselves', () => {
    const data = Buffer.from(REQ, 'utf8');
    const m = parseMessage(data);
    expect(m.modified).toBe(false);
    expect(m.toBuffer()).toBe(data);
  });
});

describe('lumps', () => {
  it('setRuri rewrites only the Request-URI', () => {
    const m = parse();
    m.setRuri('sip:bob@192.0.2.4:5070;transport=tcp');
    expect(out(m)).toBe(REQ.replace('INVITE sip:bob@biloxi.example.com SIP/2.0', 'INVITE sip:bob@192.0.2.4:5070;transport=tcp SIP/2.0'));
    expect(m.ruri).toBe('sip:bob@192.0.2.4:5070;transport=tcp');
    expect(m.originalRuri).toBe('sip:bob@biloxi.example.com');
    const uri = m.requestUri();
    expect('port' in uri && uri.port).toBe(5070);
  });

  it('setRuri refuses whitespace (no request-line injection)', () => {
    const m = parse();
    expect(() => m.setRuri('sip:a SIP/2.0\r\nX: y')).toThrow(ParseError);
    expect(m.modified).toBe(false);
  });

  it('addHeader: last, first, afterVia, in call order', () => {
    const m = parse();
    m.addHeader('X-Last-1', 'a');
    m.addHeader('X-Last-2', 'b');
    m.addHeader('X-First-1', 'c', 'first');
    m.addHeader('X-First-2', 'd', 'first');
    m.addHeader('X-After-Via', 'e', 'afterVia');
    const lines = out(m).split('\r\n');
    expect(lines.slice(0, 6)).toEqual([
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'X-First-2: d',
      'X-First-1: c',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.1',
      'v: SIP/2.0/TCP p1.example.com;branch=z9hG4bKa, SIP/2.0/UDP p2.example.com;branch=z9hG4bKb',
      'X-After-Via: e',
    ]);
    expect(lines.slice(-5)).toEqual(['l: 5', 'X-Last-1: a', 'X-Last-2: b', '', 'hello']);
    // reads keep reporting the received message (OpenSIPS semantics)
    expect(m.hasHeader('X-Last-1')).toBe(false);
  });

  it('addHeader refuses CR/LF in values and non-token names', () => {
    const m = parse();
    expect(() => m.addHeader('X-A', 'v\r\nVia: evil')).toThrow('X-A: CR, LF or NUL in header value (at offset 1)');
    expect(() => m.addHeader('X A', 'v')).toThrow(ParseError);
  });

  it('removeHeader removes whole lines, all or one occurrence, and counts them', () => {
    const m = parse();
    expect(m.removeHeader('record-route', -1)).toBe(1);
    expect(m.removeHeader('Record-Route', 1)).toBe(0); // already removed
    expect(m.removeHeader('X-Keep')).toBe(1);
    expect(m.removeHeader('X-Absent')).toBe(0);
    expect(out(m)).toBe(REQ.replace('X-Keep:   odd   spacing   \r\n', '').replace('Record-Route: <sip:rr2.example.com;lr>\r\n', ''));
    expect(m.removeHeader('Record-Route')).toBe(1);
    expect(out(m)).not.toContain('Record-Route');
  });

  it('removeHeader with compact names', () => {
    const m = parse();
    expect(m.removeHeader('Via')).toBe(2);
    expect(out(m)).toBe(REQ.replace(/^(Via|v): .*\r\n/gm, ''));
  });

  it('prependVia puts the new Via above the top one', () => {
    const m = parse(REQ.replace('Via: SIP', 'Via: SIP').replace('INVITE sip:bob@biloxi.example.com SIP/2.0\r\n', 'INVITE sip:bob@biloxi.example.com SIP/2.0\r\nX-Before: 1\r\n'));
    m.prependVia('SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1');
    m.prependVia('SIP/2.0/UDP proxy2.example.com;branch=z9hG4bKp2');
    const lines = out(m).split('\r\n');
    expect(lines.slice(1, 5)).toEqual([
      'X-Before: 1',
      'Via: SIP/2.0/UDP proxy2.example.com;branch=z9hG4bKp2',
      'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.1',
    ]);
  });

  it('removeTopVia removes one value at a time, splitting comma lists', () => {
    const m = parse();
    m.removeTopVia();
    expect(out(m)).toBe(REQ.replace(/^Via: .*\r\n/m, ''));
    m.removeTopVia();
    expect(out(m)).toBe(REQ.replace(/^Via: .*\r\n/m, '').replace('v: SIP/2.0/TCP p1.example.com;branch=z9hG4bKa, ', 'v: '));
    m.removeTopVia();
    expect(out(m)).toBe(REQ.replace(/^(Via|v): .*\r\n/gm, ''));
    expect(m.removedViaCount).toBe(3);
    expect(() => m.removeTopVia()).toThrow('Via: no Via left to remove');
  });

  it('setBody replaces the body and rewrites Content-Length in place (compact name kept)', () => {
    const m = parse();
    m.setBody('hello, world');
    expect(out(m)).toBe(REQ.replace('l: 5', 'l: 12').replace(/hello$/, 'hello, world'));
    m.setBody(Buffer.from('v=0\r\n'), 'application/sdp');
    expect(out(m)).toBe(REQ.replace('l: 5', 'l: 5').replace('Content-Type: text/plain', 'Content-Type: application/sdp').replace(/hello$/, 'v=0\r\n'));
  });

  it('setBody("") sets Content-Length: 0 and drops the Content-Type', () => {
    const m = parse();
    m.setBody('');
    expect(out(m)).toBe(REQ.replace('Content-Type: text/plain\r\n', '').replace('l: 5', 'l: 0').replace(/hello$/, ''));
  });

  it('setBody adds Content-Length and Content-Type when missing', () => {
    const m = parseMessage(Buffer.from('MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n'));
    m.setBody('hé', 'text/plain;charset=utf-8');
    m.addHeader('X-Z', 'z');
    expect(out(m)).toBe('MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\nX-Z: z\r\nContent-Length: 3\r\nContent-Type: text/plain;charset=utf-8\r\n\r\nhé');
  });

  it('edits combine and leave every untouched byte identical (UTF-8 included)', () => {
    const m = parse();
    m.setRuri('sip:bob@10.0.0.1');
    m.prependVia('SIP/2.0/UDP me;branch=z9hG4bKme');
    m.removeHeader('X-Keep');
    m.addHeader('X-Added', 'yes');
    m.setBody('bye');
    const expected = REQ.replace('sip:bob@biloxi.example.com SIP/2.0', 'sip:bob@10.0.0.1 SIP/2.0')
      .replace('\r\nVia: SIP/2.0/UDP pc33', '\r\nVia: SIP/2.0/UDP me;branch=z9hG4bKme\r\nVia: SIP/2.0/UDP pc33')
      .replace('X-Keep:   odd   spacing   \r\n', '')
      .replace('l: 5\r\n', 'l: 3\r\nX-Added: yes\r\n')
      .replace(/hello$/, 'bye');
    expect(out(m)).toBe(expected);
    // the serialized message parses back to what was asked for
    const again = parseMessage(m.toBuffer());
    expect(again.topVia().branch).toBe('z9hG4bKme');
    expect(again.from().displayName).toBe('Zoë');
    expect(again.bodyText()).toBe('bye');
    expect(again.getHeader('X-Added')).toBe('yes');
  });

  it('edits on an LF-only message keep its line ends and add CRLF lines', () => {
    const m = parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\nCall-ID: a\nContent-Length: 0\n\n'));
    m.addHeader('X-A', '1');
    expect(out(m)).toBe('OPTIONS sip:x SIP/2.0\nCall-ID: a\nContent-Length: 0\nX-A: 1\r\n\n');
  });
});

describe('applyLumps', () => {
  it('splices inserts before removals at one offset and keeps the rest', () => {
    const src = Buffer.from('0123456789');
    const res = applyLumps(src, 0, 10, [
      { offset: 5, remove: 2, text: 'X', order: 0 },
      { offset: 5, remove: 0, text: 'ins', order: 0 },
      { offset: 0, remove: 0, text: '>', order: 1 },
      { offset: 0, remove: 0, text: '>>', order: -1 },
    ]);
    expect(res.toString()).toBe('>>>01234insX789');
  });

  it('rejects overlapping lumps', () => {
    expect(() =>
      applyLumps(Buffer.from('0123456789'), 0, 10, [
        { offset: 2, remove: 4, text: '', order: 0 },
        { offset: 3, remove: 1, text: '', order: 0 },
      ]),
    ).toThrow(RangeError);
  });
});

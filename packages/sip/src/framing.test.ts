import { ParseError } from './errors';
import { StreamFramer } from './framing';
import { parseMessage } from './message';

const msg = (callId: string, body = ''): string =>
  `MESSAGE sip:bob@example.com SIP/2.0\r\nCall-ID: ${callId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const strings = (bufs: Buffer[]) => bufs.map((b) => b.toString('utf8'));

describe('StreamFramer', () => {
  it('frames one complete message', () => {
    const f = new StreamFramer();
    expect(strings(f.push(Buffer.from(msg('a', 'hello'))))).toEqual([msg('a', 'hello')]);
    expect(f.buffered).toBe(0);
  });

  it('frames several messages in one chunk', () => {
    const f = new StreamFramer();
    const chunk = Buffer.from(msg('a', 'x') + msg('b') + msg('c', 'yz'));
    expect(strings(f.push(chunk))).toEqual([msg('a', 'x'), msg('b'), msg('c', 'yz')]);
  });

  it('reassembles a message split at every possible byte', () => {
    const whole = Buffer.from(msg('a', 'hello wörld') + msg('b', 'second'));
    for (let cut = 1; cut < whole.length; cut++) {
      const f = new StreamFramer();
      const got = [...f.push(whole.subarray(0, cut)), ...f.push(whole.subarray(cut))];
      expect(strings(got)).toEqual([msg('a', 'hello wörld'), msg('b', 'second')]);
    }
  });

  it('reassembles a message fed one byte at a time', () => {
    const whole = Buffer.from(msg('a', 'body'));
    const f = new StreamFramer();
    const got: Buffer[] = [];
    for (let i = 0; i < whole.length; i++) got.push(...f.push(whole.subarray(i, i + 1)));
    expect(strings(got)).toEqual([msg('a', 'body')]);
  });

  it('skips CRLF keep-alives between messages and counts double-CRLF pings', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from('\r\n\r\n'))).toEqual([]);
    expect(f.keepalives).toBe(1);
    expect(strings(f.push(Buffer.from('\r\n' + msg('a') + '\r\n\r\n' + msg('b'))))).toEqual([msg('a'), msg('b')]);
    expect(f.keepalives).toBe(2);
    expect(f.buffered).toBe(0);
  });

  it('frames messages with LF-only line ends and compact Content-Length', () => {
    const lf = 'OPTIONS sip:x SIP/2.0\nCall-ID: a\nl: 3\n\nabc';
    const f = new StreamFramer();
    expect(strings(f.push(Buffer.from(lf + lf)))).toEqual([lf, lf]);
  });

  it('emits messages that parse as stream messages', () => {
    const f = new StreamFramer();
    const [m] = f.push(Buffer.from(msg('abc', 'hi')));
    const parsed = parseMessage(m, { transport: 'stream' });
    expect(parsed.callId()).toBe('abc');
    expect(parsed.bodyText()).toBe('hi');
  });

  it('rejects a message without Content-Length, then stays failed', () => {
    const f = new StreamFramer();
    const bad = Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n');
    expect(() => f.push(bad)).toThrow('Content-Length: Content-Length is mandatory on stream transports (at offset 0)');
    expect(() => f.push(Buffer.from(msg('b')))).toThrow(ParseError);
  });

  it('rejects a bad or conflicting Content-Length', () => {
    expect(() => new StreamFramer().push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 1e3\r\n\r\n'))).toThrow(/Content-Length is not a number/);
    expect(() => new StreamFramer().push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\n'))).toThrow(/conflicting Content-Length/);
  });

  it('enforces the maximum message size on headers and on the declared length', () => {
    const small = new StreamFramer({ maxMessageSize: 100 });
    expect(() => small.push(Buffer.from(msg('a', 'x'.repeat(60))))).toThrow(/message of \d+ bytes exceeds 100/);
    const endless = new StreamFramer({ maxMessageSize: 100 });
    expect(endless.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\n'))).toEqual([]);
    expect(() => endless.push(Buffer.from('X-Pad: ' + 'p'.repeat(100) + '\r\n'))).toThrow('message: header section exceeds 100 bytes (at offset 100)');
    expect(() => new StreamFramer({ maxMessageSize: 0 })).toThrow(RangeError);
  });

  it('waits for the body before emitting', () => {
    const f = new StreamFramer();
    const whole = msg('a', '0123456789');
    expect(f.push(Buffer.from(whole.slice(0, -4)))).toEqual([]);
    expect(f.buffered).toBe(Buffer.byteLength(whole) - 4);
    expect(strings(f.push(Buffer.from(whole.slice(-4))))).toEqual([whole]);
  });
});

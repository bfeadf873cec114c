import * as fs from 'node:fs';
import fc from 'fast-check';
import { sharedDir } from '@tsips/test-support';
import { ParseError } from './errors';
import { parseSdp } from './sdp';


function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

const OFFER = [
  'v=0',
  'o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com',
  's=-',
  'i=A session',
  'u=http://www.example.com/seminars/sdp.pdf',
  'e=j.doe@example.com (Jane Doe)',
  'p=+1 617 555-6011',
  'c=IN IP4 192.0.2.10',
  'b=AS:128',
  't=0 0',
  'r=604800 3600 0 90000',
  'z=2882844526 -1h 2898848070 0',
  'k=prompt',
  'a=sendrecv',
  'a=tool:tsips',
  'm=audio 49170 RTP/AVP 0 8 97 101',
  'i=voice',
  'c=IN IP4 192.0.2.11',
  'b=TIAS:64000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:97 opus/48000/2',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=fmtp:97 minptime=10;useinbandfec=1',
  'a=ptime:20',
  'm=video 51372/2 RTP/SAVP 31',
  'c=IN IP4 224.2.1.1/127/3',
  'a=rtpmap:31 H261/90000',
  '',
].join('\r\n');

describe('parseSdp', () => {
  it('parses session and media level lines with exact values', () => {
    const s = parseSdp(OFFER);
    expect(s.version).toBe(0);
    expect(s.origin).toEqual({ username: 'alice', sessionId: '2890844526', sessionVersion: '2890844527', netType: 'IN', addrType: 'IP4', address: 'host.atlanta.example.com' });
    expect([s.sessionName, s.information, s.uri, s.emails, s.phones, s.key, s.timeZones]).toEqual([
      '-',
      'A session',
      'http://www.example.com/seminars/sdp.pdf',
      ['j.doe@example.com (Jane Doe)'],
      ['+1 617 555-6011'],
      'prompt',
      '2882844526 -1h 2898848070 0',
    ]);
    expect(s.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.0.2.10', ttl: null, count: null });
    expect(s.bandwidths).toEqual([{ type: 'AS', value: 128 }]);
    expect(s.times).toEqual([{ start: '0', stop: '0', repeats: ['604800 3600 0 90000'] }]);
    expect(s.attributes).toEqual([
      { name: 'sendrecv', value: null },
      { name: 'tool', value: 'tsips' },
    ]);
    expect(s.media.length).toBe(2);
    const [a, v] = s.media;
    expect([a.type, a.port, a.portCount, a.proto, a.formats, a.information]).toEqual(['audio', 49170, null, 'RTP/AVP', ['0', '8', '97', '101'], 'voice']);
    expect(a.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.0.2.11', ttl: null, count: null });
    expect(a.bandwidths).toEqual([{ type: 'TIAS', value: 64000 }]);
    expect([...a.rtpmap]).toEqual([
      ['0', { encoding: 'PCMU', clockRate: 8000, channels: null }],
      ['8', { encoding: 'PCMA', clockRate: 8000, channels: null }],
      ['97', { encoding: 'opus', clockRate: 48000, channels: 2 }],
      ['101', { encoding: 'telephone-event', clockRate: 8000, channels: null }],
    ]);
    expect([...a.fmtp]).toEqual([
      ['101', '0-16'],
      ['97', 'minptime=10;useinbandfec=1'],
    ]);
    expect(a.attributes.length).toBe(7);
    expect([v.port, v.portCount, v.proto]).toEqual([51372, 2, 'RTP/SAVP']);
    expect(v.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '224.2.1.1', ttl: 127, count: 3 });
  });

  it('accepts LF-only line ends and IPv6 connections (RFC 5118 §4.6, §4.9)', () => {
    const s = parseSdp('v=0\no=bob 280744730 28977631 IN IP6 2001:db8::1\ns=\nc=IN IP6 ::ffff:192.0.2.2\nt=0 0\nm=audio 22334 RTP/AVP 0\nc=IN IP6 FF1E:03AD::7F2E:172A:1E24/3\n');
    expect(s.sessionName).toBe('');
    expect(s.connection!.address).toBe('::ffff:192.0.2.2');
    expect(s.media[0].connection).toEqual({ netType: 'IN', addrType: 'IP6', address: 'FF1E:03AD::7F2E:172A:1E24', ttl: null, count: 3 });
  });

  it('parses the RFC 4475 bodies, keeping "a=rtpmap:31 LPC" out of the rtpmap map', () => {
    const text = fs.readFileSync(sharedDir('conformance', 'rfc4475', 'sdp01.dat'), 'latin1');
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    const s = parseSdp(body);
    expect(s.origin.address).toBe('192.0.2.5');
    expect(s.media.map((m) => [m.type, m.port, m.formats])).toEqual([
      ['audio', 49217, ['0', '12']],
      ['video', 3227, ['31']],
    ]);
    expect(s.media[1].attributes).toEqual([{ name: 'rtpmap', value: '31 LPC' }]);
    expect(s.media[1].rtpmap.size).toBe(0);
  });

  it('rejects structural errors with offsets', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['', 0, /empty SDP/],
      ['o=x 1 1 IN IP4 h\r\n', 0, /must start with v=/],
      ['v=1\r\n', 2, /unsupported SDP version/],
      ['v=0\r\ns=x\r\n', 5, /second SDP line must be o=/],
      ['v=0\r\no=x 1 1 IN IP4\r\n', 7, /o= needs 6 fields/],
      ['v=0\r\no=x a 1 IN IP4 h\r\n', 7, /numeric/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\nt=0 0\r\n', 23, /third SDP line must be s=/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\n', 28, /missing t= line/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n', 28, /missing t= line before m=/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nx=1\r\n', 35, /unknown SDP line type "x"/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nc= IN IP4 h\r\n', 37, /white space after "="/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nc=IN IP4\r\n', 37, /c= needs/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nc=IN IP4 224.2.1.1/300\r\n', 54, /TTL out of range/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nb=AS\r\n', 37, /b= needs/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n', 43, /port out of range/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n', 37, /m= needs/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n', 56, /not allowed at media level/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n\r\na=x\r\n', 35, /blank line inside SDP/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nv=0\r\n', 35, /duplicate v= line/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=now 0\r\n', 30, /t= needs/],
      ['v=0\r\no=x 1 1  IN IP4 h\r\n', 13, /empty field/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\na=\r\n', 37, /empty attribute name/],
      ['v=0\r\no=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nnothing\r\n', 35, /expected "<letter>="/],
    ];
    for (const [body, offset, msg] of cases) {
      const e = parseError(() => parseSdp(body));
      expect([JSON.stringify(body), e.header, e.offset]).toEqual([JSON.stringify(body), 'sdp', offset]);
      expect(e.message).toMatch(msg);
    }
  });

  it('recovers generated media sections, rtpmaps and fmtps', () => {
    const enc = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
    const mediaGen = fc.record({
      type: fc.constantFrom('audio', 'video', 'application'),
      port: fc.nat(65535),
      maps: fc.uniqueArray(fc.tuple(fc.nat(127), enc, fc.integer({ min: 1, max: 192000 }), fc.option(fc.integer({ min: 1, max: 8 }))), {
        minLength: 1,
        maxLength: 5,
        selector: (m) => m[0],
      }),
      fmtp: fc.option(fc.stringMatching(/^[a-z0-9=;-]{1,20}$/)),
    });
    fc.assert(
      fc.property(fc.array(mediaGen, { maxLength: 4 }), fc.boolean(), (media, lfOnly) => {
        const lines = ['v=0', 'o=- 1 2 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
        for (const m of media) {
          lines.push(`m=${m.type} ${m.port} RTP/AVP ${m.maps.map((x) => x[0]).join(' ')}`);
          for (const [pt, e, clock, ch] of m.maps) lines.push(`a=rtpmap:${pt} ${e}/${clock}${ch === null ? '' : '/' + ch}`);
          if (m.fmtp !== null) lines.push(`a=fmtp:${m.maps[0][0]} ${m.fmtp}`);
        }
        const sdp = parseSdp(lines.join(lfOnly ? '\n' : '\r\n') + (lfOnly ? '\n' : '\r\n'));
        expect(sdp.media.length).toBe(media.length);
        media.forEach((m, k) => {
          const got = sdp.media[k];
          expect([got.type, got.port, got.formats]).toEqual([m.type, m.port, m.maps.map((x) => String(x[0]))]);
          expect([...got.rtpmap]).toEqual(m.maps.map(([pt, encoding, clockRate, channels]) => [String(pt), { encoding, clockRate, channels }]));
          expect([...got.fmtp]).toEqual(m.fmtp === null ? [] : [[String(m.maps[0][0]), m.fmtp]]);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but ParseError on random input', () => {
    const lines = ['v=0', 'o=a 1 2 IN IP4 h', 's=-', 't=0 0', 'c=IN IP4 1.2.3.4/5/6', 'm=audio 1/2 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=fmtp:0', 'b=AS:x', 'x', '', 'r=1', 'a=rtpmap:1 a/b/c'];
    const gen = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...lines), { maxLength: 20 }).map((a) => a.join('\r\n')));
    fc.assert(
      fc.property(gen, (s) => {
        try {
          parseSdp(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

import fc from 'fast-check';
import { ParseError } from './errors';
import { fastContact, fastContentType, fastCSeq, fastFromTo, fastNameAddrParam, fastSipUri, fastTokenList, fastVia, fastViaBranch, methodText } from './byte-scanners';
import { parseContacts } from './headers/contact';
import { parseUri } from './uri';
import { parseVia, viaBranch } from './headers/via';
import { fromToTag, parseFromTo } from './headers/from-to';
import { parseCSeq } from './headers/cseq';
import { parseTokenList } from './headers/token-list';
import { parseContentType } from './headers/content-type';

/** Runs a byte scanner over `text` placed inside a larger buffer, as the message layer does. */
function inBuffer<T>(text: string, scan: (b: Uint8Array, t: string, start: number, end: number) => T): T {
  const full = `Xx: ${text}\r\n`;
  const b = Buffer.from(full, 'latin1');
  return scan(b, b.toString('latin1'), 4, 4 + text.length);
}

/** The outcome of a parser: its value, or the ParseError message (anything else is rethrown). */
function outcome<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
}

/** Mostly `good`, sometimes `bad`: enough well-formed values for the comparisons to bite. */
function mostly(good: string[], bad: string[]): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 5 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
}

// Near-valid Via values: mostly well-formed, with the variations the fast path must either handle or refuse.
const viaValue = fc
  .tuple(
    mostly(['SIP/2.0/UDP ', 'SIP/2.0/TCP  ', 'SIP/2.0/WSS ', 'SIP/2.0/WS\t', 'SIP/2.0/SCTP '], ['SIP/2.0/udp ', 'SIP / 2.0 / UDP ', 'SIP/2.0/UDPX ', 'SIP/2.0/UDP', '']),
    mostly(['192.0.2.1', 'pc33.atlanta.com', 'host.', 'h_st', 'x.1a', '0.0.0.0'], ['10.0.0.256', '1.2.3', 'a..b', '9host', '[2001:db8::1]', '', '1.2.3.4.5']),
    mostly(['', ':5060', ' : 5060', ':0', ':65535'], [':', ':65536']),
    fc.array(
      mostly(
        [';branch=z9hG4bK776asdhds', ';BRANCH=z9hG4bKx', ';rport', ';rport=5060', ';received=192.0.2.9', ';maddr=224.2.0.1', ';ttl=16', ';lr', ' ; x = y ', ';a=[::1]'],
        [';branch', ';branch=', ';branch="quoted"', ';rport=x', ';rport=70000', ';received', ';maddr', ';ttl=300', ';ttl', ';;', ';é=1'],
      ),
      { maxLength: 4 },
    ),
    mostly([''], [', SIP/2.0/UDP h2;branch=z9hG4bK2', ' x', ',']),
  )
  .map(([proto, host, port, params, tail]) => proto + host + port + params.join('') + tail);

describe('fastViaBranch', () => {
  it('reads the branch of the usual spellings', () => {
    expect(inBuffer('SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport', fastViaBranch)).toBe('z9hG4bK776asdhds');
    expect(inBuffer('SIP/2.0/TLS pc33.atlanta.com;received=10.1.1.1;BRANCH=z9hG4bKa;ttl=1', fastViaBranch)).toBe('z9hG4bKa');
    expect(inBuffer('SIP/2.0/TCP host ; rport ; branch = z9 ', fastViaBranch)).toBe('z9');
    expect(inBuffer('SIP/2.0/WS h.example.', fastViaBranch)).toBeNull();
  });

  it('leaves everything unusual or wrong to the string parser (undefined)', () => {
    for (const v of [
      'SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1', // IPv6
      'SIP/2.0/UDP h;branch="z9hG4bK1"', // quoted value
      'SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g', // two via-parms
      'SIP / 2.0 / UDP h;branch=z9hG4bK1', // LWS inside sent-protocol
      'SIP/2.0/UDP h;branch', // error: branch without a value
      'SIP/2.0/UDP 1.2.3.256;branch=z9hG4bK1', // error: bad IPv4
      'SIP/2.0/UDP h;rport=x', // error
      'SIP/2.0/UDP h;ttl=256', // error
    ]) {
      expect([v, inBuffer(v, fastViaBranch)]).toEqual([v, undefined]);
    }
  });

  it('never disagrees with parseVia: same branch whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(viaValue, (v) => {
        const fast = inBuffer(v, fastViaBranch);
        if (fast === undefined) return;
        answered++;
        const full = parseVia(v); // must not throw when the fast path accepted
        expect(full).toHaveLength(1);
        expect(fast).toBe(full[0].branch);
      }),
      { numRuns: 3000, seed: 3261 },
    );
    expect(answered).toBeGreaterThan(100); // the comparison really ran
  });
});

describe('fastVia', () => {
  it('builds the same Via as parseVia whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(viaValue, (v) => {
        const fast = inBuffer(v, fastVia);
        if (fast === undefined) return;
        answered++;
        expect(parseVia(v)).toEqual([fast]);
      }),
      { numRuns: 3000, seed: 3581 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it('builds a typical Via', () => {
    expect(inBuffer('SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport', fastVia)).toEqual(
      parseVia('SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport')[0],
    );
    expect(inBuffer('SIP/2.0/UDP h;branch="x"', fastVia)).toBeUndefined();
  });
});

describe('viaBranch (string)', () => {
  it('gives the first branch of a multi-value line and validates all of it', () => {
    expect(viaBranch('SIP/2.0/UDP a;branch=z9hG4bK1 , SIP/2.0/TCP b;branch=z9hG4bK2')).toBe('z9hG4bK1');
    expect(viaBranch('SIP/2.0/UDP a;branch="z9hG4bK\\"q"')).toBe('z9hG4bK"q');
    expect(() => viaBranch('SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP')).toThrow('Via: missing sent-by host (at offset 42)');
    expect(viaBranch('xx SIP/2.0/UDP a;branch=b', 3)).toBe('b');
  });

  it('agrees with parseVia on value and on every error', () => {
    fc.assert(
      fc.property(viaValue, (v) => {
        const full = outcome(() => parseVia(v)[0].branch);
        expect(outcome(() => viaBranch(v))).toEqual(full);
      }),
      { numRuns: 3000, seed: 5060 },
    );
  });
});

const nameAddrValue = fc
  .tuple(
    mostly(['', ' ', '"Alice" ', 'Alice Smith ', 'Bob', '"a\tb" '], ['"A \\"x\\"" ', '"unterminated ', '"ctl\u0001" ', 'é ']),
    mostly(['<sip:alice@atlanta.com>', 'sip:alice@atlanta.com', '<sip:a@b;lr>', '<tel:+1>'], ['sip:a@b?x=y', '<sip: a@b>', '<sip:a@b', 'noscheme', '<x:>', 'sip:a@b,c']),
    fc.array(mostly([';tag=1928301774', ';TAG=abc', ';x=1', ' ; y', ';tag=a;tag=b'], [';tag', ';tag="q"', ';tag=', ';=1']), { maxLength: 3 }),
    mostly(['', ' '], [' junk', ',']),
  )
  .map(([dn, uri, params, tail]) => dn + uri + params.join('') + tail);

describe('fastNameAddrParam', () => {
  it('reads the tag of the usual spellings', () => {
    const tag = (v: string): string | null | undefined => inBuffer(v, (b, t, s, e) => fastNameAddrParam(b, t, s, e, 'tag'));
    expect(tag('Alice <sip:alice@atlanta.example.com>;tag=1928301774')).toBe('1928301774');
    expect(tag('"Bob B" <sip:bob@b.com>;x=1;TAG=ab')).toBe('ab');
    expect(tag('sip:bob@b.com;tag=z')).toBe('z');
    expect(tag('<sip:bob@b.com>')).toBeNull();
    expect(tag('<sip:bob@b.com>;tag')).toBeUndefined();
    expect(tag('"A \\"B\\"" <sip:bob@b.com>;tag=1')).toBeUndefined();
    expect(tag('<sip:bob@b.com>;tag="1"')).toBeUndefined();
  });

  it('never disagrees with parseFromTo: same tag whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(nameAddrValue, (v) => {
        const fast = inBuffer(v, (b, t, s, e) => fastNameAddrParam(b, t, s, e, 'tag'));
        if (fast === undefined) return;
        answered++;
        expect(fast).toBe(parseFromTo(v).tag);
      }),
      { numRuns: 3000, seed: 4475 },
    );
    expect(answered).toBeGreaterThan(100);
  });
});

describe('fastFromTo', () => {
  it('builds the same FromTo as parseFromTo whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(nameAddrValue, (v) => {
        const fast = inBuffer(v, fastFromTo);
        if (fast === undefined) return;
        answered++;
        expect(fast).toEqual(parseFromTo(v));
      }),
      { numRuns: 3000, seed: 3262 },
    );
    expect(answered).toBeGreaterThan(100);
  });
});

describe('fastContact', () => {
  const contactValue = fc
    .tuple(nameAddrValue, mostly([''], [';q=0.5', ';expires=60', ';Q=1', ', <sip:b@c>', '*']))
    .map(([v, extra]) => (extra === '*' ? '*' : v + extra));

  it('builds the same ContactList as parseContacts whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(contactValue, (v) => {
        const fast = inBuffer(v, fastContact);
        if (fast === undefined) return;
        answered++;
        expect(fast).toEqual(parseContacts(v));
      }),
      { numRuns: 3000, seed: 3840 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it('leaves "*", lists and q/expires to parseContacts', () => {
    for (const v of ['*', '<sip:a@b>, <sip:c@d>', '<sip:a@b>;q=0.5', '<sip:a@b>;EXPIRES=60']) expect(inBuffer(v, fastContact)).toBeUndefined();
    expect(inBuffer('"A" <sip:a@b>;+sip.instance=x', fastContact)).toEqual(parseContacts('"A" <sip:a@b>;+sip.instance=x'));
  });
});

describe('fromToTag (string)', () => {
  it('agrees with parseFromTo on value and on every error', () => {
    fc.assert(
      fc.property(nameAddrValue, fc.constantFrom('From', 'To'), (v, header) => {
        expect(outcome(() => fromToTag(v, 0, v.length, header))).toEqual(outcome(() => parseFromTo(v, header).tag));
      }),
      { numRuns: 3000, seed: 3263 },
    );
  });

  it('reports offsets into the text it was given', () => {
    const text = 'From: <sip:a@b>;tag';
    expect(() => fromToTag(text, 6)).toThrow('From: tag parameter without a value (at offset 19)');
  });
});

describe('fastCSeq', () => {
  const values = fc
    .tuple(
      fc.constantFrom('', ' ', '0', '314159', '4294967295', '4294967296', '00000000000000001', 'x1', '-1'),
      fc.constantFrom(' ', '', '  ', '\t'),
      fc.constantFrom('INVITE', 'ACK', 'in(vite', '', 'OPTIONS x', 'é'),
    )
    .map(([n, sp, m]) => n + sp + m);

  it('reads the usual form', () => {
    expect(inBuffer('314159 INVITE', fastCSeq)).toEqual({ seq: 314159, method: 'INVITE' });
    expect(inBuffer('4294967296 INVITE', fastCSeq)).toBeUndefined();
    expect(inBuffer('1INVITE', fastCSeq)).toBeUndefined();
  });

  it('never disagrees with parseCSeq', () => {
    let answered = 0;
    fc.assert(
      fc.property(values, (v) => {
        const fast = inBuffer(v, fastCSeq);
        if (fast === undefined) return;
        answered++;
        expect(fast).toEqual(parseCSeq(v));
      }),
      { numRuns: 2000, seed: 20 },
    );
    expect(answered).toBeGreaterThan(50);
  });
});

describe('fastSipUri', () => {
  const uris = fc
    .tuple(
      mostly(['sip:', 'SIP:', 'sips:', 'Sips:'], ['tel:', 'sipx:', 'si:', '']),
      mostly(['', 'bob@', 'alice:secret@', 'a;b=c@', 'u.s-e_r!~*\'()&=+$,;?/@'], ['%41@', '@', 'a:b;c@', 'x%4@', 'a:%41@']),
      mostly(['biloxi.example.com', '192.0.2.1', 'host.', 'x-y.z'], ['[::1]', '1.2.3.256', '9x', '', 'a..b']),
      mostly(['', ':5060', ':0'], [':', ':99999']),
      fc.array(mostly([';lr', ';transport=udp', ';maddr=1.2.3.4', ';x=[a]/:&+$'], [';', ';=x', ';x=', ';x=%41', ';é']), { maxLength: 3 }),
      mostly([''], ['?h=v', ' ', '?', '>']),
    )
    .map((parts) => parts.join(''));

  it('builds the same URI as parseUri whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(uris, (u) => {
        const fast = inBuffer(u, (b, t, s, e) => fastSipUri(b, t, s, e, u));
        if (fast === undefined) return;
        answered++;
        expect(fast).toEqual(parseUri(u));
      }),
      { numRuns: 3000, seed: 3986 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it('reads the usual Request-URI and leaves escapes and headers to parseUri', () => {
    const u = 'sip:bob@biloxi.example.com:5060;transport=tcp;lr';
    expect(inBuffer(u, (b, t, s, e) => fastSipUri(b, t, s, e, u))).toEqual(parseUri(u));
    for (const v of ['sip:%62ob@b.com', 'sip:b.com?subject=x', 'sip:[::1]', 'tel:+1']) {
      expect(inBuffer(v, (b, t, s, e) => fastSipUri(b, t, s, e, v))).toBeUndefined();
    }
  });
});

describe('methodText', () => {
  const read = (s: string): string => {
    const b = Buffer.from(`x${s}y`, 'latin1');
    return methodText(b, b.toString('latin1'), 1, 1 + s.length);
  };
  it('returns every known method as written', () => {
    for (const m of ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE']) {
      expect(read(m)).toBe(m);
    }
  });
  it('keeps other tokens exactly, including near misses and other cases', () => {
    // same length and first byte as a known method, or same low bits of the first byte
    for (const t of ['INVITX', 'invite', 'Invite', 'iNVITE', 'ACKS', 'AC', 'X', 'FOO', 'SUBSCRIBES', 'NEWMETHOD123', 'aCK', '!ACK']) {
      expect(read(t)).toBe(t);
    }
  });
});

describe('fastTokenList', () => {
  // token characters, the separators and white space the grammar knows, and a few that break it
  const listValue = fc
    .array(fc.constantFrom('INVITE', 'ACK', 'a', 'x-y', '100rel', 'timer', ',', ', ', ' , ', ' ', '\t', ',,', ';', '"', 'é', '\u0080', '/'), { maxLength: 8 })
    .map((parts) => parts.join(''));

  it('gives the same list as parseTokenList whenever it answers, and declines only what the parser rejects', () => {
    let answered = 0;
    let declined = 0;
    fc.assert(
      fc.property(listValue, (v) => {
        const fast = inBuffer(v, fastTokenList);
        const full = outcome(() => parseTokenList(v));
        if (fast === undefined) {
          declined++;
          expect('error' in full).toBe(true);
        } else {
          answered++;
          expect(full).toEqual({ value: fast });
        }
      }),
      { numRuns: 3000, seed: 4475 },
    );
    expect(answered).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it('reads a typical Allow list', () => {
    expect(inBuffer('INVITE, ACK,CANCEL ,  BYE', fastTokenList)).toEqual(['INVITE', 'ACK', 'CANCEL', 'BYE']);
    expect(inBuffer('', fastTokenList)).toEqual([]);
  });
});

describe('fastContentType', () => {
  const part = fc.constantFrom('application', 'SDP', 'sdp', 'Text', 'x-y', '', 'a"b', 'é', 'a/b');
  const ctValue = fc
    .tuple(part, fc.constantFrom('/', ' /', '/ ', '', ';'), part, fc.constantFrom('', '', ';charset=utf-8', ' ', ';x', '/'))
    .map((parts) => parts.join('').trim());

  it('builds the same Content-Type as parseContentType whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(ctValue, (v) => {
        const fast = inBuffer(v, fastContentType);
        if (fast === undefined) return;
        answered++;
        expect(parseContentType(v)).toEqual(fast);
      }),
      { numRuns: 3000, seed: 3261 },
    );
    expect(answered).toBeGreaterThan(50);
  });

  it('reads the usual types and leaves parameters and white space to the parser', () => {
    expect(inBuffer('application/sdp', fastContentType)).toEqual({ type: 'application', subtype: 'sdp', params: [], mediaType: 'application/sdp' });
    expect(inBuffer('Application/SDP', fastContentType)?.mediaType).toBe('application/sdp');
    expect(inBuffer('text/Plain', fastContentType)?.mediaType).toBe('text/plain');
    expect(inBuffer('text/plain;charset=utf-8', fastContentType)).toBeUndefined();
    expect(inBuffer('text / plain', fastContentType)).toBeUndefined();
    expect(inBuffer('text/', fastContentType)).toBeUndefined();
  });
});

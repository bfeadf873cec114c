import {
  CANONICAL_NAMES,
  canonicalHeaderName,
  COMPACT_FORMS,
  compactForm,
  HeaderId,
  headerId,
  headerKey,
  identifyHeader,
  isToken,
} from './header-names';

describe('header names', () => {
  it('maps every compact form of RFC 3261/3265/3515/3841/3892/4028/4474 to its header', () => {
    expect(COMPACT_FORMS).toEqual({
      a: 'Accept-Contact',
      b: 'Referred-By',
      c: 'Content-Type',
      d: 'Request-Disposition',
      e: 'Content-Encoding',
      f: 'From',
      i: 'Call-ID',
      j: 'Reject-Contact',
      k: 'Supported',
      l: 'Content-Length',
      m: 'Contact',
      n: 'Identity-Info',
      o: 'Event',
      r: 'Refer-To',
      s: 'Subject',
      t: 'To',
      u: 'Allow-Events',
      v: 'Via',
      x: 'Session-Expires',
      y: 'Identity',
    });
    for (const [compact, full] of Object.entries(COMPACT_FORMS)) {
      expect(canonicalHeaderName(compact)).toBe(full);
      expect(canonicalHeaderName(compact.toUpperCase())).toBe(full);
      expect(compactForm(full)).toBe(compact);
    }
    expect(compactForm('Max-Forwards')).toBeNull();
  });

  it('ignores case and keeps unknown names as given', () => {
    expect(headerId('VIA')).toBe(HeaderId.VIA);
    expect(headerId('cAlL-iD')).toBe(HeaderId.CALL_ID);
    expect(headerId('Cseq')).toBe(HeaderId.CSEQ);
    expect(headerId('X-Foo')).toBe(HeaderId.UNKNOWN);
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('X-Foo')).toBe('X-Foo');
    expect(headerKey('X-FOO')).toBe('x-foo');
    expect(headerKey('m')).toBe(headerKey('CONTACT'));
  });

  it('identifyHeader agrees with headerId on every known spelling and on near misses', () => {
    const names = [...CANONICAL_NAMES, ...CANONICAL_NAMES.map((n) => n.toUpperCase()), ...CANONICAL_NAMES.map((n) => n.toLowerCase()), ...Object.keys(COMPACT_FORMS)];
    const misses = ['Vib', 'Viaa', 'Vi', 'Call-IE', 'Contacts', 'g', 'z', 'X-Via', 'Content-Lengtx', '1', '-'];
    for (const name of [...names, ...misses]) {
      const s = `>>${name}<<`;
      expect([name, identifyHeader(s, 2, 2 + name.length)]).toEqual([name, headerId(name)]);
    }
    expect(identifyHeader('Ünknown', 0, 7)).toBe(HeaderId.UNKNOWN);
  });

  it('isToken follows RFC 3261 token', () => {
    expect(isToken("Abc-1.!%*_+`'~")).toBe(true);
    expect(isToken('')).toBe(false);
    expect(isToken('a b')).toBe(false);
    expect(isToken('a:b')).toBe(false);
    expect(isToken('é')).toBe(false);
  });
});

describe('headerId memo of the last name', () => {
  it('answers repeated and alternating look-ups like fresh ones', () => {
    const names = ['Via', 'Via', 'v', 'X-Foo', 'X-Foo', 'from', 'FROM', 'f', 'x-foo', 'Call-ID', 'Via', '', ''];
    const expected = [HeaderId.VIA, HeaderId.VIA, HeaderId.VIA, HeaderId.UNKNOWN, HeaderId.UNKNOWN, HeaderId.FROM, HeaderId.FROM, HeaderId.FROM, HeaderId.UNKNOWN, HeaderId.CALL_ID, HeaderId.VIA, HeaderId.UNKNOWN, HeaderId.UNKNOWN];
    expect(names.map((n) => headerId(n))).toEqual(expected);
  });
});

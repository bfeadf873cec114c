import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseContacts, parseQValue } from './contact';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('parseContacts', () => {
  it('parses "*" alone', () => {
    expect(parseContacts('*')).toEqual({ star: true, contacts: [] });
    expect(parseContacts('  * ')).toEqual({ star: true, contacts: [] });
    expect(parseError(() => parseContacts('*, <sip:a@b>')).offset).toBe(1);
  });

  it('parses a list with q and expires', () => {
    const l = parseContacts('"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7;expires=3600, "Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1');
    expect(l.star).toBe(false);
    expect(l.contacts.map((c) => [c.displayName, c.uri, c.q, c.expires])).toEqual([
      ['Mr. Watson', 'sip:watson@worcester.bell-telephone.com', 0.7, 3600],
      ['Mr. Watson', 'mailto:watson@bell-telephone.com', 0.1, null],
    ]);
  });

  // RFC 4475 wsinv "m:" header, cparam01/cparam02, esc01
  it('handles the RFC 4475 Contact values', () => {
    const [w] = parseContacts('"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33').contacts;
    expect(w).toMatchObject({
      displayName: 'Quoted string ""',
      q: 0.33,
      params: [
        { name: 'newparam', value: 'newvalue' },
        { name: 'secondparam', value: null },
        { name: 'q', value: '0.33' },
      ],
    });
    expect(parseContacts('sip:+19725552222@gw1.example.net;unknownparam').contacts[0].params).toEqual([{ name: 'unknownparam', value: null }]);
    expect(parseContacts('<sip:+19725552222@gw1.example.net;unknownparam>').contacts[0].params).toEqual([]);
    expect(parseContacts('\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>').contacts[0].uri).toBe(
      'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31',
    );
  });

  it('rejects out-of-range expires (RFC 4475 scalar02) and bad q', () => {
    let e = parseError(() => parseContacts('<sip:user@host129.example.com>\r\n  ;expires=280297596632815'));
    expect([e.header, e.message]).toEqual(['Contact', 'Contact: expires out of range (max 4294967295) (at offset 43)']);
    expect(parseContacts('<sip:a@b.example>;expires=4294967295').contacts[0].expires).toBe(4294967295);
    e = parseError(() => parseContacts('<sip:a@b.example>, <sip:c@d.example>;q=1.5'));
    expect(e.message).toBe('Contact: invalid q value "1.5" (at offset 39)');
    expect(parseError(() => parseContacts('<sip:a@b.example>;q')).message).toMatch(/q parameter without a value/);
    expect(parseError(() => parseContacts('<sip:a@b.example>;expires=soon')).message).toMatch(/expires is not a number/);
    expect(parseError(() => parseContacts('<sip:a@b.example> <sip:c@d.example>')).offset).toBe(18);
    expect(parseError(() => parseContacts('')).offset).toBe(0);
  });

  it('parseQValue follows the qvalue grammar', () => {
    expect(['0', '1', '0.', '0.5', '0.123', '1.0', '1.000', '0.000'].map((v) => parseQValue(v))).toEqual([0, 1, 0, 0.5, 0.123, 1, 1, 0]);
    for (const bad of ['', '2', '0.1234', '1.001', '.5', '0,5', 'x', '01']) expect(parseError(() => parseQValue(bad)).header).toBe('Contact');
  });

  it('throws nothing but ParseError on random input', () => {
    const pieces = ['*', '<sip:a@b>', 'sip:x', ';q=', ';expires=', '0.5', '1', '99999999999', ',', ' ', '"', '"n"', ';', '='];
    const gen = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((a) => a.join('')));
    fc.assert(
      fc.property(gen, (s) => {
        try {
          parseContacts(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

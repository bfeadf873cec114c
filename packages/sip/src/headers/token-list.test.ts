import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseTokenList } from './token-list';

describe('parseTokenList', () => {
  it('splits on commas with LWS (RFC 4475 bext01)', () => {
    expect(parseTokenList('nothingSupportsThis, nothingSupportsThisEither')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    expect(parseTokenList('INVITE,ACK ,\r\n OPTIONS ,BYE')).toEqual(['INVITE', 'ACK', 'OPTIONS', 'BYE']);
    expect(parseTokenList('100rel')).toEqual(['100rel']);
    expect(parseTokenList('  ')).toEqual([]);
  });
  it('rejects empty elements and non-token characters', () => {
    expect(() => parseTokenList('a,,b', 'Require')).toThrow('Require: expected a token (at offset 2)');
    expect(() => parseTokenList('a,')).toThrow('token-list: expected a token (at offset 2)');
    expect(() => parseTokenList('a b')).toThrow('token-list: expected "," between tokens (at offset 2)');
    expect(() => parseTokenList('timer;x')).toThrow(ParseError);
  });
  it('throws nothing but ParseError on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        try {
          for (const t of parseTokenList(s)) expect(t.length).toBeGreaterThan(0);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

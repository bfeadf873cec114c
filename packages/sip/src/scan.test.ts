import { ParseError } from './errors';
import { checkEscape, MAX_UINT32, parseUnsigned, scanQuotedString, scanToken, skipLws, trimEnd } from './scan';

describe('scanners', () => {
  it('skipLws, scanToken and trimEnd return exact positions', () => {
    expect(skipLws(' \t\r\n x', 0)).toBe(5);
    expect(skipLws('abc', 1, 2)).toBe(1);
    expect(scanToken("ab-.!%*_+`'~c d", 0)).toBe(13);
    expect(scanToken('é', 0)).toBe(0);
    expect(trimEnd('ab \r\n', 0, 5)).toBe(2);
  });
  it('scanQuotedString unescapes quoted-pairs and rejects escaped CR/LF', () => {
    const cur = { pos: 0 };
    expect(scanQuotedString('"a\\"b\\\\" rest', 0, 13, 'X', cur)).toBe('a"b\\');
    expect(cur.pos).toBe(8);
    expect(() => scanQuotedString('"a\\\r"', 0, 5, 'X', cur)).toThrow('X: invalid escape in quoted string (at offset 2)');
    expect(() => scanQuotedString('"abc\\', 0, 5, 'X', cur)).toThrow('X: unterminated quoted string (at offset 0)');
  });
  it('checkEscape needs two hex digits inside the range', () => {
    expect(checkEscape('%4a', 0, 3, 'uri')).toBeUndefined();
    expect(() => checkEscape('%4a', 0, 2, 'uri')).toThrow(ParseError);
    expect(() => checkEscape('%g1', 0, 3, 'uri')).toThrow('uri: bad %-escape (at offset 0)');
  });
  it('parseUnsigned checks range digit by digit', () => {
    expect(parseUnsigned('x4294967295', 1, 11, MAX_UINT32, 'H', 'n')).toBe(4294967295);
    expect(() => parseUnsigned('9'.repeat(5000), 0, 5000, MAX_UINT32, 'H', 'n')).toThrow('H: n out of range (max 4294967295) (at offset 0)');
    expect(() => parseUnsigned('12', 1, 1, 9, 'H', 'n')).toThrow('H: missing n (at offset 1)');
  });
});

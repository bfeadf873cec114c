import fc from 'fast-check';
import { ParseError } from './errors';
import { findParam, getParam, parseHeaderParams, parseParamList } from './params';

describe('header parameter lists', () => {
  it('parses flags, token values, quoted values and IPv6 host values', () => {
    expect(parseParamList(';lr;transport=tcp;x="a \\"b\\"";received=[2001:db8::1];rport')).toEqual([
      { name: 'lr', value: null },
      { name: 'transport', value: 'tcp' },
      { name: 'x', value: 'a "b"', quoted: true },
      { name: 'received', value: '[2001:db8::1]' },
      { name: 'rport', value: null },
    ]);
    expect(parseParamList('')).toEqual([]);
  });
  it('allows LWS around ";" and "="', () => {
    expect(parseParamList(' ;  tag    = 1918181833n ;\r\n  flag ')).toEqual([
      { name: 'tag', value: '1918181833n' },
      { name: 'flag', value: null },
    ]);
  });
  it('stops at a character that cannot continue the list and reports where', () => {
    const out: Array<{ name: string; value: string | null }> = [];
    const cursor = { pos: -1 };
    parseHeaderParams(';a=1 , next', 0, 11, 'X', out, cursor);
    expect(out).toEqual([{ name: 'a', value: '1' }]);
    expect(cursor.pos).toBe(5);
  });
  it('rejects empty names and values', () => {
    expect(() => parseParamList(';', 'Via')).toThrow('Via: expected parameter name after ";" (at offset 1)');
    expect(() => parseParamList(';a=')).toThrow('params: missing value for parameter "a" (at offset 3)');
    expect(() => parseParamList(';a="x')).toThrow('params: unterminated quoted string (at offset 3)');
    expect(() => parseParamList(';a=b c')).toThrow('params: unexpected character in parameter list (at offset 5)');
    expect(() => parseParamList(';a="\x01"')).toThrow('params: control character in quoted string (at offset 4)');
  });
  it('finds parameters case-insensitively', () => {
    const ps = parseParamList(';Tag=abc;LR');
    expect(findParam(ps, 'tag')).toEqual({ name: 'Tag', value: 'abc' });
    expect(getParam(ps, 'lr')).toBeNull();
    expect(getParam(ps, 'branch')).toBeUndefined();
  });
  it('throws nothing but ParseError on random input', () => {
    const pieces = [';', '=', '"', '\\', 'a', ' ', '\r\n', '[', ':', ',', '\u0000'];
    const gen = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...pieces), { maxLength: 50 }).map((a) => a.join('')));
    fc.assert(
      fc.property(gen, (s) => {
        try {
          parseParamList(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

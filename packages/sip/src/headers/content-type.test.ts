import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseContentType } from './content-type';

describe('parseContentType', () => {
  it('parses type, subtype, params and a lower-cased media type', () => {
    expect(parseContentType('application/sdp')).toEqual({ type: 'application', subtype: 'sdp', params: [], mediaType: 'application/sdp' });
    expect(parseContentType('Multipart/Mixed ; boundary="unique-boundary-1";charset=utf-8')).toEqual({
      type: 'Multipart',
      subtype: 'Mixed',
      params: [
        { name: 'boundary', value: 'unique-boundary-1', quoted: true },
        { name: 'charset', value: 'utf-8' },
      ],
      mediaType: 'multipart/mixed',
    });
    expect(parseContentType('text / plain').mediaType).toBe('text/plain');
  });
  it('rejects malformed values with positions', () => {
    expect(() => parseContentType('')).toThrow('Content-Type: expected media type (at offset 0)');
    expect(() => parseContentType('application')).toThrow('Content-Type: expected "/" after media type (at offset 11)');
    expect(() => parseContentType('application/')).toThrow('Content-Type: expected media subtype (at offset 12)');
    expect(() => parseContentType('application/sdp x')).toThrow('Content-Type: unexpected character in Content-Type (at offset 16)');
    expect(() => parseContentType('application/sdp;charset')).toThrow(/media parameter "charset" without a value/);
    expect(() => parseContentType('application/sdp, text/plain')).toThrow(ParseError);
  });
  it('throws nothing but ParseError on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        try {
          parseContentType(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

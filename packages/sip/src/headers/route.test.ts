import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseRecordRoute, parseRoute } from './route';

describe('parseRoute / parseRecordRoute', () => {
  it('returns every entry in order', () => {
    expect(parseRoute('<sip:p1.example.com;lr>,<sip:p2.example.com;lr>').map((r) => r.uri)).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
    expect(parseRecordRoute('<sip:UserB@example.com;maddr=ss1.example.com>')[0].uri).toBe('sip:UserB@example.com;maddr=ss1.example.com');
  });
  it('names the header in errors', () => {
    expect(() => parseRoute('<sip:a@b')).toThrow('Route: missing ">" (at offset 0)');
    expect(() => parseRecordRoute('<sip:a@b>,')).toThrow('Record-Route: empty value (at offset 10)');
  });
  it('throws nothing but ParseError on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          parseRoute(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

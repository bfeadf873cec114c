import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseContentLength, parseExpires, parseMaxForwards } from './numeric';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('numeric headers', () => {
  it('Max-Forwards: 0..255 with leading zeros (wsinv "0068", zeromf)', () => {
    expect(parseMaxForwards('70')).toBe(70);
    expect(parseMaxForwards(' 0068 ')).toBe(68);
    expect(parseMaxForwards('0')).toBe(0);
    expect(parseMaxForwards('255')).toBe(255);
    expect(parseError(() => parseMaxForwards('300')).message).toBe('Max-Forwards: value out of range (max 255) (at offset 0)');
    expect(parseError(() => parseMaxForwards('7 0')).offset).toBe(1);
    expect(parseError(() => parseMaxForwards('')).message).toBe('Max-Forwards: missing value (at offset 0)');
  });
  it('Content-Length: non-negative integers only (ncl "-999")', () => {
    expect(parseContentLength('150')).toBe(150);
    expect(parseContentLength('0')).toBe(0);
    expect(parseError(() => parseContentLength('-999')).message).toBe('Content-Length: value is not a number (at offset 0)');
    expect(parseError(() => parseContentLength('12a')).offset).toBe(2);
  });
  it('Expires: delta-seconds up to 2**32-1 (scalar02 rejects)', () => {
    expect(parseExpires('3600')).toBe(3600);
    expect(parseExpires('4294967295')).toBe(4294967295);
    expect(parseError(() => parseExpires('4294967296')).header).toBe('Expires');
    expect(parseError(() => parseExpires('1' + '0'.repeat(100))).message).toBe('Expires: value out of range (max 4294967295) (at offset 0)');
    // RFC 3261 §20.19: the HTTP date form is not allowed in SIP
    expect(parseError(() => parseExpires('Thu, 01 Dec 1994 16:00:00 GMT')).offset).toBe(0);
  });
  it('never throws anything but ParseError and never returns out-of-range values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        for (const f of [parseMaxForwards, parseContentLength, parseExpires]) {
          try {
            const v = f(s);
            expect(Number.isInteger(v) && v >= 0 && v <= 4294967295).toBe(true);
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseCSeq } from './cseq';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('parseCSeq', () => {
  it('parses number and method', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('0 ACK')).toEqual({ seq: 0, method: 'ACK' });
    expect(parseCSeq('4294967295 BYE')).toEqual({ seq: 4294967295, method: 'BYE' });
  });
  it('handles RFC 4475 cases: folded LWS and leading zeros (wsinv), odd methods (intmeth, esc02)', () => {
    expect(parseCSeq('0009\r\n  INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(parseCSeq("139122385 !interesting-Method0123456789_*+`.%indeed'~")).toEqual({ seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
    expect(parseCSeq('29344 RE%47IST%45R').method).toBe('RE%47IST%45R');
  });
  it('rejects out-of-range numbers (scalar02, scalarlg) and malformed values', () => {
    expect(parseError(() => parseCSeq('36893488147419103232 REGISTER')).message).toBe('CSeq: sequence number out of range (max 4294967295) (at offset 0)');
    expect(parseError(() => parseCSeq('4294967296 BYE')).offset).toBe(0);
    expect(parseError(() => parseCSeq('INVITE')).message).toBe('CSeq: sequence number is not a number (at offset 0)');
    expect(parseError(() => parseCSeq('-1 INVITE')).offset).toBe(0);
    expect(parseError(() => parseCSeq('12')).message).toBe('CSeq: missing method (at offset 2)');
    expect(parseError(() => parseCSeq('12INVITE')).offset).toBe(2);
    expect(parseError(() => parseCSeq('12 INVITE x')).offset).toBe(9);
    expect(parseError(() => parseCSeq('12 IN"VITE')).offset).toBe(5);
    expect(parseError(() => parseCSeq('')).header).toBe('CSeq');
  });
  it('throws nothing but ParseError on random input', () => {
    const gen = fc.oneof(fc.string({ maxLength: 100 }), fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.string({ maxLength: 10 })).map(([n, m]) => `${n} ${m}`));
    fc.assert(
      fc.property(gen, (s) => {
        try {
          const c = parseCSeq(s);
          expect(c.seq).toBeLessThanOrEqual(4294967295);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

import metadata from 'libphonenumber-js/metadata.max.json';
import { parsePhoneNumber } from 'libphonenumber-js/max';
import { NumberFactory, hasLineType, type LineType } from './number-factory';
import { Prng } from './prng';

const countries = Object.keys((metadata as unknown as { countries: Record<string, unknown> }).countries);

describe('NumberFactory', () => {
  it('makes valid, distinct numbers of the asked type in every country that has it', () => {
    const factory = new NumberFactory(new Prng(7));
    const seen = new Set<string>();
    let made = 0;
    for (const country of countries) {
      for (const type of ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST'] as LineType[]) {
        if (!hasLineType(country, type)) continue;
        let n: string;
        try {
          n = factory.make(country, type);
        } catch {
          continue; // a few tiny territories share all their ranges with a neighbour
        }
        const parsed = parsePhoneNumber(n);
        expect(parsed.isValid()).toBe(true);
        expect(parsed.country).toBe(country);
        expect(seen.has(n)).toBe(false);
        if (type === 'PREMIUM_RATE' || type === 'TOLL_FREE' || type === 'SHARED_COST') expect(parsed.getType()).toBe(type);
        seen.add(n);
        made++;
      }
    }
    expect(made).toBeGreaterThan(400);
  });

  it('gives GB premium-rate numbers in the 9 ranges and refuses a type a country lacks', () => {
    const factory = new NumberFactory(new Prng(1));
    for (let i = 0; i < 20; i++) {
      const n = factory.make('GB', 'PREMIUM_RATE');
      expect(parsePhoneNumber(n).getType()).toBe('PREMIUM_RATE');
      expect(n).toMatch(/^\+44[89]/);
    }
    const noPremium = countries.find((c) => !hasLineType(c, 'PREMIUM_RATE'))!;
    expect(() => factory.make(noPremium, 'PREMIUM_RATE')).toThrow(/no PREMIUM_RATE/);
  });
});

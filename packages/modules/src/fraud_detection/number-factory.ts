/**
 * Makes valid E.164 numbers of a given country and line type for the CDR simulator: a
 * random draw from libphonenumber's own pattern of that type, kept only when
 * libphonenumber-js/max agrees (valid, same type). Using the metadata of every country
 * keeps the fraud destinations varied instead of a fixed list of ranges.
 */
import metadata from 'libphonenumber-js/metadata.max.json';
import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';
import { parseDigitPattern, sampleDigits, type DigitPattern } from './number-pattern';
import type { Prng } from './prng';

export type LineType = 'FIXED_LINE' | 'MOBILE' | 'TOLL_FREE' | 'PREMIUM_RATE' | 'SHARED_COST';

/** Position of each type's [pattern, lengths] in a country's metadata type list (as libphonenumber-js's getType). */
const TYPE_INDEX: Record<LineType, number> = { FIXED_LINE: 0, MOBILE: 1, TOLL_FREE: 2, PREMIUM_RATE: 3, SHARED_COST: 9 };
const ATTEMPTS = 200;

type CountryJson = [string, ...unknown[]];
const countries = (metadata as unknown as { countries: Record<string, CountryJson> }).countries;

function typeMatches(wanted: LineType, got: NumberType): boolean {
  if (got === wanted) return true;
  return got === 'FIXED_LINE_OR_MOBILE' && (wanted === 'FIXED_LINE' || wanted === 'MOBILE');
}

/** True when the country's metadata has a pattern for that line type. */
export function hasLineType(country: string, type: LineType): boolean {
  const types = countries[country]?.[11] as unknown[] | undefined;
  return Array.isArray(types?.[TYPE_INDEX[type]]);
}

export class NumberFactory {
  private readonly patterns = new Map<string, DigitPattern>();
  private readonly issued = new Set<string>();

  constructor(private readonly rng: Prng) {}

  /** A number not issued before by this factory. Throws when the country has no such line type. */
  make(country: string, type: LineType): string {
    const pattern = this.pattern(country, type);
    const callingCode = countries[country]![0];
    for (let i = 0; i < ATTEMPTS; i++) {
      const e164 = `+${callingCode}${sampleDigits(pattern, this.rng)}`;
      if (this.issued.has(e164)) continue;
      // A draw can be too short or long for the country's possible lengths: not a number then.
      const parsed = parsePhoneNumberFromString(e164);
      if (parsed !== undefined && parsed.isValid() && parsed.country === country && typeMatches(type, parsed.getType())) {
        this.issued.add(e164);
        return e164;
      }
    }
    throw new Error(`no valid ${type} number found for ${country} in ${ATTEMPTS} attempts`);
  }

  private pattern(country: string, type: LineType): DigitPattern {
    const key = `${country}:${type}`;
    let pattern = this.patterns.get(key);
    if (!pattern) {
      if (!hasLineType(country, type)) throw new Error(`${country} has no ${type} numbers in libphonenumber's metadata`);
      const types = countries[country]![11] as Array<[string, unknown?]>;
      // An empty mobile pattern means "same ranges as fixed line" (NANPA): such numbers are FIXED_LINE_OR_MOBILE.
      const source = types[TYPE_INDEX[type]]![0] || types[TYPE_INDEX.FIXED_LINE]![0];
      pattern = parseDigitPattern(source);
      this.patterns.set(key, pattern);
    }
    return pattern;
  }
}

/** Whether a country code is one libphonenumber knows (for the --country option). */
export function isKnownCountry(country: string): country is CountryCode {
  return countries[country] !== undefined;
}

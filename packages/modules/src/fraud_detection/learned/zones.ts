/**
 * Destination zones: the country and number type of a called number (libphonenumber-js
 * * metadata), plus the high-risk range it falls in. Called numbers repeat a lot (favourites,
 * call-centre campaigns), so classifications are cached: parsing costs ~16 us, a hit ~0.1 us.
 */
import { LRUCache } from 'lru-cache';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { RiskRange, RiskTable } from './risk-ranges';

/** Number types that cost the caller more than an ordinary call. */
const PREMIUM_TYPES = new Set(['premium_rate', 'shared_cost', 'uan', 'personal_number']);

export interface Zone {
  /** "GB:mobile", "CU:fixed_line", "LV:premium_rate", "+882:invalid", "local:short". */
  readonly key: string;
  /** ISO country ("GB"), "+882" for a non-geographic code, "local" for short numbers. */
  readonly country: string;
  /** libphonenumber type in lower case, "invalid" for a number outside the numbering plan, "short". */
  readonly type: string;
  /** E.164 digits without '+' ("" for short numbers). */
  readonly digits: string;
  /** Same country calling code as the deployment's home (+44 covers GB, GG, JE, IM). */
  readonly domestic: boolean;
  /** Premium-rate, shared-cost, UAN or personal numbers (costly by their type). */
  readonly premium: boolean;
  /** The high-risk range the number falls in. */
  readonly risk: RiskRange | undefined;
}

export class ZoneClassifier {
  private readonly cache: LRUCache<string, Zone>;

  private readonly homeCode: string;
  /** One string per zone key, shared by every cached number and profile of the zone. */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly homeCountry: CountryCode,
    private risk: RiskTable,
    cacheSize = 262_144,
  ) {
    this.cache = new LRUCache({ max: cacheSize });
    this.homeCode = getCountryCallingCode(homeCountry);
  }

  /** A new high-risk table (reload): cached zones carry the old ranges, so they go. */
  setRiskTable(risk: RiskTable): void {
    this.risk = risk;
    this.cache.clear();
  }

  classify(number: string): Zone {
    let z = this.cache.get(number);
    if (z === undefined) {
      z = this.compute(number);
      this.cache.set(number, z);
    }
    return z;
  }

  private compute(number: string): Zone {
    const plus = number.trimStart().startsWith('+');
    const digits = number.replace(/\D/g, '');
    // Extensions and service codes: no zone to learn beyond "short".
    if (!plus && digits.length <= 6) return this.zone('local', 'short', '', true);
    const parsed = parsePhoneNumberFromString(plus ? `+${digits}` : digits, this.homeCountry);
    if (parsed === undefined) return this.zone('unknown', 'invalid', digits, false);
    const e164 = parsed.number.slice(1);
    const country = parsed.country ?? `+${parsed.countryCallingCode}`;
    const domestic = parsed.countryCallingCode === this.homeCode;
    if (!parsed.isValid()) return this.zone(country, 'invalid', e164, domestic);
    return this.zone(country, (parsed.getType() ?? 'unknown').toLowerCase(), e164, domestic);
  }

  private zone(country: string, type: string, digits: string, domestic: boolean): Zone {
    const text = `${country}:${type}`;
    let key = this.keys.get(text);
    if (key === undefined) this.keys.set(text, (key = text));
    return { key, country, type, digits, domestic, premium: PREMIUM_TYPES.has(type), risk: digits === '' ? undefined : this.risk.match(digits) };
  }
}

/**
 * What the parts of the CDR simulator share: the seeded random source, the number factory,
 * the calendar of the simulated weeks and address allocation. All times are UTC: the home
 * country's habits (office hours, evenings) are expressed directly as UTC hours.
 */
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import type { CdrRecord } from './cdr';
import { NumberFactory } from './number-factory';
import { Prng } from './prng';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A simulated call before rows are numbered (row is given after the time sort). */
export type SimCall = Omit<CdrRecord, 'row'>;

export class SimContext {
  readonly numbers: NumberFactory;
  /** "+44" for GB: numbers of the home country start with it. */
  readonly homePrefix: string;
  private readonly usedIps = new Set<string>();

  constructor(
    readonly rng: Prng,
    /** ISO 3166 code of the home country, e.g. "GB". */
    readonly home: string,
    /** Midnight UTC of the first simulated day. */
    readonly startMs: number,
    readonly days: number,
  ) {
    this.numbers = new NumberFactory(rng);
    this.homePrefix = `+${getCountryCallingCode(home as CountryCode)}`;
  }

  dayStart(day: number): number {
    return this.startMs + day * DAY;
  }

  /** 0 = Sunday ... 6 = Saturday. */
  weekday(day: number): number {
    return new Date(this.dayStart(day)).getUTCDay();
  }

  isWeekend(day: number): boolean {
    const wd = this.weekday(day);
    return wd === 0 || wd === 6;
  }

  /** A random time of `day` between the hours `fromH` and `toH` (fractional hours). */
  timeIn(day: number, fromH: number, toH: number): number {
    return this.dayStart(day) + Math.floor((fromH + this.rng.next() * (toH - fromH)) * HOUR / 1000) * 1000;
  }

  /** A fresh address in `prefix` ("10.4", "192.168"...) not handed out before. */
  ip(prefix: string): string {
    const parts = prefix.split('.').length;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      let ip = prefix;
      for (let i = parts; i < 4; i++) ip += `.${this.rng.int(i === 3 ? 2 : 0, 254)}`;
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
    throw new Error(`no free address left in ${prefix}`);
  }

  /** An address an attacker might use: documentation and carrier ranges no user has. */
  attackerIp(): string {
    return this.ip(this.rng.pick(['198.51.100', '203.0.113', '192.0.2', '185.220', '45.134', '91.243']));
  }

  /** Call duration in whole seconds, log-normal around `medianS`, at most `maxS`. */
  duration(medianS: number, sigma: number, maxS: number): number {
    return Math.max(1, Math.min(maxS, Math.round(this.rng.logNormal(medianS, sigma))));
  }
}

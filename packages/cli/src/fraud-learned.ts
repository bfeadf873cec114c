/**
 * The learned detector `tsips fraud replay` runs: built from the same modparams the
 * running module reads (home_country, utc_offset, learned_threshold) and the high-risk
 * ranges of the script's database, so a replay judges calls as the server would.
 */
import { DEFAULT_RISK_RANGES, LearnedDetector, localUtcOffset, type LearnedOptions } from '@tsips/modules';
import { riskRangesFromDatabase, type FraudSettings } from './fraud-rules-source';

export async function learnedDetectorFor(settings: FraudSettings, threshold: number, cwd: string): Promise<LearnedDetector> {
  const ranges = (await riskRangesFromDatabase(settings, cwd)) ?? DEFAULT_RISK_RANGES;
  const offset = settings.utcOffset;
  return new LearnedDetector({
    homeCountry: settings.homeCountry as NonNullable<LearnedOptions['homeCountry']>,
    riskRanges: ranges,
    threshold,
    utcOffsetMin: offset === -1 ? localUtcOffset() : () => offset,
    // A replay keeps every user of the file in memory (evicting would forget what it learned;
    // there is no table behind it): a million users, ~2.3 KB each.
    maxProfiles: 1_000_000,
  });
}

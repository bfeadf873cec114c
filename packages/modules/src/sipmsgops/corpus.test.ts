/**
 * The malformed-message corpus (test/e2e/fixtures/malformed/corpus.json, written by its
 * make-corpus.py): sipmsg_validate() must answer each message's documented code and reason.
 * Entries the SIP core refuses before any script runs (`core`) are covered end to end by
 * test/e2e/malformed.e2e.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseMessage } from '@tsips/sip';
import { sipmsgops } from './index';
import { kitFor } from './kit.test-support';

interface Entry {
  name: string;
  flags: string;
  message: string;
  rc?: number;
  reason?: string;
  core?: 'drop' | '400';
}

const CORPUS: Entry[] = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../test/e2e/fixtures/malformed/corpus.json'), 'utf8'),
) as Entry[];

const scripted = CORPUS.filter((e) => e.core === undefined);

describe('sipmsg_validate over the malformed-message corpus', () => {
  it('has entries for every kind of breakage', () => {
    expect(scripted.length).toBeGreaterThanOrEqual(30);
    expect(new Set(scripted.map((e) => e.rc))).toEqual(new Set([1, -2, -3, -5, -6, -7, -8, -9, -11, -12, -13, -14, -15, -21, -22, -23, -24, -25, -26, -27, -28, -29, -30]));
  });

  it.each(scripted.map((e) => [e.name, e] as const))('%s', async (_name, e) => {
    const kit = kitFor(
      `loadmodule "sipmsgops.so"\nroute { $var(reason) = "unset"; sipmsg_validate("${e.flags}", $var(reason)); $var(rc) = $rc; }`,
      sipmsgops,
    );
    const out = await kit.run(e.message.replace(/__ID__/g, 'c1'), { rcv: { proto: 'udp' } });
    expect({ rc: out.vars.rc, reason: out.vars.reason }).toEqual({ rc: e.rc, reason: e.rc === 1 ? 'unset' : e.reason });
  });
});

const CODES = new Set([1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18, -19, -20, -21, -22, -23, -24, -25, -26, -27, -28, -29, -30]);

describe('sipmsg_validate over mutated corpus messages', () => {
  it('never throws and always answers a documented code', async () => {
    const kit = kitFor(
      'loadmodule "sipmsgops.so"\nroute { sipmsg_validate("shrftc", $var(reason)); $var(rc) = $rc; sipmsg_validate("", $var(reason)); $var(rc2) = $rc; }',
      sipmsgops,
    );
    const texts = scripted.map((e) => e.message.replace(/__ID__/g, 'fz'));
    await fc.assert(
      fc.asyncProperty(fc.nat(texts.length - 1), fc.nat(), fc.nat(40), fc.string({ unit: 'binary', maxLength: 12 }), async (which, at, cut, insert) => {
        const t = texts[which]!;
        const pos = at % t.length;
        const mutated = t.slice(0, pos) + insert + t.slice(pos + cut);
        try {
          parseMessage(Buffer.from(mutated, 'utf8'), { keepShortBody: true });
        } catch {
          return; // the core drops what does not parse; nothing reaches the script
        }
        const out = await kit.run(mutated.includes('\r\n') ? mutated : `${mutated}\r\n`);
        expect(out.logs.filter((l) => l.text.includes('() failed')).map((l) => l.text)).toEqual([]);
        expect(CODES.has(out.vars.rc as number)).toBe(true);
        expect(CODES.has(out.vars.rc2 as number)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

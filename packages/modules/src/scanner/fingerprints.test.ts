import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMessage } from '@tsips/sip';
import { messageFromText } from '@tsips/script';
import { kitFor } from '../sipmsgops/kit.test-support';
import { createScanner } from './index';
import {
  compileUaPatterns,
  DEFAULT_UA_PATTERNS,
  isSipviciousTag,
  matchUa,
  parseFingerprints,
  SV_CHECKS,
  svContact,
  svFrom,
  svIds,
  svOrder,
  svTag,
} from './fingerprints';
import { ORDINARY } from './ordinary-phones.test-support';

interface Captured {
  tool: string;
  text: string;
}
const capture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/sipvicious-captured.json'), 'utf8')) as { packets: Captured[] };
const wireText = (t: string) => t.split(':SIPPPORT').join(':5061').split(':PORT').join(':5060');
const sv = capture.packets.filter((p) => /^sv(map|war|crack) /.test(p.tool)).map((p) => ({ ...p, text: wireText(p.text) }));
const sippPackets = capture.packets.filter((p) => p.tool.startsWith('sipp ')).map((p) => ({ ...p, text: wireText(p.text) }));
const parse = (text: string) => parseMessage(messageFromText(text));

/** Names of the sv_* fingerprints a packet shows. */
const svMarks = (text: string) => SV_CHECKS.filter((c) => c.test(parse(text))).map((c) => c.name);
/** The same packet with its User-Agent replaced (or dropped) the way a patched scanner would. */
const withUa = (text: string, ua: string | null) =>
  text.replace(/^User-Agent: [^\r\n]*\r\n/m, ua === null ? '' : `User-Agent: ${ua}\r\n`);

describe('the captured sipvicious packets', () => {
  it('cover every tool and mode the capture script runs', () => {
    const tools = new Set(sv.map((p) => p.tool.split(' ')[0]));
    expect([...tools].sort()).toEqual(['svcrack', 'svmap', 'svwar']);
    expect(sv.some((p) => p.text.startsWith('INVITE '))).toBe(true);
    expect(sv.some((p) => p.text.startsWith('OPTIONS '))).toBe(true);
    expect(sv.some((p) => p.text.startsWith('ACK '))).toBe(true);
    expect(sv.some((p) => /\r\nAuthorization: Digest /.test(p.text))).toBe(true);
    expect(sv.some((p) => /\r\nv: /.test(p.text))).toBe(true);
    expect(sv.length).toBeGreaterThanOrEqual(40);
  });

  it('show at least two sipvicious marks each, even with the User-Agent changed or removed', () => {
    for (const p of sv) {
      for (const ua of ['Z 5.6.4 v2.10.19.9', 'Yealink SIP-T46S 66.86.0.15', null]) {
        const marks = svMarks(withUa(p.text, ua));
        if (marks.length < 2) throw new Error(`${p.tool}: only [${marks.join(',')}] in\n${p.text}`);
      }
    }
  });

  it('match each sv_* fingerprint where the sipvicious source says they should', () => {
    const of = (tool: RegExp, method: string) => sv.filter((p) => tool.test(p.tool) && p.text.startsWith(`${method} `));
    const svmap = sv.filter((p) => p.tool.startsWith('svmap'));
    expect(svmap).toHaveLength(3);
    for (const p of svmap) {
      const m = parse(p.text);
      // fromname "sipvicious", fromaddr sip:100@1.1.1.1, createTag(ip hex + port hex)
      expect([svTag(m), svFrom(m), svIds(m), svOrder(m)]).toEqual([true, true, true, true]);
    }
    // REGISTER from svmap formats Python's None as the Contact.
    expect(svContact(parse(of(/^svmap/, 'REGISTER')[0]!.text))).toBe(true);
    expect(svContact(parse(of(/^svmap/, 'OPTIONS')[0]!.text))).toBe(false);

    const svwar = of(/^svwar -x 127\.0\.0\.1 -e100-110/, 'REGISTER');
    expect(svwar.length).toBeGreaterThanOrEqual(11);
    for (const p of svwar) {
      const m = parse(p.text);
      expect([svTag(m), svIds(m), svOrder(m)]).toEqual([true, true, true]);
      expect(svFrom(m)).toBe(false); // display name and address are the probed extension
    }
    // svwar's ACK after a final reply: Contact sip:None@host.
    for (const p of of(/^svwar/, 'ACK')) expect(svContact(parse(p.text))).toBe(true);

    const crack = sv.filter((p) => p.tool.startsWith('svcrack'));
    for (const p of crack) {
      const m = parse(p.text);
      // Fixed tag 3206210844 or createTag("user:password"); Contact sip:123@1.1.1.1.
      expect([svTag(m), svContact(m), svIds(m), svOrder(m)]).toEqual([true, true, true, true]);
    }
    // The tag of an authenticated attempt leaks the password tried.
    const tagged = crack.find((p) => /\r\nAuthorization:/.test(p.text))!;
    const tag = /;tag=([0-9a-f]+)/.exec(tagged.text)![1]!;
    expect(Buffer.from(tag, 'hex').toString('latin1')).toMatch(/^100:\d+\x01\d+$/);

    const compact = sv.filter((p) => p.tool.includes(' -c '));
    expect(compact.length).toBeGreaterThanOrEqual(4);
    for (const p of compact) {
      expect(p.text).not.toContain('User-Agent');
      const m = parse(p.text);
      expect([svTag(m), svIds(m), svOrder(m)]).toEqual([true, true, true]);
    }
  });

  it('are all scanners for is_scanner() with the default fingerprints', async () => {
    const kit = kitFor('loadmodule "scanner.so"\nroute { is_scanner("all", $var(fp)); $var(rc) = $rc; }', createScanner());
    for (const p of sv) {
      const out = await kit.run(p.text);
      expect(out.vars.rc).toBe(1);
    }
    const first = await kit.run(sv[0]!.text);
    expect(first.vars.fp).toBe('ua:friendly-scanner');
    const stripped = await kit.run(withUa(sv[0]!.text, 'Linphone Desktop/4.4.10'));
    expect(stripped.vars.fp).toBe('sv_tag');
  });
});

describe('ordinary phones and servers', () => {
  const ordinary = [...ORDINARY, ...sippPackets.map((p) => ({ name: `captured sipp ${p.text.split(' ')[0]}`, text: p.text }))];

  it('include the captured sipp uac requests', () => {
    expect(sippPackets.map((p) => p.text.split(' ')[0])).toEqual(['INVITE', 'ACK']);
  });

  it.each(ordinary.map((o) => [o.name, o.text] as const))('%s matches no fingerprint', async (_name, text) => {
    expect(svMarks(text)).toEqual([]);
    const ua = parse(text).getHeader('User-Agent');
    if (ua !== undefined) expect(matchUa(ua, compileUaPatterns(DEFAULT_UA_PATTERNS), null)).toBe(-1);
    const kit = kitFor('loadmodule "scanner.so"\nroute { is_scanner("all", $var(fp)); $var(rc) = $rc; }', createScanner());
    const out = await kit.run(text);
    expect(out.vars.rc).toBe(-1);
    expect(out.vars.fp).toBeUndefined();
  });
});

describe('User-Agent patterns', () => {
  // User-Agent strings of scanners and brute forcers as they appear in attack logs.
  const SCANNER_UAS = [
    'friendly-scanner',
    'friendly-request',
    'sipvicious',
    'SIPVicious 0.3.4',
    'sipcli/v1.8',
    'sip-scan',
    'SIPScan',
    'sundayddr',
    'sundayaddr',
    'iWar',
    'VaxSIPUserAgent/3.1',
    'VaxIPUserAgent/3.1',
    'pplsip',
    'siparmyknife',
    'SIVuS',
    'smap 0.6.0',
    'Nmap NSE',
    'Asterix PBX',
  ];
  const compiled = compileUaPatterns(DEFAULT_UA_PATTERNS);

  it('match every known scanner User-Agent', () => {
    for (const ua of SCANNER_UAS) expect([ua, matchUa(ua, compiled, null)]).not.toEqual([ua, -1]);
  });

  it('each default pattern matches at least one known scanner User-Agent', () => {
    for (const p of compiled) expect([p.source, SCANNER_UAS.some((ua) => p.test(ua))]).toEqual([p.source, true]);
  });

  it('scanner_check_ua(): 1 match, -1 no match, -2 no header', async () => {
    const kit = kitFor('loadmodule "scanner.so"\nroute { scanner_check_ua(); $var(rc) = $rc; }', createScanner());
    const base = ORDINARY[0]!.text;
    expect((await kit.run(base.replace(/User-Agent: .*/, 'User-Agent: sipcli/v1.8'))).vars.rc).toBe(1);
    expect((await kit.run(base)).vars.rc).toBe(-1);
    expect((await kit.run(base.replace(/User-Agent: .*\n/, ''))).vars.rc).toBe(-2);
  });

  it('ua_patterns adds patterns; use_default_ua_patterns=0 keeps only those', async () => {
    const zoiper = ORDINARY.find((o) => o.name.startsWith('Zoiper 5'))!.text;
    const script = (extra: string) => `loadmodule "scanner.so"\n${extra}\nroute { is_scanner("ua", $var(fp)); $var(rc) = $rc; }`;
    const added = kitFor(script('modparam("scanner", "ua_patterns", "^Z [0-9]")\nmodparam("scanner", "ua_patterns", "^Asterisk PBX$")'), createScanner());
    expect((await added.run(zoiper)).vars).toEqual({ rc: 1, fp: 'ua:^Z [0-9]' });
    expect((await added.run(sv[0]!.text)).vars.fp).toBe('ua:friendly-scanner');
    const only = kitFor(script('modparam("scanner", "use_default_ua_patterns", 0)\nmodparam("scanner", "ua_patterns", "^Z [0-9]")'), createScanner());
    expect((await only.run(zoiper)).vars.rc).toBe(1);
    expect((await only.run(sv[0]!.text)).vars.rc).toBe(-1);
  });

  it('refuses a bad pattern at load', () => {
    expect(() => kitFor('loadmodule "scanner.so"\nmodparam("scanner", "ua_patterns", "(unclosed")\nroute { is_scanner(); }', createScanner())).toThrow(/bad User-Agent pattern/);
  });
});

describe('fingerprint selection', () => {
  it('parses classes and names into masks', () => {
    expect(parseFingerprints('all')).toBe(63);
    expect(parseFingerprints('sipvicious')).toBe(62);
    expect(parseFingerprints('ua, sv_tag')).toBe(3);
    expect(() => parseFingerprints('ua,bogus')).toThrow(/unknown fingerprint 'bogus'/);
  });

  it('is_scanner() checks only the selected fingerprints', async () => {
    const svwarCompact = sv.find((p) => p.tool.includes(' -c '))!.text;
    const kit = kitFor(`loadmodule "scanner.so"
      route {
        is_scanner("ua"); $var(ua) = $rc;
        is_scanner("sv_ids", $var(fp)); $var(ids) = $rc;
        is_scanner(); $var(dflt) = $rc;
      }`, createScanner());
    const out = await kit.run(svwarCompact);
    expect(out.vars).toEqual({ ua: -1, ids: 1, fp: 'sv_ids', dflt: 1 });
  });

  it('the fingerprints modparam sets the default selection', async () => {
    const kit = kitFor('loadmodule "scanner.so"\nmodparam("scanner", "fingerprints", "ua")\nroute { is_scanner(); $var(rc) = $rc; }', createScanner());
    const compact = sv.find((p) => p.tool.includes(' -c '))!.text;
    expect((await kit.run(compact)).vars.rc).toBe(-1);
    expect((await kit.run(sv[0]!.text)).vars.rc).toBe(1);
  });

  it('refuses an unknown fingerprint name at load', () => {
    expect(() => kitFor('loadmodule "scanner.so"\nroute { is_scanner("ua,nosuch"); }', createScanner())).toThrow(/unknown fingerprint 'nosuch'/);
    expect(() => kitFor('loadmodule "scanner.so"\nmodparam("scanner", "fingerprints", "x")\nroute { is_scanner(); }', createScanner())).toThrow(/unknown fingerprint 'x'/);
  });
});

describe('isSipviciousTag', () => {
  it.each([
    ['3206210844', true], // svcrack's fixed tag
    ['3130300132303935363232373031', true], // "100\x012095622701"
    ['3766303030303031653266340133323339323837313039', true], // svmap: ip/port hex
    ['1928301774', false], // RFC 3261 example tag
    ['1580296218', false], // Yealink-style decimal
    ['a1b2c3d4e5f6a7b8', false],
    ['3130300131', false], // only one digit after the separator
    ['0131323334', false], // nothing before the separator
    ['31303001323334g5', false], // not hex
  ])('%s -> %s', (tag, expected) => {
    expect(isSipviciousTag(tag)).toBe(expected);
  });
});

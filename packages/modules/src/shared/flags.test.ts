import { FlagSyntaxError, flagsParam, letterFlagsParam, parseFlagString, type FlagSetSpec } from './flags';
import { LOOKUP_FLAGS, SAVE_FLAGS } from '../registrar/flags';
import { T_RELAY_FLAGS } from '../tm';
import { CREATE_DIALOG_FLAGS } from '../dialog';
import { FIX_NATED_SDP_FLAGS, NAT_UAC_TEST_FLAGS } from '../nathelper';

const flagsOf = (spec: FlagSetSpec, text: string) => Object.fromEntries(parseFlagString(spec, text).flags);

describe('parseFlagString: named form', () => {
  it('reads comma-separated names with and without values', () => {
    const p = parseFlagString(SAVE_FLAGS, 'memory-only, max-contacts=5,matching-mode=rinstance');
    expect(p.spelling).toBe('named');
    expect(Object.fromEntries(p.flags)).toEqual({ 'memory-only': true, 'max-contacts': 5, 'matching-mode': 'rinstance' });
    expect(p.named).toBe('memory-only,max-contacts=5,matching-mode=rinstance');
  });

  it('treats the empty string as no flags', () => {
    expect(parseFlagString(LOOKUP_FLAGS, '').flags.size).toBe(0);
    expect(parseFlagString(LOOKUP_FLAGS, '').spelling).toBe('named');
  });

  it('keeps the /regexp/ value of ua-filtering with its trailing letters', () => {
    expect(flagsOf(LOOKUP_FLAGS, 'ua-filtering=/phone/i,method-filtering')).toEqual({ 'ua-filtering': '/phone/i', 'method-filtering': true });
  });

  it('refuses an unknown name and suggests the nearest one', () => {
    expect(() => parseFlagString(LOOKUP_FLAGS, 'method-filterin')).toThrow("unknown lookup() flag 'method-filterin' (did you mean 'method-filtering'?)");
  });

  it('refuses a value on a flag that takes none, and a missing or bad value', () => {
    expect(() => parseFlagString(SAVE_FLAGS, 'memory-only=1')).toThrow("save() flag 'memory-only' takes no value");
    expect(() => parseFlagString(SAVE_FLAGS, 'max-contacts')).toThrow("save() flag 'max-contacts' needs a value ('max-contacts=...')");
    expect(() => parseFlagString(SAVE_FLAGS, 'max-contacts=five')).toThrow("flag 'max-contacts' needs an integer value, got 'five'");
    expect(() => parseFlagString(LOOKUP_FLAGS, 'ua-filtering=phone')).toThrow("needs a value written as /regexp/, got 'phone'");
  });

  it('compares names case-insensitively only where OpenSIPS does', () => {
    expect(flagsOf(CREATE_DIALOG_FLAGS, 'Bye-On-Timeout')).toEqual({ 'bye-on-timeout': true });
    expect(() => parseFlagString(LOOKUP_FLAGS, 'Method-Filtering')).toThrow(FlagSyntaxError);
  });
});

describe('parseFlagString: 2.x letters', () => {
  it('maps lookup("location", "m") to method-filtering and says it was the letter form', () => {
    const p = parseFlagString(LOOKUP_FLAGS, 'm');
    expect(p.spelling).toBe('letters');
    expect(p.named).toBe('method-filtering');
    expect(p.raw).toBe('m');
  });

  it('reads letters carrying numbers and multi-character letters', () => {
    expect(flagsOf(SAVE_FLAGS, 'mc5p2E3600')).toEqual({ 'memory-only': true, 'max-contacts': 5, 'path-strict': true, 'max-expires': 3600 });
    expect(parseFlagString(SAVE_FLAGS, 'rc10').named).toBe('no-reply,max-contacts=10');
  });

  it('reads u/regexp/ and leaves the letters after it as flags of their own', () => {
    expect(flagsOf(LOOKUP_FLAGS, 'u/phone/i')).toEqual({ 'ua-filtering': '/phone/', 'case-insensitive': true });
  });

  it('expands a letter that stood for a pair of flags', () => {
    expect(parseFlagString(CREATE_DIALOG_FLAGS, 'BP').named).toBe('bye-on-timeout,options-ping-caller,options-ping-callee');
  });

  it('reports the named-form error when neither spelling parses', () => {
    expect(() => parseFlagString(LOOKUP_FLAGS, 'mz')).toThrow("unknown lookup() flag 'mz'");
    expect(() => parseFlagString(SAVE_FLAGS, 'c')).toThrow(FlagSyntaxError);
  });
});

describe('parseFlagString: 2.x numeric masks', () => {
  it('maps t_relay("0x02") to no-auto-477', () => {
    const p = parseFlagString(T_RELAY_FLAGS, '0x02');
    expect(p.spelling).toBe('bits');
    expect(p.named).toBe('no-auto-477');
    expect(parseFlagString(T_RELAY_FLAGS, '0x06').named).toBe('no-auto-477,no-dns-failover');
  });

  it('reads decimal masks (nat_uac_test) and hex masks (fix_nated_sdp)', () => {
    expect(parseFlagString(NAT_UAC_TEST_FLAGS, '19').named).toBe('private-contact,diff-ip-src-via,diff-port-src-via');
    expect(parseFlagString(FIX_NATED_SDP_FLAGS, '0x03').named).toBe('add-dir-active,rewrite-media-ip');
  });

  it('refuses bits no flag stands for', () => {
    expect(() => parseFlagString(T_RELAY_FLAGS, '0x01')).toThrow("t_relay() flag mask '0x01' holds unknown bits");
  });
});

describe('param specs', () => {
  it('flagsParam validates with the same rules and parses to the flag set', () => {
    const p = flagsParam('flags', LOOKUP_FLAGS, true);
    expect(p.kind).toBe('flags');
    expect(p.optional).toBe(true);
    expect(p.validate!('m')).toBeUndefined();
    expect(p.validate!('bogus')).toBe("unknown lookup() flag 'bogus'");
    const parsed = p.parse!('no-branches', { flagBit: () => undefined }) as { flags: Map<string, unknown> };
    expect([...parsed.flags.keys()]).toEqual(['no-branches']);
  });

  it('letterFlagsParam maps letters to names and refuses unknown letters', () => {
    const p = letterFlagsParam('flags', 'do_routing', { F: 'rule-fallback', L: 'strict-length' });
    expect([...(p.parse!('FL', { flagBit: () => undefined }) as Set<string>)]).toEqual(['rule-fallback', 'strict-length']);
    expect(p.validate!('FX')).toBe(`unknown do_routing() flag 'X' (expected letters of "FL")`);
  });
});

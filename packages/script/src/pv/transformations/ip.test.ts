import { findTransform } from './registry';
import { chain, tr } from './test-helpers';

describe('ip.*', () => {
  it('pton / ntop / family round trip', () => {
    expect(tr('ip.pton', '1.2.3.4')).toBe('\u0001\u0002\u0003\u0004');
    expect(tr('ip.ntop', '\u0001\u0002\u0003\u0004')).toBe('1.2.3.4');
    expect(tr('ip.family', '\u0001\u0002\u0003\u0004')).toBe('INET');
    expect(chain('$(var(x){ip.pton}{ip.family})', '::1')).toBe('INET6');
    expect(chain('$(var(x){ip.pton}{ip.ntop})', '2001:db8::1')).toBe('2001:DB8:0:0:0:0:0:1');
    expect(chain('$(var(x){ip.pton}{ip.ntop})', '[::ffff]')).toBe('0:0:0:0:0:0:0:FFFF');
    expect(chain('$(var(x){ip.pton}{ip.ntop})', '10.0.0.255')).toBe('10.0.0.255');
  });
  it('bad input gives NULL', () => {
    expect(tr('ip.pton', 'example.com')).toBeNull();
    expect(tr('ip.pton', '1.2.3')).toBeNull();
    expect(tr('ip.pton', '01.2.3.4')).toBeNull();
    expect(tr('ip.pton', '256.1.1.1')).toBeNull();
    expect(tr('ip.ntop', 'abc')).toBeNull();
    expect(tr('ip.family', '1.2.3.4')).toBeNull(); // text, not binary
    expect(tr('ip.pton', '')).toBeNull();
    expect(tr('ip.ntop', null)).toBeNull();
  });
  it('isip / isip4 / isip6 return 1 or 0', () => {
    expect(tr('ip.isip', '192.168.1.1')).toBe(1);
    expect(tr('ip.isip', '2001:db8::1')).toBe(1);
    expect(tr('ip.isip', '[2001:db8::1]')).toBe(1);
    expect(tr('ip.isip', 'host')).toBe(0);
    expect(tr('ip.isip4', '2001:db8::1')).toBe(0);
    expect(tr('ip.isip6', '2001:db8::1')).toBe(1);
    expect(tr('ip.isip6', '::ffff:1.2.3.4')).toBe(0); // OpenSIPS's parser has no IPv4 tail
    expect(tr('ip.isip6', '1:2:3:4:5:6:7:8:9')).toBe(0);
    expect(tr('ip.isip6', '1::2::3')).toBe(0);
    expect(tr('ip.isip', '')).toBeNull();
  });
  it('isprivate covers RFC 1918, 100.64/10 and loopback', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.10', '100.64.0.1', '127.0.0.1']) expect(tr('ip.isprivate', a)).toBe(1);
    for (const a of ['172.32.0.1', '8.8.8.8', '192.0.0.1', '::1', 'host']) expect(tr('ip.isprivate', a)).toBe(0);
  });
  it('matches NET/BITS', () => {
    expect(tr('ip.matches', '10.1.2.3', '10.0.0.0/8')).toBe(1);
    expect(tr('ip.matches', '11.1.2.3', '10.0.0.0/8')).toBe(0);
    expect(tr('ip.matches', '192.168.1.77', '192.168.1.64/26')).toBe(1);
    expect(tr('ip.matches', '192.168.1.128', '192.168.1.64/26')).toBe(0);
    expect(tr('ip.matches', '2001:db8::5', '2001:db8::/32')).toBe(1);
    expect(tr('ip.matches', '1.2.3.4', '0.0.0.0/0')).toBe(1);
    expect(tr('ip.matches', '1.2.3.4', '2001:db8::/32')).toBeNull(); // different families
    expect(tr('ip.matches', 'host', '10.0.0.0/8')).toBeNull();
    expect(tr('ip.matches', '10.0.0.1', '10.0.0.0')).toBeNull();
    expect(tr('ip.matches', '10.0.0.1', '10.0.0.0/33')).toBeNull();
    const check = findTransform('ip.matches')!.checkArgs!;
    expect(check(['10.0.0.0/8'])).toBeUndefined();
    expect(check(['10.0.0.0'])).toBe("ip.matches: expected NET/BITS, got '10.0.0.0'");
    expect(check(['x/8'])).toBe("ip.matches: 'x' is not an IP address");
    expect(check(['10.0.0.0/40'])).toBe("ip.matches: invalid mask length '40'");
  });
  it('resolve uses the host resolver and never blocks', () => {
    const env = { resolveHost: (name: string, fam: 0 | 4 | 6) => (name === 'sip.example.com' ? (fam === 6 ? '2001:db8::1' : '192.0.2.1') : null) };
    const def = (n: string) => findTransform(n)!;
    expect(def('ip.resolve').apply('sip.example.com', [], env)).toBe('192.0.2.1');
    expect(def('ip.resolve6').apply('sip.example.com', [], env)).toBe('2001:DB8:0:0:0:0:0:1');
    expect(def('ip.resolve').apply('nowhere.invalid', [], env)).toBeNull();
    expect(def('ip.resolve').apply('sip.example.com', [])).toBeNull(); // no resolver
    expect(def('ip.resolve').apply('1.2.3.4', [])).toBe('1.2.3.4'); // literals resolve to themselves
    expect(def('ip.resolve4').apply('::1', [])).toBeNull();
  });
  it('resolve reads the numeric shorthands a resolver accepts (inet_aton), so spellings compare as addresses', () => {
    const def = (n: string) => findTransform(n)!;
    expect(def('ip.resolve').apply('127.2', [])).toBe('127.0.0.2');
    expect(def('ip.resolve').apply('127.0.2', [])).toBe('127.0.0.2');
    expect(def('ip.resolve').apply('0x7f.1', [])).toBe('127.0.0.1');
    expect(def('ip.resolve').apply('0177.0.0.01', [])).toBe('127.0.0.1');
    expect(def('ip.resolve').apply('2130706433', [])).toBe('127.0.0.1');
    expect(def('ip.resolve4').apply('10.65535', [])).toBe('10.0.255.255');
    // not numbers: left to the host resolver (none here)
    expect(def('ip.resolve').apply('127.256.0.0.1', [])).toBeNull();
    expect(def('ip.resolve').apply('10.65536.1', [])).toBeNull();
    expect(def('ip.resolve').apply('4294967296', [])).toBeNull();
    expect(def('ip.resolve').apply('08.1', [])).toBeNull();
    expect(def('ip.resolve6').apply('127.2', [])).toBeNull();
  });
});

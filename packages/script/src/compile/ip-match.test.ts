import { ipInNet, ipNet } from './ip-match';

describe('ip networks', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0', '8', true],
    ['11.1.2.3', '10.0.0.0', '8', false],
    ['192.0.2.10', '192.0.2.10', null, true],
    ['192.0.2.11', '192.0.2.10', null, false],
    ['10.1.2.3', '10.0.0.0', '255.0.0.0', true],
    ['2001:db8::1', '2001:db8::', '32', true],
    ['[2001:db8::1]', '2001:db8::', '32', true],
    ['2001:db9::1', '2001:db8::', '32', false],
    ['::1', '::1', null, true],
    ['10.0.0.1', '::1', null, false],
    ['not-an-ip', '10.0.0.0', '8', false],
  ])('%s in %s/%s -> %s', (addr, net, mask, expected) => {
    const n = ipNet(net, mask);
    expect(n).not.toBeNull();
    expect(ipInNet(addr, n!)).toBe(expected);
  });

  it('refuses bad networks', () => {
    expect(ipNet('10.0.0.0', '33')).toBeNull();
    expect(ipNet('10.0.0.0', '::')).toBeNull();
    expect(ipNet('nope', null)).toBeNull();
  });
});

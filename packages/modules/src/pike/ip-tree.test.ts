import { formatIp, IpTree, parseIpInto, PIKE_NEW_RED, PIKE_OK, PIKE_RED } from './ip-tree';

const bytes = (ip: string): [Uint8Array, number] => {
  const b = new Uint8Array(16);
  const len = parseIpInto(ip, b);
  if (len === 0) throw new Error(`not an IP: ${ip}`);
  return [b, len];
};

/** Hits until the address turns red (or `max`); returns the number of the red hit and the codes. */
function hitUntilRed(t: IpTree, ip: string, now: number, max = 1000): { at: number; codes: number[] } {
  const [b, len] = bytes(ip);
  const codes: number[] = [];
  for (let i = 1; i <= max; i++) {
    const rc = t.hit(b, len, now);
    codes.push(rc);
    if (rc !== PIKE_OK) return { at: i, codes };
  }
  return { at: -1, codes };
}

describe('IP literals', () => {
  it.each([
    ['127.0.0.5', 4, '127.0.0.5'],
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['::1', 16, '::1'],
    ['::', 16, '::'],
    ['[2001:db8::5]', 16, '2001:db8::5'],
    ['2001:DB8:0:0:1:0:0:1', 16, '2001:db8::1:0:0:1'],
    ['fe80::1%eth0', 16, 'fe80::1'],
    ['::ffff:192.0.2.1', 16, '::ffff:c000:201'],
    ['1:2:3:4:5:6:7:8', 16, '1:2:3:4:5:6:7:8'],
    ['1::', 16, '1::'],
  ])('%s parses to %d bytes and prints as %s', (text, len, shown) => {
    const b = new Uint8Array(16);
    expect(parseIpInto(text, b)).toBe(len);
    expect(formatIp(b, len)).toBe(shown);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1', '12345::', 'host.example.com', '1.2.3.4:'])(
    '%s is not an address',
    (text) => {
      expect(parseIpInto(text, new Uint8Array(16))).toBe(0);
    },
  );
});

describe('IpTree', () => {
  const T0 = 1_000_000;

  it('IPv4: a cold address turns red after the prefix is expanded and the leaf reaches the density; -2 once, then -1', () => {
    const t = new IpTree({ density: 30, timeoutMs: 120_000 });
    const { at, codes } = hitUntilRed(t, '192.0.2.7', T0);
    // 1 (first byte) + 6 (to a quarter of 30 on the first byte) + 2 (bytes 2 and 3 split at once) + 30 on the leaf.
    expect(at).toBe(39);
    expect(codes.slice(0, -1).every((c) => c === PIKE_OK)).toBe(true);
    expect(codes[at - 1]).toBe(PIKE_NEW_RED);
    const [b, len] = bytes('192.0.2.7');
    expect(t.hit(b, len, T0)).toBe(PIKE_RED);
    expect(t.hit(b, len, T0)).toBe(PIKE_RED);
    expect(t.isRed(b, len)).toBe(true);
    expect(t.red()).toEqual(['192.0.2.7']);
    expect(t.size).toBe(4);
  });

  it('IPv6: 16 levels, red after the density on the leaf; IPv4 and IPv6 trees do not share prefixes', () => {
    const t = new IpTree({ density: 8, timeoutMs: 120_000 });
    const { at } = hitUntilRed(t, '2001:db8::1', T0);
    // 1 + 1 (quarter of 8 is 2) + 14 splits + 8 on the leaf.
    expect(at).toBe(24);
    expect(t.red()).toEqual(['2001:db8::1']);
    expect(t.size).toBe(16);
    // 32.1.13.184 has the same first bytes as 2001:0db8: it starts cold in its own tree.
    const [b, len] = bytes('32.1.13.184');
    expect(t.hit(b, len, T0)).toBe(PIKE_OK);
    expect(t.depthOf(b, len)).toBe(1);
    expect(t.size).toBe(17);
  });

  it('a flood spread over a subnet expands the shared prefix: each further address is tracked from its first hit and needs only the density', () => {
    const density = 20;
    const t = new IpTree({ density, timeoutMs: 120_000 });
    // Requests round-robin over 10.1.2.1 .. 10.1.2.50, two each: no address gets near the density...
    for (let round = 0; round < 2; round++) {
      for (let h = 1; h <= 50; h++) {
        const [b, len] = bytes(`10.1.2.${h}`);
        expect(t.hit(b, len, T0)).toBe(PIKE_OK);
      }
    }
    // ...but the subnet's prefix took the hits: 10.1.2 is expanded and the addresses have leaves.
    const [x, xl] = bytes('10.1.2.99');
    expect(t.depthOf(x, xl)).toBe(3);
    expect(t.depthOf(...bytes('10.1.2.49'))).toBe(4);
    expect(t.red()).toEqual([]);
    // A new address of the hot subnet is red after its leaf node plus `density` hits...
    expect(hitUntilRed(t, '10.1.2.99', T0).at).toBe(density + 1);
    // ...while one of a cold subnet first has to expand its prefix (1 + 4 + 2 more).
    expect(hitUntilRed(t, '10.9.9.9', T0).at).toBe(density + 1 + 2);
    expect(hitUntilRed(t, '172.16.0.1', T0).at).toBe((density >> 2) + 2 + density);
    // Every address of the subnet that floods at the density is caught on its `density`-th leaf hit
    // (10.1.2.7 .. 50 got their leaf in the first round and one leaf hit in the second).
    for (let h = 1; h <= 50; h++) expect(hitUntilRed(t, `10.1.2.${h}`, T0).at).toBe(h <= 6 ? density : density - 1);
    expect(t.red()).toHaveLength(53);
  });

  it('counts per sampling unit: swap shifts the counters; a rate below the density never turns red', () => {
    const t = new IpTree({ density: 10, timeoutMs: 120_000 });
    const [b, len] = bytes('198.51.100.1');
    for (let unit = 0; unit < 20; unit++) {
      for (let i = 0; i < 9; i++) expect(t.hit(b, len, T0 + unit * 1000)).toBe(PIKE_OK);
      t.swap();
    }
    expect(t.isRed(b, len)).toBe(false);
    // The previous unit counts too: 9 then 10 in the next one is red ((9+10)/2 < 10, but 10 >= 10).
    for (let i = 0; i < 9; i++) t.hit(b, len, T0);
    expect(t.hit(b, len, T0)).toBe(PIKE_NEW_RED);
  });

  it('unblocks a red address once it is quiet for a unit (the previous unit no longer hot), and reports it', () => {
    const unblocked: Array<[string, string]> = [];
    const t = new IpTree({ density: 5, timeoutMs: 10_000, onUnblock: (ip, why) => unblocked.push([ip, why]) });
    expect(hitUntilRed(t, '203.0.113.9', T0).codes.at(-1)).toBe(PIKE_NEW_RED);
    const [b, len] = bytes('203.0.113.9');
    t.swap(); // the flood's unit becomes "previous": still red
    expect(t.isRed(b, len)).toBe(true);
    expect(t.hit(b, len, T0)).toBe(PIKE_RED);
    t.swap(); // the previous unit had one hit: no longer hot
    expect(t.isRed(b, len)).toBe(false);
    t.swap();
    expect(unblocked).toEqual([['203.0.113.9', 'quiet']]);
    // A new block is a new "first time".
    expect(hitUntilRed(t, '203.0.113.9', T0).codes.at(-1)).toBe(PIKE_NEW_RED);
  });

  it('ages nodes out remove_latency after their last hit; interior nodes follow once their last child is gone', () => {
    const t = new IpTree({ density: 4, timeoutMs: 2_000 });
    const [b, len] = bytes('192.0.2.1');
    hitUntilRed(t, '192.0.2.1', T0);
    expect(t.size).toBe(4);
    t.clean(T0 + 1_999);
    expect(t.size).toBe(4);
    // A hit refreshes the leaf.
    t.hit(b, len, T0 + 1_500);
    t.clean(T0 + 3_000);
    expect(t.size).toBe(4);
    t.clean(T0 + 3_500);
    expect(t.size).toBe(3); // the leaf; its father is a leaf now, expiring 2 s later
    t.clean(T0 + 5_499);
    expect(t.size).toBe(3);
    t.clean(T0 + 5_500);
    expect(t.size).toBe(2);
    t.clean(T0 + 100_000);
    expect(t.size).toBe(1);
    t.clean(T0 + 102_000);
    expect(t.size).toBe(0);
    expect(t.depthOf(b, len)).toBe(0);
  });

  it('a prefix with few hits is not refreshed by them, so a trickle over many addresses does not keep memory', () => {
    const t = new IpTree({ density: 400, timeoutMs: 1_000 });
    for (let i = 0; i < 50; i++) t.hit(...bytes(`10.0.0.${i}`), T0 + i * 100);
    expect(t.size).toBe(1); // only the first byte, never hot enough to split
    t.clean(T0 + 1_000);
    expect(t.size).toBe(0);
  });

  it('forgetting a red address reports an unblock too', () => {
    const unblocked: string[] = [];
    const t = new IpTree({ density: 3, timeoutMs: 1_000, onUnblock: (ip, why) => unblocked.push(`${ip} ${why}`) });
    hitUntilRed(t, '::1', T0);
    t.clean(T0 + 1_000);
    expect(unblocked).toEqual(['::1 expired']);
    expect(t.red()).toEqual([]);
  });

  it('memory is bounded: at maxNodes the stalest leaf is evicted, red addresses stay', () => {
    const t = new IpTree({ density: 4, timeoutMs: 60_000, maxNodes: 64 });
    const { at } = hitUntilRed(t, '198.51.100.200', T0);
    expect(at).toBeGreaterThan(0);
    // A spoofed flood from 5000 different /8s.
    for (let i = 0; i < 5000; i++) {
      const ip = `${(i % 200) + 1}.${(i >> 3) & 255}.${i & 255}.1`;
      for (let k = 0; k < 3; k++) t.hit(...bytes(ip), T0 + 1 + i);
      // The blocked flooder hits less often than the churn: red leaves are spared by eviction.
      if (i % 10 === 0) expect(t.hit(...bytes('198.51.100.200'), T0 + 1 + i)).toBe(PIKE_RED);
    }
    expect(t.size).toBeLessThanOrEqual(64);
    expect(t.evictions).toBeGreaterThan(1000);
    expect(t.red()).toEqual(['198.51.100.200']);
  });

  it('a prefix with many children (looked up by byte) keeps finding, expiring and re-adding them correctly', () => {
    const t = new IpTree({ density: 3, timeoutMs: 1_000 });
    for (let h = 0; h < 256; h++) hitUntilRed(t, `10.0.0.${h}`, T0 + h);
    expect(t.red()).toHaveLength(256);
    expect(t.size).toBe(3 + 256);
    // Half of them expire (the older ones), the rest are still found.
    t.clean(T0 + 1_127);
    expect(t.size).toBe(3 + 128);
    for (let h = 0; h < 256; h++) expect(t.depthOf(...bytes(`10.0.0.${h}`))).toBe(h < 128 ? 3 : 4);
    expect(t.hit(...bytes('10.0.0.200'), T0 + 1_200)).toBe(PIKE_RED);
    t.clean(T0 + 1_255);
    expect(t.size).toBe(3 + 1);
    expect(t.red()).toEqual(['10.0.0.200']);
    // Re-adding after the shrink.
    for (let h = 0; h < 20; h++) t.hit(...bytes(`10.0.0.${h}`), T0 + 1_300);
    for (let h = 0; h < 20; h++) expect(t.depthOf(...bytes(`10.0.0.${h}`))).toBe(4);
    expect(t.size).toBe(3 + 21);
  });

  it('unblock (MI pike:rm): not found, not blocked, ok with counters reset', () => {
    const unblocked: string[] = [];
    const t = new IpTree({ density: 3, timeoutMs: 60_000, onUnblock: (ip, why) => unblocked.push(`${ip} ${why}`) });
    expect(t.unblock(...bytes('192.0.2.1'))).toBe('not-found');
    hitUntilRed(t, '192.0.2.1', T0);
    expect(t.unblock(...bytes('192.0.2.1'))).toBe('ok');
    expect(unblocked).toEqual(['192.0.2.1 mi']);
    expect(t.unblock(...bytes('192.0.2.1'))).toBe('not-blocked');
    // The leaf exists: the density of hits makes it red again.
    expect(hitUntilRed(t, '192.0.2.1', T0).at).toBe(3);
  });
});

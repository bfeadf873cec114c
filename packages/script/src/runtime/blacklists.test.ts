import { BlacklistStore, globToRegExp, ipText, makeRule, parseIpInto, parseNet, parseRuleText, type BlacklistRule, type RuleSpec } from './blacklists';

function rule(spec: RuleSpec): BlacklistRule {
  const r = makeRule(spec);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

function storeWith(...specs: RuleSpec[]): { store: BlacklistStore; bit: number } {
  const store = new BlacklistStore();
  const h = store.create('l', 'test', {}, specs.map(rule));
  if (typeof h === 'string') throw new Error(h);
  return { store, bit: h.bit };
}

describe('IP parsing', () => {
  const buf = new Uint8Array(16);
  it('reads IPv4 and rejects bad ones', () => {
    expect(parseIpInto('127.0.0.7', buf)).toBe(4);
    expect(Array.from(buf.subarray(0, 4))).toEqual([127, 0, 0, 7]);
    expect(parseIpInto('256.0.0.1', buf)).toBe(0);
    expect(parseIpInto('1.2.3', buf)).toBe(0);
    expect(parseIpInto('example.com', buf)).toBe(0);
  });
  it('reads IPv6 with :: compression, brackets and embedded IPv4', () => {
    expect(parseIpInto('::1', buf)).toBe(16);
    expect(Array.from(buf)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpInto('[2001:db8::a:1]', buf)).toBe(16);
    expect(ipText(buf.slice())).toBe('2001:db8:0:0:0:0:a:1'.replace(':0:0:0:0:', '::'));
    expect(parseIpInto('::ffff:10.1.2.3', buf)).toBe(16);
    expect(Array.from(buf.subarray(10))).toEqual([255, 255, 10, 1, 2, 3]);
    expect(parseIpInto('1::2::3', buf)).toBe(0);
    expect(parseIpInto('12345::1', buf)).toBe(0);
  });
  it('nets: bit lengths, dotted masks, errors', () => {
    const n = parseNet('10.1.2.3/8');
    expect(typeof n).not.toBe('string');
    if (typeof n === 'string') return;
    expect(ipText(n.net)).toBe('10.0.0.0');
    expect(ipText(n.mask)).toBe('255.0.0.0');
    const d = parseNet('192.168.5.9/255.255.255.0');
    if (typeof d === 'string') throw new Error(d);
    expect(ipText(d.net)).toBe('192.168.5.0');
    expect(parseNet('10.0.0.0/33')).toMatch(/too long/);
    expect(parseNet('10.0.0.0/')).toMatch(/empty netmask/);
    expect(parseNet('nope')).toMatch(/not an IP/);
  });
});

describe('glob patterns (fnmatch, no flags)', () => {
  it('* crosses line ends, ? is one char, brackets and negated brackets', () => {
    expect(globToRegExp('INVITE*').test('INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n')).toBe(true);
    expect(globToRegExp('INVITE*').test('BYE sip:a@b SIP/2.0')).toBe(false);
    expect(globToRegExp('*User-Agent: friendly-scanner*').test('OPTIONS x\r\nUser-Agent: friendly-scanner\r\n\r\n')).toBe(true);
    expect(globToRegExp('B?E*').test('BYE x')).toBe(true);
    expect(globToRegExp('[IB]*').test('BYE')).toBe(true);
    expect(globToRegExp('[!IB]*').test('BYE')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('\\*').test('*')).toBe(true);
  });
});

describe('rule matching', () => {
  it('an IPv4 net with a mask; port 0 = any; proto null = any', () => {
    const { store, bit } = storeWith({ net: '127.0.0.0/24' });
    expect(store.check(bit, 'udp', '127.0.0.9', 5060, null)?.name).toBe('l');
    expect(store.check(bit, 'tcp', '127.0.0.200', 7000, null)?.name).toBe('l');
    expect(store.check(bit, 'udp', '127.0.1.9', 5060, null)).toBeNull();
  });
  it('exact port and proto', () => {
    const { store, bit } = storeWith({ proto: 'udp', net: '10.0.0.1', port: 5060 });
    expect(store.check(bit, 'udp', '10.0.0.1', 5060, null)).not.toBeNull();
    expect(store.check(bit, 'udp', '10.0.0.1', 5070, null)).toBeNull();
    expect(store.check(bit, 'tcp', '10.0.0.1', 5060, null)).toBeNull();
    expect(store.check(bit, 'udp', '10.0.0.2', 5060, null)).toBeNull();
  });
  it('IPv6 masks, and a rule never matches the other family', () => {
    const { store, bit } = storeWith({ net: '2001:db8::/32' });
    expect(store.check(bit, 'udp', '2001:db8:1::5', 5060, null)).not.toBeNull();
    expect(store.check(bit, 'udp', '[2001:db8::1]', 5060, null)).not.toBeNull();
    expect(store.check(bit, 'udp', '2001:db9::1', 5060, null)).toBeNull();
    expect(store.check(bit, 'udp', '32.1.13.184', 5060, null)).toBeNull();
    const v4 = storeWith({ net: '0.0.0.0/0' });
    expect(v4.store.check(v4.bit, 'udp', '::1', 5060, null)).toBeNull();
    expect(v4.store.check(v4.bit, 'udp', '8.8.8.8', 5060, null)).not.toBeNull();
  });
  it('a pattern is matched against the whole outgoing request (text or bytes); an empty pattern is no pattern', () => {
    const { store, bit } = storeWith({ net: '10.0.0.0/8', pattern: 'INVITE*' });
    expect(store.check(bit, 'udp', '10.1.1.1', 5060, Buffer.from('INVITE sip:x SIP/2.0\r\n\r\n'))).not.toBeNull();
    expect(store.check(bit, 'udp', '10.1.1.1', 5060, 'MESSAGE sip:x SIP/2.0\r\n\r\n')).toBeNull();
    expect(store.check(bit, 'udp', '10.1.1.1', 5060, null)).toBeNull();
    const empty = storeWith({ net: '10.0.0.0/8', pattern: '' });
    expect(empty.store.lists()[0]!.rules[0]!.pattern).toBeNull();
    expect(empty.store.check(empty.bit, 'udp', '10.1.1.1', 5060, 'anything')).not.toBeNull();
  });
  it('a negated rule matches everything its fields do not (an allow-only list)', () => {
    const { store, bit } = storeWith({ negated: true, net: '192.168.0.0/16' });
    expect(store.check(bit, 'udp', '192.168.3.4', 5060, null)).toBeNull();
    expect(store.check(bit, 'udp', '10.0.0.1', 5060, null)).not.toBeNull();
  });
  it('lists are only checked when their bit is in the mask; defaults form defaultMask', () => {
    const store = new BlacklistStore();
    const a = store.create('a', 'script', {}, [rule({ net: '10.0.0.1' })]);
    const b = store.create('b', 'script', { byDefault: true }, [rule({ net: '10.0.0.2' })]);
    if (typeof a === 'string' || typeof b === 'string') throw new Error('create');
    expect(store.defaultMask).toBe(b.bit);
    expect(store.check(0, 'udp', '10.0.0.1', 5060, null)).toBeNull();
    expect(store.check(store.defaultMask, 'udp', '10.0.0.1', 5060, null)).toBeNull();
    expect(store.check(store.defaultMask, 'udp', '10.0.0.2', 5060, null)?.name).toBe('b');
    expect(store.check(a.bit, 'udp', '10.0.0.1', 5060, null)?.name).toBe('a');
    expect(store.create('a', 'x')).toMatch(/twice/);
  });
});

describe('dynamic rules', () => {
  it('add skips duplicates, remove needs the same fields, read-only lists refuse both', () => {
    const store = new BlacklistStore();
    const h = store.create('dyn', 'drouting');
    const ro = store.create('ro', 'script', { readonly: true });
    if (typeof h === 'string' || typeof ro === 'string') throw new Error('create');
    expect(store.add(h, [rule({ net: '10.0.0.0/8', port: 5060 }), rule({ net: '10.9.9.9/8', port: 5060 })])).toBeUndefined();
    expect(h.rules).toHaveLength(1);
    expect(store.remove(h, rule({ net: '10.0.0.0/8', port: 5061 }))).toBe(false);
    expect(store.remove(h, rule({ net: '10.0.0.0/8', port: 5060 }))).toBe(true);
    expect(h.rules).toHaveLength(0);
    expect(store.add(ro, [rule({ net: '1.2.3.4' })])).toMatch(/read-only/);
    expect(store.replace(h, [rule({ net: '1.1.1.1' }), rule({ net: '2.2.2.2' })])).toBeUndefined();
    expect(h.rules.map((r) => ipText(r.net))).toEqual(['1.1.1.1', '2.2.2.2']);
  });
  it('expiring rules go away after their time; lists without expire refuse an expiry', () => {
    const store = new BlacklistStore();
    let now = 1_000_000;
    store.now = () => now;
    const h = store.create('tmp', 'script', { expire: true });
    const plain = store.create('plain', 'script');
    if (typeof h === 'string' || typeof plain === 'string') throw new Error('create');
    expect(store.add(h, [rule({ net: '10.0.0.1' })], 30)).toBeUndefined();
    expect(store.add(h, [rule({ net: '10.0.0.2' })])).toBeUndefined();
    expect(store.check(h.bit, 'udp', '10.0.0.1', 5060, null)).not.toBeNull();
    expect(store.view(h).Rules[0]!.Expire).toBe(30);
    now += 31_000;
    expect(store.check(h.bit, 'udp', '10.0.0.1', 5060, null)).toBeNull();
    expect(store.check(h.bit, 'udp', '10.0.0.2', 5060, null)).not.toBeNull();
    expect(h.rules).toHaveLength(1);
    expect(store.add(plain, [rule({ net: '10.0.0.1' })], 30)).toMatch(/no expire support/);
    expect(store.create('bad', 'script', { readonly: true, expire: true })).toMatch(/read-only/);
  });
  it('the MI rule text: [!][proto,]ip[/mask][,port[,pattern]]', () => {
    const r = parseRuleText('!udp,10.0.0.0/8,5060,INVITE*');
    if (typeof r === 'string') throw new Error(r);
    expect([r.negated, r.proto, ipText(r.net), ipText(r.mask), r.port, r.pattern]).toEqual([true, 'udp', '10.0.0.0', '255.0.0.0', 5060, 'INVITE*']);
    const s = parseRuleText('any,::1');
    if (typeof s === 'string') throw new Error(s);
    expect([s.proto, s.family, s.port, s.pattern]).toEqual([null, 6, 0, null]);
    expect(parseRuleText('10.0.0.1,abc')).toMatch(/invalid port/);
    expect(parseRuleText('udp,nothing')).toMatch(/not an IP/);
  });
  it('at most 32 lists (a bit each)', () => {
    const store = new BlacklistStore();
    for (let i = 0; i < 32; i++) expect(typeof store.create(`l${i}`, 'x')).toBe('object');
    expect(store.create('l32', 'x')).toMatch(/too many/);
  });
});

import fc from 'fast-check';
import { parsePvSpec } from '../pv-syntax';
import { checkTransform, findTransform, registerTransform, transformNames } from './index';

describe('registry', () => {
  it('finds names case-insensitively and through aliases', () => {
    expect(findTransform('S.INT')!.name).toBe('s.int');
    expect(findTransform('uri.domain')!.name).toBe('uri.host');
    expect(findTransform('param.exists')!.name).toBe('param.exist');
    expect(findTransform('s.nope')).toBeUndefined();
  });
  it('lists every OpenSIPS core transformation tsips implements', () => {
    const names = transformNames();
    for (const n of [
      's.len', 's.int', 's.md5', 's.crc32', 's.reverse', 's.substr', 's.select', 's.encode.hexa', 's.decode.hexa',
      's.escape.common', 's.unescape.common', 's.escape.user', 's.unescape.user', 's.escape.param', 's.unescape.param',
      's.tolower', 's.toupper', 's.index', 's.rindex', 's.fill.left', 's.fill.right', 's.width', 's.trim', 's.trimr',
      's.triml', 's.dec2hex', 's.hex2dec', 's.b64encode', 's.b64decode', 's.xor', 's.eval', 's.date2unix', 's.sha1',
      's.sha224', 's.sha256', 's.sha384', 's.sha512', 's.sha1_hmac', 's.sha224_hmac', 's.sha256_hmac', 's.sha384_hmac',
      's.sha512_hmac', 'uri.user', 'uri.host', 'uri.domain', 'uri.passwd', 'uri.port', 'uri.params', 'uri.param',
      'uri.headers', 'uri.transport', 'uri.ttl', 'uri.uparam', 'uri.maddr', 'uri.method', 'uri.lr', 'uri.r2',
      'uri.schema', 'via.name', 'via.version', 'via.transport', 'via.host', 'via.port', 'via.comment', 'via.params',
      'via.param', 'via.branch', 'via.received', 'via.rport', 'param.value', 'param.exist', 'param.valueat',
      'param.name', 'param.count', 'nameaddr.name', 'nameaddr.uri', 'nameaddr.len', 'nameaddr.param',
      'nameaddr.params', 'ip.pton', 'ip.ntop', 'ip.isip', 'ip.isip4', 'ip.isip6', 'ip.family', 'ip.resolve',
      'ip.resolve4', 'ip.resolve6', 'ip.matches', 'ip.isprivate', 'csv.count', 'csv.value', 're.subst', 'sdp.line',
      'sdp.stream', 'sdp.stream-delete',
    ]) {
      expect(names).toContain(n);
    }
  });
  it('every definition is consistent', () => {
    for (const n of transformNames()) {
      const d = findTransform(n)!;
      expect(d.args.length).toBe(d.maxArgs);
      expect(d.minArgs).toBeLessThanOrEqual(d.maxArgs);
    }
  });
  it('registers module transformations and refuses clashes', () => {
    registerTransform({ name: 'Test.Double', minArgs: 0, maxArgs: 0, args: [], apply: (v) => (typeof v === 'number' ? v * 2 : null) });
    expect(findTransform('test.double')!.apply(21, [])).toBe(42);
    expect(() => registerTransform({ name: 's.int', minArgs: 0, maxArgs: 0, args: [], apply: () => null })).toThrow(
      "transformation 's.int' is already registered",
    );
    expect(() => registerTransform({ name: 'test.bad', minArgs: 0, maxArgs: 1, args: [], apply: () => null })).toThrow(
      "transformation 'test.bad': args must list maxArgs entries and minArgs <= maxArgs",
    );
  });
  it('the parser reads a registered transformation with its declared argument syntax', () => {
    registerTransform({ name: 'test.split', minArgs: 1, maxArgs: 2, args: ['char', 'int'], apply: () => null });
    expect(parsePvSpec('$(var(x){test.split,,})').transforms[0].args).toEqual([{ kind: 'literal', text: ',' }]);
    expect(parsePvSpec('$(var(x){test.split,;,-2})').transforms[0].args).toEqual([
      { kind: 'literal', text: ';' },
      { kind: 'literal', text: '-2' },
    ]);
  });
  it('checkTransform reports unknown names, counts and literal problems', () => {
    const t = (s: string) => parsePvSpec(s).transforms[0];
    expect(checkTransform(t('$(var(x){s.substr,1,2})'))).toBeUndefined();
    expect(checkTransform(t('$(var(x){json.path,x})'))).toBe("unknown transformation 'json.path'");
    expect(checkTransform(t('$(var(x){re.subst,/a/b/z})'))).toBe("re.subst: unknown flag 'z'");
    expect(checkTransform(t('$(var(x){ip.matches,1.2.3.4})'))).toBe("ip.matches: expected NET/BITS, got '1.2.3.4'");
    expect(checkTransform({ name: 's.substr', args: [{ kind: 'literal', text: '1' }], offset: 0 })).toBe('s.substr takes 2 arguments, got 1');
    expect(checkTransform({ name: 'nameaddr.uri', args: [], offset: 0 })).toBeUndefined();
  });
});

describe('apply never throws', () => {
  const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null), fc.constantFrom(
    'sip:alice@example.com;transport=tcp?x=y', '"A" <sip:a@b>;tag=1, <sip:c@d>', 'SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bK1',
    'a=1;b;c="q"', 'a,"b,c",d', '10.0.0.1', '::1', 'v=0\r\nm=audio 1 RTP/AVP 0\r\n', '\u0001\u0002\u0003\u0004',
  ));
  const arg = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -50, max: 50 }), fc.constant(null), fc.constantFrom('/a/b/g', '/(x/y/', '0', '-1', '10.0.0.0/8', ','));
  it.each(transformNames())('%s', (name) => {
    const def = findTransform(name)!;
    fc.assert(
      fc.property(value, fc.array(arg, { minLength: def.maxArgs, maxLength: def.maxArgs }), (v, args) => {
        for (let n = def.minArgs; n <= def.maxArgs; n++) {
          const r = def.apply(v, args.slice(0, n));
          expect(r === null || typeof r === 'string' || typeof r === 'number').toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

import * as crypto from 'node:crypto';
import { algorithmByName, ALG_MD5, ALG_SHA256, ALG_SHA512_256, algorithmById, clientResponse, computeHa1, hexHash, computeHa2, computeResponse, sessionKey } from './digest';
import { isNonceStale, LocalNonceIndexStore, Noncer, QOP_AUTH } from './nonce';

describe('digest computations', () => {
  it('RFC 2617 section 3.5 example (MD5, qop=auth)', () => {
    const alg = algorithmById(ALG_MD5)!;
    const ha1 = computeHa1(alg, 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const ha2 = computeHa2(alg, 'GET', '/dir/index.html', false, '');
    expect(computeResponse(alg, ha1, 'dcd98b7102dd2f0e8b11d0f600bfb0c093', ha2, 'auth', '00000001', '0a4f113b'))
      .toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    user: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: '00000001', qop: 'auth',
  };

  it('RFC 7616 section 3.9.1 (MD5 and SHA-256)', () => {
    expect(clientResponse({ ...rfc7616, alg: algorithmByName('MD5')! })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(clientResponse({ ...rfc7616, alg: algorithmByName('SHA-256')! })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('SHA-512-256 is FIPS 180-4 SHA-512/256 (NIST "abc" example), with the RFC 7616 layout', () => {
    const alg = algorithmById(ALG_SHA512_256)!;
    expect(hexHash(alg, 'abc')).toBe('53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
    const h = (t: string) => crypto.createHash('sha512-256').update(t, 'utf8').digest('hex');
    const ha1 = h('J\u00e4s\u00f8n Doe:api@example.org:Secret, or not?');
    const ha2 = h('GET:/doe.json');
    expect(clientResponse({
      alg, user: 'J\u00e4s\u00f8n Doe', realm: 'api@example.org', password: 'Secret, or not?', method: 'GET', uri: '/doe.json',
      nonce: 'n0nce', cnonce: 'cn', nc: '00000001', qop: 'auth',
    })).toBe(h(`${ha1}:n0nce:00000001:cn:auth:${ha2}`));
  });

  it('RFC 2069 form without qop, -sess keys and auth-int body hashing', () => {
    const md5 = algorithmById(ALG_MD5)!;
    const ha1 = computeHa1(md5, 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    // RFC 2069 example (password "CircleOfLife"; response as corrected by its erratum).
    const ha1b = computeHa1(md5, 'Mufasa', 'testrealm@host.com', 'CircleOfLife');
    expect(computeResponse(md5, ha1b, 'dcd98b7102dd2f0e8b11d0f600bfb0c093', computeHa2(md5, 'GET', '/dir/index.html', false, '')))
      .toBe('1949323746fe6a43ef61f9606e7febea');
    const sess = algorithmByName('md5-SESS')!;
    expect(sessionKey(sess, ha1, 'n', 'c')).toBe(computeHa1(md5, ha1, 'n', 'c'));
    expect(sessionKey(md5, ha1, 'n', 'c')).toBe(ha1);
    const sha = algorithmById(ALG_SHA256)!;
    expect(computeHa2(sha, 'MESSAGE', 'sip:b@x', true, 'hello')).not.toBe(computeHa2(sha, 'MESSAGE', 'sip:b@x', true, 'hellp'));
    const h = (t: string) => crypto.createHash('sha256').update(t).digest('hex');
    expect(computeHa2(sha, 'MESSAGE', 'sip:b@x', true, 'hello')).toBe(h(`MESSAGE:sip:b@x:${h('hello')}`));
    expect(algorithmByName('SHA-1')).toBeUndefined();
  });
});

describe('nonces', () => {
  it('round-trips its fields and refuses anything altered or signed with another secret', () => {
    const n = new Noncer('s3cret');
    const nonce = n.create({ index: 77, expires: 1_800_000_000_123, alg: ALG_SHA256, qop: QOP_AUTH });
    expect(nonce).toHaveLength(43);
    expect(n.decode(nonce)).toEqual({ index: 77, expires: 1_800_000_000_123, alg: ALG_SHA256, qop: QOP_AUTH });
    const flipped = (nonce[5] === 'A' ? 'B' : 'A');
    expect(n.decode(nonce.slice(0, 5) + flipped + nonce.slice(6))).toBeNull();
    expect(new Noncer('other').decode(nonce)).toBeNull();
    expect(new Noncer('s3cret').decode(nonce)).not.toBeNull();
    expect(n.decode('dcd98b7102dd2f0e8b11d0f600bfb0c093')).toBeNull();
    // Without a secret each instance draws its own key.
    const r = new Noncer(null);
    expect(new Noncer(null).decode(r.create({ index: 1, expires: 1, alg: 1, qop: 0 }))).toBeNull();
  });

  it('is stale once expired or when it expires further ahead than nonce_expire', () => {
    const p = { index: 1, expires: 100_000, alg: 1, qop: 0 };
    expect(isNonceStale(p, 99_999, 30)).toBe(false);
    expect(isNonceStale(p, 100_000, 30)).toBe(true);
    expect(isNonceStale(p, 60_000, 30)).toBe(true);
    expect(isNonceStale(p, 70_000, 30)).toBe(false);
  });

  it('index store: each index is accepted once; overwritten slots and unknown indexes are refused', () => {
    const s = new LocalNonceIndexStore(4);
    const a = s.reserve();
    const b = s.reserve();
    expect(s.consume(a)).toBe(true);
    expect(s.consume(a)).toBe(false);
    expect(s.consume(b + 100)).toBe(false);
    for (let i = 0; i < 4; i++) s.reserve();
    expect(s.consume(b)).toBe(false);
    expect(() => new LocalNonceIndexStore(6)).toThrow(/power of two/);
  });
});

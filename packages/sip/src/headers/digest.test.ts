import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseChallenge, parseCredentials } from './digest';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('parseCredentials', () => {
  it('parses a digest Authorization with quoted and token values', () => {
    const c = parseCredentials(
      'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5',
    );
    expect(c).toMatchObject({
      scheme: 'Digest',
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: 'sip:bob@biloxi.com',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: 'MD5',
    });
    expect(c.params.length).toBe(10);
    expect(c.params[0]).toEqual({ name: 'username', value: 'bob', quoted: true });
    expect(c.params[5]).toEqual({ name: 'nc', value: '00000001' });
  });

  it('is robust to LWS, empty list elements, escapes, case and unknown params (RFC 7616 userhash)', () => {
    const c = parseCredentials('digest\r\n  USERNAME = "a\\"b" ,, realm="r",userhash=true , x-custom="keep me",\talgorithm=SHA-256-sess,');
    expect(c).toMatchObject({ scheme: 'digest', username: 'a"b', realm: 'r', userhash: 'true', algorithm: 'SHA-256-sess' });
    expect(c.params.map((p) => p.name)).toEqual(['USERNAME', 'realm', 'userhash', 'x-custom', 'algorithm']);
    expect(c.params[3].value).toBe('keep me');
  });

  it('accepts unknown schemes with token params and a bare scheme (RFC 4475 regaut01)', () => {
    expect(parseCredentials('NoOneKnowsThisScheme opaque-data=here')).toEqual({
      scheme: 'NoOneKnowsThisScheme',
      params: [{ name: 'opaque-data', value: 'here' }],
    });
    expect(parseCredentials('Basic')).toEqual({ scheme: 'Basic', params: [] });
  });

  it('rejects malformed credentials with positions', () => {
    expect(parseError(() => parseCredentials('')).message).toBe('Authorization: expected authentication scheme (at offset 0)');
    expect(parseError(() => parseCredentials('Digest username')).offset).toBe(15);
    expect(parseError(() => parseCredentials('Digest username=')).offset).toBe(16);
    expect(parseError(() => parseCredentials('Digest username="bob')).offset).toBe(16);
    expect(parseError(() => parseCredentials('Digest a=b c=d')).offset).toBe(11);
    expect(parseError(() => parseCredentials('Digest,a=b', 'Proxy-Authorization')).message).toBe(
      'Proxy-Authorization: expected white space after scheme (at offset 6)',
    );
  });
});

describe('parseChallenge', () => {
  it('parses qop lists, stale and every RFC 7616/8760 parameter', () => {
    const ch = parseChallenge(
      'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth, auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=SHA-512-256, charset=UTF-8, userhash=true',
    );
    expect(ch).toMatchObject({
      scheme: 'Digest',
      realm: 'atlanta.com',
      domain: 'sip:boxesbybob.com',
      qop: ['auth', 'auth-int'],
      nonce: 'f84f1cec41e6cbe5aea9c8e88d359',
      opaque: '',
      stale: false,
      algorithm: 'SHA-512-256',
      charset: 'UTF-8',
      userhash: true,
    });
    expect(parseChallenge('Digest realm="x", stale=true').stale).toBe(true);
    expect(parseChallenge('Digest realm="x", stale="TRUE"').stale).toBe(true);
    expect(parseChallenge('Digest realm="x"').qop).toBeUndefined();
    expect(parseChallenge('Digest qop=auth').qop).toEqual(['auth']);
  });
  it('names the header in errors', () => {
    expect(parseError(() => parseChallenge('Digest realm', 'Proxy-Authenticate')).header).toBe('Proxy-Authenticate');
  });
  it('throws nothing but ParseError on random input', () => {
    const pieces = ['Digest', ' ', 'realm', 'qop', 'stale', '=', '"', '\\', ',', 'auth', 'true', '\r\n '];
    const gen = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join('')));
    fc.assert(
      fc.property(gen, (s) => {
        for (const f of [parseChallenge, parseCredentials]) {
          try {
            f(s);
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

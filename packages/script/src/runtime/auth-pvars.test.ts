import { createModuleRegistry } from './core-module';
import { ScriptTestKit } from '../testkit/testkit';

const SCRIPT = `
route {
    $var(u) = $au; $var(U) = $aU; $var(d) = $ad; $var(r) = $ar; $var(uri) = $adu;
    $var(n) = $an; $var(n2) = $auth.nonce; $var(resp) = $auth.resp; $var(alg) = $auth.alg;
    $var(qop) = $auth.qop; $var(nc) = $auth.nc; $var(cn) = $auth.cnonce; $var(op) = $auth.opaque;
}
`;

function request(method: string, extra: string): string {
  return `
    ${method} sip:bob@example.com SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
    From: <sip:alice@example.com>;tag=1
    To: <sip:bob@example.com>
    Call-ID: c1
    CSeq: 1 ${method}
    Max-Forwards: 70
    ${extra}
    Content-Length: 0
  `;
}

describe('credential pseudo-variables', () => {
  const kit = ScriptTestKit.fromText(SCRIPT, createModuleRegistry([]));

  it('reads every digest field of Authorization', async () => {
    const out = await kit.run(
      request(
        'REGISTER',
        'Authorization: Digest username="alice@corp.example", realm="example.com", nonce="abc", uri="sip:example.com", response="0123", algorithm=MD5, qop=auth, nc=00000001, cnonce="xyz", opaque="op"',
      ),
    );
    expect(out.vars).toEqual({
      u: 'alice', U: 'alice@corp.example', d: 'corp.example', r: 'example.com', uri: 'sip:example.com',
      n: 'abc', n2: 'abc', resp: '0123', alg: 'MD5', qop: 'auth', nc: '00000001', cn: 'xyz', op: 'op',
    });
  });

  it('prefers Proxy-Authorization over Authorization', async () => {
    const out = await kit.run(
      request('INVITE', 'Authorization: Digest username="www", realm="a"\n    Proxy-Authorization: Digest username="proxy", realm="b"'),
    );
    expect(out.vars.u).toBe('proxy');
    expect(out.vars.r).toBe('b');
    expect(out.vars.d).toBeUndefined();
  });

  it('is NULL without credentials, on ACK, and for unparsable credentials', async () => {
    expect((await kit.run(request('INVITE', 'X-None: 1'))).vars).toEqual({});
    expect((await kit.run(request('ACK', 'Authorization: Digest username="a", realm="b"'))).vars).toEqual({});
    expect((await kit.run(request('INVITE', 'Authorization: Digest username="unterminated'))).vars).toEqual({});
  });
});

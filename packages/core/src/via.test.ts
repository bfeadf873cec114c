import { parseMessage } from '@tsips/sip';
import { isLoop, spliceVia, statelessBranch, viaAnnotation } from './via';

const req = (via: string, ruri = 'sip:bob@example.com', extra = ''): ReturnType<typeof parseMessage> =>
  parseMessage(
    Buffer.from(
      `INVITE ${ruri} SIP/2.0\r\nVia: ${via}\r\n${extra}From: <sip:a@x>;tag=f1\r\nTo: <sip:b@x>\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n`,
      'latin1',
    ),
  );

describe('statelessBranch', () => {
  it('is the same for a retransmission and differs for a new transaction', () => {
    const a = statelessBranch(req('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1'));
    expect(a).toMatch(/^z9hG4bKsl[0-9a-f]{16}$/);
    expect(statelessBranch(req('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1'))).toBe(a);
    expect(statelessBranch(req('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-2'))).not.toBe(a);
  });

  it('hashes the request invariants when the Via has no RFC 3261 branch', () => {
    const a = statelessBranch(req('SIP/2.0/UDP 10.0.0.1:5060'));
    expect(statelessBranch(req('SIP/2.0/UDP 10.0.0.1:5060'))).toBe(a);
    expect(statelessBranch(req('SIP/2.0/UDP 10.0.0.1:5060', 'sip:carol@example.com'))).not.toBe(a);
  });
});

describe('isLoop', () => {
  const mine = (h: string, p: number | null): boolean => h === '192.0.2.1' && (p ?? 5060) === 5060;
  it('detects our own branch on top with the same invariants, not a spiral', () => {
    const first = req('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1');
    const b = statelessBranch(first);
    const looped = req(`SIP/2.0/UDP 192.0.2.1:5060;branch=${b}`, 'sip:bob@example.com', 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n');
    expect(isLoop(looped, mine)).toBe(true);
    const spiral = req(`SIP/2.0/UDP 192.0.2.1:5060;branch=${b}`, 'sip:bob@elsewhere.example.com');
    expect(isLoop(spiral, mine)).toBe(false);
    const foreign = req(`SIP/2.0/UDP 198.51.100.7:5060;branch=${b}`);
    expect(isLoop(foreign, mine)).toBe(false);
  });
});

describe('viaAnnotation', () => {
  const top = (v: string) => req(v).topVia();
  it('adds received only when the source differs, and always with rport', () => {
    expect(viaAnnotation(top('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1'), '10.0.0.1', 5060, false)).toEqual({ received: null, rport: null });
    expect(viaAnnotation(top('SIP/2.0/UDP host.example:5060;branch=z9hG4bK-1'), '10.0.0.1', 5070, false)).toEqual({ received: '10.0.0.1', rport: null });
    expect(viaAnnotation(top('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-1'), '10.0.0.1', 5070, false)).toEqual({ received: '10.0.0.1', rport: 5070 });
    expect(viaAnnotation(top('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1'), '10.0.0.1', 5070, true)).toEqual({ received: '10.0.0.1', rport: 5070 });
    expect(viaAnnotation(top('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-1'), '2001:db8::1', 5060, false)).toEqual({ received: null, rport: null });
  });
});

describe('spliceVia', () => {
  const data = Buffer.from(
    'OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/UDP h:5060;rport;received=1.1.1.1;branch=z9hG4bK-1, SIP/2.0/UDP second:5060;branch=z9hG4bK-0\r\nCall-ID: c\r\n\r\n',
    'latin1',
  );
  it('inserts our Via first and fills received/rport on the first value only, replacing a forged received', () => {
    const out = spliceVia(data, 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKme', '10.0.0.9', 4000).toString('latin1');
    expect(out).toBe(
      'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKme\r\nv: SIP/2.0/UDP h:5060;rport=4000;branch=z9hG4bK-1;received=10.0.0.9, SIP/2.0/UDP second:5060;branch=z9hG4bK-0\r\nCall-ID: c\r\n\r\n',
    );
  });
  it('returns the same buffer when there is nothing to do', () => {
    expect(spliceVia(data, null, null, null)).toBe(data);
  });
});

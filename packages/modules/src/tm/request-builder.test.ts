import { parseMessage } from '@tsips/sip';
import { branchRequest, buildAck, buildCancel, outboundProxyUri, PLACEHOLDER_VIA } from './request-builder';

const sent = parseMessage(
  Buffer.from(
    'INVITE sip:bob@10.0.0.2 SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours, SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKc1\r\n' +
      'Route: <sip:p1.example.com;lr>\r\n' +
      'Max-Forwards: 69\r\n' +
      'From: "Alice" <sip:alice@example.com>;tag=a1\r\n' +
      'To: <sip:bob@example.com>\r\n' +
      'Call-ID: c1\r\n' +
      'CSeq: 42 INVITE\r\n' +
      'Content-Type: application/sdp\r\n' +
      'Content-Length: 3\r\n\r\nv=0',
  ),
);

describe('request builder', () => {
  it('builds the hop-by-hop ACK from the sent INVITE and the reply To (RFC 3261 §17.1.1.3)', () => {
    const reply = parseMessage(
      Buffer.from('SIP/2.0 486 Busy\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours\r\nFrom: "Alice" <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b9\r\nCall-ID: c1\r\nCSeq: 42 INVITE\r\nContent-Length: 0\r\n\r\n'),
    );
    expect(buildAck(sent, reply).toString()).toBe(
      'ACK sip:bob@10.0.0.2 SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours\r\n' +
        'Route: <sip:p1.example.com;lr>\r\n' +
        'Max-Forwards: 70\r\n' +
        'From: "Alice" <sip:alice@example.com>;tag=a1\r\n' +
        'To: <sip:bob@example.com>;tag=b9\r\n' +
        'Call-ID: c1\r\n' +
        'CSeq: 42 ACK\r\n' +
        'Content-Length: 0\r\n\r\n',
    );
  });

  it('builds the CANCEL with the request To and extra lines (RFC 3261 §9.1)', () => {
    const c = parseMessage(buildCancel(sent, ['Reason: SIP;cause=200']));
    expect(c.method).toBe('CANCEL');
    expect(c.ruri).toBe('sip:bob@10.0.0.2');
    expect(c.vias().map((v) => v.branch)).toEqual(['z9hG4bKours']);
    expect(c.to().tag).toBeNull();
    expect(c.cseq()).toEqual({ seq: 42, method: 'CANCEL' });
    expect(c.getHeader('Reason')).toBe('SIP;cause=200');
    expect(c.getHeaders('Route')).toEqual(['<sip:p1.example.com;lr>']);
  });

  it('puts the branch Via (and Path routes) where the placeholder was, with the branch Request-URI', () => {
    const template = Buffer.from(`INVITE sip:x@y SIP/2.0\r\nVia: ${PLACEHOLDER_VIA}\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1;received=1.2.3.4\r\nCSeq: 1 INVITE\r\n\r\n`);
    expect(branchRequest(template, 'INVITE', 'sip:b@c', 'SIP/2.0/UDP me;branch=z9hG4bKb', ['<sip:pcscf;lr>']).toString()).toBe(
      'INVITE sip:b@c SIP/2.0\r\nVia: SIP/2.0/UDP me;branch=z9hG4bKb\r\nRoute: <sip:pcscf;lr>\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1;received=1.2.3.4\r\nCSeq: 1 INVITE\r\n\r\n',
    );
    const plain = Buffer.from('OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\r\n');
    expect(branchRequest(plain, 'OPTIONS', 'sip:x@y', 'V', null).toString()).toBe('OPTIONS sip:x@y SIP/2.0\r\nVia: V\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\r\n');
  });

  it('turns t_relay outbound proxies into URIs', () => {
    expect(outboundProxyUri('tcp:192.168.1.10:5060')).toBe('sip:192.168.1.10:5060;transport=tcp');
    expect(outboundProxyUri('mydomain.com:5070')).toBe('sip:mydomain.com:5070');
    expect(outboundProxyUri('udp:[2001:db8::1]')).toBe('sip:[2001:db8::1]');
    expect(outboundProxyUri('sip:gw.example.com;transport=tls')).toBe('sip:gw.example.com;transport=tls');
    expect(outboundProxyUri('bad host name')).toBeNull();
  });
});

/**
 * RFC 5118 (SIP torture tests for IPv6), section 4: the messages transcribed
 * from the RFC text with CRLF line ends, plus what tsips does with each.
 *
 * Content-Length: the RFC prints 268, 181 and 236 for the three messages with
 * an SDP body (4.6, 4.8, 4.9), which match neither the CRLF nor the LF length
 * of the bodies as printed (the RFC's point there is the IPv6 addresses in the
 * SDP, not framing). The transcription computes the real CRLF length instead
 * (`sdpRequest`), so that a datagram parser does not reject them for a framing
 * reason the RFC never intended.
 */

export interface Rfc5118Case {
  /** The RFC's name for the message (section "Message Details"). */
  name: string;
  section: string;
  title: string;
  text: string;
  /** RFC's classification. */
  verdict: 'valid' | 'invalid' | 'lenient';
  tsips: 'parse' | 'reject';
  /** For 'reject': where and which ParseError header. */
  reject?: { at: 'parse' | 'requestUri' | 'vias' | 'to'; header: string };
  /** Expected hosts/ports (for 'parse'). */
  ruriHost?: string;
  ruriPort?: number | null;
  /** Every Via: [transport, host, port, received]. */
  vias?: Array<[string, string, number | null, string | null]>;
  contactHosts?: string[];
  /** SDP connection addresses: session level first, then one per m= line (null when absent). */
  sdpConnections?: { session: string | null; media: Array<string | null> };
  leniency?: string;
  reason: string;
}

const CRLF = '\r\n';

function message(lines: string[], body = ''): string {
  return lines.join(CRLF) + CRLF + CRLF + body;
}

/** Headers + an SDP body, with Content-Length computed from the CRLF body. */
function sdpRequest(headers: string[], sdpLines: string[]): string {
  const body = sdpLines.join(CRLF) + CRLF;
  return message([...headers, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`], body);
}

export const RFC5118_CASES: readonly Rfc5118Case[] = [
  {
    name: 'ipv6-good',
    section: '4.1',
    title: 'Valid SIP Message with an IPv6 Reference',
    verdict: 'valid',
    tsips: 'parse',
    text: message([
      'REGISTER sip:[2001:db8::10] SIP/2.0',
      'To: sip:user@example.com',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
      'Call-ID: SSG9559905523997077@hlau_4100',
      'Max-Forwards: 70',
      'Contact: "Caller" <sip:caller@[2001:db8::1]>',
      'CSeq: 98176 REGISTER',
      'Content-Length: 0',
    ]),
    ruriHost: '[2001:db8::10]',
    ruriPort: null,
    vias: [['UDP', '[2001:db8::9:1]', null, null]],
    contactHosts: ['[2001:db8::1]'],
    reason: 'IPv6 references in brackets in the Request-URI, Via sent-by and Contact.',
  },
  {
    name: 'ipv6-bad',
    section: '4.2',
    title: 'Invalid SIP Message with an IPv6 Reference',
    verdict: 'invalid',
    tsips: 'reject',
    text: message([
      'REGISTER sip:2001:db8::10 SIP/2.0',
      'To: sip:user@example.com',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
      'Call-ID: SSG9559905523997077@hlau_4100',
      'Max-Forwards: 70',
      'Contact: "Caller" <sip:caller@[2001:db8::1]>',
      'CSeq: 98176 REGISTER',
      'Content-Length: 0',
    ]),
    reject: { at: 'requestUri', header: 'Request-URI' },
    reason: 'An IPv6 address in a SIP URI must be bracketed; "2001:db8::10" is no host[:port] (answer 400).',
  },
  {
    name: 'port-ambiguous',
    section: '4.3',
    title: 'Port Ambiguous in a SIP URI',
    verdict: 'valid',
    tsips: 'parse',
    text: message([
      'REGISTER sip:[2001:db8::10:5070] SIP/2.0',
      'To: sip:user@example.com',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
      'Call-ID: SSG9559905523997077@hlau_4100',
      'Contact: "Caller" <sip:caller@[2001:db8::1]>',
      'Max-Forwards: 70',
      'CSeq: 98176 REGISTER',
      'Content-Length: 0',
    ]),
    ruriHost: '[2001:db8::10:5070]',
    ruriPort: null,
    vias: [['UDP', '[2001:db8::9:1]', null, null]],
    contactHosts: ['[2001:db8::1]'],
    reason: 'Syntactically fine: ":5070" inside the brackets is part of the address, not a port (whatever the sender meant).',
  },
  {
    name: 'port-unambiguous',
    section: '4.4',
    title: 'Port Unambiguous in a SIP URI',
    verdict: 'valid',
    tsips: 'parse',
    text: message([
      'REGISTER sip:[2001:db8::10]:5070 SIP/2.0',
      'To: sip:user@example.com',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
      'Call-ID: SSG9559905523997077@hlau_4100',
      'Contact: "Caller" <sip:caller@[2001:db8::1]>',
      'Max-Forwards: 70',
      'CSeq: 98176 REGISTER',
      'Content-Length: 0',
    ]),
    ruriHost: '[2001:db8::10]',
    ruriPort: 5070,
    vias: [['UDP', '[2001:db8::9:1]', null, null]],
    contactHosts: ['[2001:db8::1]'],
    reason: 'The port follows the closing bracket: host [2001:db8::10], port 5070.',
  },
  {
    name: 'via-received-param-with-delim',
    section: '4.5',
    title: 'IPv6 Reference Delimiters in Via Header (received with brackets)',
    verdict: 'lenient',
    tsips: 'parse',
    text: message([
      'BYE sip:[2001:db8::10] SIP/2.0',
      'To: sip:user@example.com;tag=bd76ya',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111',
      'Call-ID: SSG9559905523997077@hlau_4100',
      'Max-Forwards: 70',
      'CSeq: 321 BYE',
      'Content-Length: 0',
    ]),
    ruriHost: '[2001:db8::10]',
    ruriPort: null,
    vias: [['UDP', '[2001:db8::9:1]', null, '[2001:db8::9:255]']],
    leniency: 'Strictly, received takes a bare IPv6address; the RFC asks robust implementations to parse this top Via anyway, and tsips does (received kept as written).',
    reason: 'received=[...] with brackets must not stop processing of the top Via.',
  },
  {
    name: 'via-received-param-no-delim',
    section: '4.5',
    title: 'IPv6 Reference Delimiters in Via Header (received without brackets)',
    verdict: 'valid',
    tsips: 'parse',
    text: message([
      'OPTIONS sip:[2001:db8::10] SIP/2.0',
      'To: sip:user@example.com',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3',
      'Call-ID: SSG95523997077@hlau_4100',
      'Max-Forwards: 70',
      'Contact: "Caller" <sip:caller@[2001:db8::9:1]>',
      'CSeq: 921 OPTIONS',
      'Content-Length: 0',
    ]),
    ruriHost: '[2001:db8::10]',
    ruriPort: null,
    vias: [['UDP', '[2001:db8::9:1]', null, '2001:db8::9:255']],
    contactHosts: ['[2001:db8::9:1]'],
    reason: 'received = IPv6address without brackets is exactly the RFC 3261 grammar.',
  },
  {
    name: 'ipv6-in-sdp',
    section: '4.6',
    title: 'SIP Request with IPv6 Addresses in SDP Body',
    verdict: 'valid',
    tsips: 'parse',
    text: sdpRequest(
      [
        'INVITE sip:user@[2001:db8::10] SIP/2.0',
        'To: sip:user@[2001:db8::10]',
        'From: sip:user@example.com;tag=81x2',
        'Via: SIP/2.0/UDP [2001:db8::20];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Contact: "Caller" <sip:caller@[2001:db8::20]>',
        'CSeq: 8612 INVITE',
        'Max-Forwards: 70',
      ],
      [
        'v=0',
        'o=assistant 971731711378798081 0 IN IP6 2001:db8::20',
        "s=Live video feed for today's meeting",
        'c=IN IP6 2001:db8::20',
        't=3338481189 3370017201',
        'm=audio 6000 RTP/AVP 2',
        'a=rtpmap:2 G726-32/8000',
        'm=video 6024 RTP/AVP 107',
        'a=rtpmap:107 H263-1998/90000',
      ],
    ),
    ruriHost: '[2001:db8::10]',
    ruriPort: null,
    vias: [['UDP', '[2001:db8::20]', null, null]],
    contactHosts: ['[2001:db8::20]'],
    sdpConnections: { session: '2001:db8::20', media: [null, null] },
    reason: 'SDP addresses are written without brackets (RFC 4566), unlike SIP URIs.',
  },
  {
    name: 'mult-ip-in-header',
    section: '4.7',
    title: 'Multiple IP Addresses in SIP Headers',
    verdict: 'valid',
    tsips: 'parse',
    text: message([
      'BYE sip:user@host.example.net SIP/2.0',
      'Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhja8781hjuaij65144',
      'Via: SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=192.0.2.200',
      'Call-ID: 997077@lau_4100',
      'Max-Forwards: 70',
      'CSeq: 89187 BYE',
      'To: sip:user@example.net;tag=9817--94',
      'From: sip:user@example.com;tag=81x2',
      'Content-Length: 0',
    ]),
    ruriHost: 'host.example.net',
    ruriPort: null,
    vias: [
      ['UDP', '[2001:db8::9:1]', 6050, null],
      ['UDP', '192.0.2.1', null, null],
      ['TCP', '[2001:db8::9:255]', null, '192.0.2.200'],
    ],
    reason: 'A Via list mixing IPv4 addresses and IPv6 references, with a port after "]".',
  },
  {
    name: 'mult-ip-in-sdp',
    section: '4.8',
    title: 'Multiple IP Addresses in SDP',
    verdict: 'valid',
    tsips: 'parse',
    text: sdpRequest(
      [
        'INVITE sip:user@[2001:db8::10] SIP/2.0',
        'To: sip:user@[2001:db8::10]',
        'From: sip:user@example.com;tag=81x2',
        'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Contact: "Caller" <sip:caller@[2001:db8::9:1]>',
        'Max-Forwards: 70',
        'CSeq: 8912 INVITE',
      ],
      [
        'v=0',
        'o=bob 280744730 28977631 IN IP4 host.example.com',
        's=',
        't=0 0',
        'm=audio 22334 RTP/AVP 0',
        'c=IN IP4 192.0.2.1',
        'm=video 6024 RTP/AVP 107',
        'c=IN IP6 2001:db8::1',
        'a=rtpmap:107 H263-1998/90000',
      ],
    ),
    ruriHost: '[2001:db8::10]',
    ruriPort: null,
    vias: [['UDP', '[2001:db8::9:1]', null, null]],
    contactHosts: ['[2001:db8::9:1]'],
    sdpConnections: { session: null, media: ['192.0.2.1', '2001:db8::1'] },
    reason: 'Each m= line has its own connection address, one IPv4 and one IPv6.',
  },
  {
    name: 'ipv4-mapped-ipv6',
    section: '4.9',
    title: 'IPv4-Mapped IPv6 Addresses',
    verdict: 'valid',
    tsips: 'parse',
    text: sdpRequest(
      [
        'INVITE sip:user@example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: sip:user@east.example.com;tag=81x2',
        'Via: SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19',
        'Via: SIP/2.0/UDP [::ffff:192.0.2.2];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Contact: "T. desk phone" <sip:ted@[::ffff:192.0.2.2]>',
        'CSeq: 612 INVITE',
        'Max-Forwards: 70',
      ],
      [
        'v=0',
        'o=assistant 971731711378798081 0 IN IP6 ::ffff:192.0.2.2',
        's=Call me soon, please!',
        'c=IN IP6 ::ffff:192.0.2.2',
        't=3338481189 3370017201',
        'm=audio 6000 RTP/AVP 2',
        'a=rtpmap:2 G726-32/8000',
        'm=video 6024 RTP/AVP 107',
        'a=rtpmap:107 H263-1998/90000',
      ],
    ),
    ruriHost: 'example.com',
    ruriPort: null,
    vias: [
      ['UDP', '[::ffff:192.0.2.10]', 19823, null],
      ['UDP', '[::ffff:192.0.2.2]', null, null],
    ],
    contactHosts: ['[::ffff:192.0.2.2]'],
    sdpConnections: { session: '::ffff:192.0.2.2', media: [null, null] },
    reason: 'IPv4-mapped IPv6 addresses (dotted quad in the last 32 bits) in Via, Contact and SDP.',
  },
  {
    name: 'ipv6-bug-abnf-3-colons',
    section: '4.10',
    title: 'IPv6 Reference Bug in RFC 3261 ABNF (three colons)',
    verdict: 'lenient',
    tsips: 'reject',
    text: message([
      'OPTIONS sip:user@[2001:db8:::192.0.2.1] SIP/2.0',
      'To: sip:user@[2001:db8:::192.0.2.1]',
      'From: sip:user@example.com;tag=810x2',
      'Via: SIP/2.0/UDP lab1.east.example.com;branch=z9hG4bKas3-111',
      'Call-ID: G9559905523997077@hlau_4100',
      'CSeq: 689 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
    ]),
    reject: { at: 'requestUri', header: 'Request-URI' },
    leniency:
      'The RFC lets an implementation be robust and ignore the extra colon; tsips validates IPv6 references against RFC 4291 and rejects ":::" (an invalid address is not silently rewritten into a different one).',
    reason: '"2001:db8:::192.0.2.1" has three colons, which no IPv6 address has; RFC 3261\'s ABNF wrongly allowed it.',
  },
  {
    name: 'ipv6-correct-abnf-2-colons',
    section: '4.10',
    title: 'IPv6 Reference Bug in RFC 3261 ABNF (correct form)',
    verdict: 'valid',
    tsips: 'parse',
    text: message([
      'OPTIONS sip:user@[2001:db8::192.0.2.1] SIP/2.0',
      'To: sip:user@[2001:db8::192.0.2.1]',
      'From: sip:user@example.com;tag=810x2',
      'Via: SIP/2.0/UDP lab1.east.example.com;branch=z9hG4bKas3-111',
      'Call-ID: G9559905523997077@hlau_4100',
      'CSeq: 689 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
    ]),
    ruriHost: '[2001:db8::192.0.2.1]',
    ruriPort: null,
    vias: [['UDP', 'lab1.east.example.com', null, null]],
    reason: 'The same reference with the correct two colons is a valid IPv6 address with an embedded IPv4 tail.',
  },
];

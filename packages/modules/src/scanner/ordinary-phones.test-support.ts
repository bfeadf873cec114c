/**
 * Requests of ordinary SIP phones and servers, in the shape they send them (header order,
 * tags, branches, Call-IDs as these products make them), for the scanner module's
 * false-positive tests. sipp's own uac INVITE is captured in fixtures/ too.
 */
export const ORDINARY: readonly { name: string; text: string }[] = [
  {
    name: 'Linphone desktop REGISTER',
    text: `
REGISTER sip:sip.example.org SIP/2.0
Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK.Yh2~kFfTq;rport
From: <sip:alice@sip.example.org>;tag=7lG0cJZX3
To: sip:alice@sip.example.org
CSeq: 20 REGISTER
Call-ID: 2f8UqG0cKD
Max-Forwards: 70
Supported: replaces, outbound, gruu
Accept: application/sdp
Accept: text/plain
Contact: <sip:alice@192.168.1.20;transport=udp>;+sip.instance="<urn:uuid:3b1c2a4e-5d6f-4a7b-8c9d-0e1f2a3b4c5d>"
Expires: 600
User-Agent: Linphone Desktop/4.4.10 (Ubuntu 22.04 LTS) LinphoneSDK/5.1.64
Content-Length: 0
`,
  },
  {
    name: 'Linphone REGISTER with credentials',
    text: `
REGISTER sip:sip.example.org SIP/2.0
Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK.7Qd0~Rk2P;rport
From: <sip:alice@sip.example.org>;tag=7lG0cJZX3
To: sip:alice@sip.example.org
CSeq: 21 REGISTER
Call-ID: 2f8UqG0cKD
Max-Forwards: 70
Supported: replaces, outbound, gruu
Accept: application/sdp
Contact: <sip:alice@192.168.1.20;transport=udp>
Expires: 600
User-Agent: Linphone Desktop/4.4.10 (Ubuntu 22.04 LTS) LinphoneSDK/5.1.64
Authorization: Digest realm="sip.example.org", nonce="Y2xhc3NpYw", algorithm=MD5, username="alice", uri="sip:sip.example.org", response="0f1e2d3c4b5a69788796a5b4c3d2e1f0"
Content-Length: 0
`,
  },
  {
    name: 'Zoiper 5 REGISTER',
    text: `
REGISTER sip:pbx.example.com;transport=UDP SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:48721;branch=z9hG4bK-524287-1---6d3f2cb9a3b0e1f4;rport
Max-Forwards: 70
Contact: <sip:1001@10.0.0.5:48721;rinstance=5c2f1d0f2a7e6b31;transport=UDP>
To: <sip:1001@pbx.example.com;transport=UDP>
From: <sip:1001@pbx.example.com;transport=UDP>;tag=5a1e6b3c
Call-ID: ZTk1NzBiM2Q4ZGQ5OGQ3ODQzMmQ0ZWQ2ZGU3NGQ0OWI
CSeq: 1 REGISTER
Expires: 60
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE
Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri
User-Agent: Z 5.6.4 v2.10.19.9
Allow-Events: presence, kpml, talk
Content-Length: 0
`,
  },
  {
    name: 'Zoiper INVITE',
    text: `
INVITE sip:1002@pbx.example.com;transport=UDP SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:48721;branch=z9hG4bK-524287-1---a83c9d1f0e2b7c44;rport
Max-Forwards: 70
Contact: <sip:1001@10.0.0.5:48721;transport=UDP>
To: <sip:1002@pbx.example.com;transport=UDP>
From: <sip:1001@pbx.example.com;transport=UDP>;tag=9c0d1e2f
Call-ID: NmQ4YjZjMmE1ZTNmNGQ3YTg5YjBjMWQyZTNmNGE1YjY
CSeq: 1 INVITE
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE
Content-Type: application/sdp
Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri
User-Agent: Z 5.6.4 v2.10.19.9
Allow-Events: presence, kpml, talk
Content-Length: 0
`,
  },
  {
    name: 'Yealink T46S REGISTER',
    text: `
REGISTER sip:pbx.example.com:5060 SIP/2.0
Via: SIP/2.0/UDP 192.168.0.101:5062;branch=z9hG4bK1434218779
From: "1002" <sip:1002@pbx.example.com:5060>;tag=1580296218
To: "1002" <sip:1002@pbx.example.com:5060>
Call-ID: 1932567413@192.168.0.101
CSeq: 1 REGISTER
Contact: <sip:1002@192.168.0.101:5062>
Allow: INVITE, INFO, PRACK, ACK, BYE, CANCEL, OPTIONS, NOTIFY, REGISTER, SUBSCRIBE, REFER, PUBLISH, UPDATE, MESSAGE
Max-Forwards: 70
User-Agent: Yealink SIP-T46S 66.86.0.15
Expires: 3600
Allow-Events: talk,hold,conference,refer,check-sync
Content-Length: 0
`,
  },
  {
    name: 'Polycom VVX REGISTER',
    text: `
REGISTER sip:pbx.example.com SIP/2.0
Via: SIP/2.0/UDP 10.1.1.50:5060;branch=z9hG4bK2e7c5b8c5E3F2A1B
From: "Bob" <sip:2001@pbx.example.com>;tag=5D3B8C2E-9A1F4C7D
To: <sip:2001@pbx.example.com>
CSeq: 1 REGISTER
Call-ID: 8c1f2a3b-4d5e6f70-1a2b3c4d@10.1.1.50
Contact: <sip:2001@10.1.1.50>;methods="INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER"
User-Agent: PolycomVVX-VVX_411-UA/5.9.5.0614
Accept-Language: en
Max-Forwards: 70
Expires: 3600
Content-Length: 0
`,
  },
  {
    name: 'Grandstream GXP REGISTER',
    text: `
REGISTER sip:pbx.example.com SIP/2.0
Via: SIP/2.0/UDP 192.168.1.30:5060;branch=z9hG4bK1846394733;rport
From: <sip:3001@pbx.example.com>;tag=1395830282
To: <sip:3001@pbx.example.com>
Call-ID: 1651937582-5060-1@BJC.BGI.B.DA
CSeq: 2000 REGISTER
Contact: <sip:3001@192.168.1.30:5060;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000B82A1B2C3>">
Max-Forwards: 70
User-Agent: Grandstream GXP2170 1.0.11.23
Supported: path
Expires: 3600
Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE
Content-Length: 0
`,
  },
  {
    name: 'MicroSIP REGISTER',
    text: `
REGISTER sip:sip.example.com SIP/2.0
Via: SIP/2.0/UDP 192.168.1.40:64385;rport;branch=z9hG4bKPjb3a7e1c2d4f64e2f9a0b1c2d3e4f5a6b
Max-Forwards: 70
From: <sip:alice@sip.example.com>;tag=dd8f5e6a0b7c4d3e9f1a2b3c4d5e6f70
To: <sip:alice@sip.example.com>
Call-ID: 1c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f
CSeq: 61523 REGISTER
User-Agent: MicroSIP/3.21.3
Contact: <sip:alice@192.168.1.40:64385;ob>
Expires: 300
Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, OPTIONS
Content-Length:  0
`,
  },
  {
    name: 'Asterisk PJSIP qualify OPTIONS',
    text: `
OPTIONS sip:1001@192.168.1.20:5060 SIP/2.0
Via: SIP/2.0/UDP 203.0.113.5:5060;rport;branch=z9hG4bKPj6a3f1c2e-8b7d-4e1f-9c0a-1b2c3d4e5f60
From: <sip:1001@203.0.113.5>;tag=0a7b6c5d-4e3f-2a1b-9c8d-7e6f5a4b3c2d
To: <sip:1001@192.168.1.20>
Contact: <sip:1001@203.0.113.5:5060>
Call-ID: 5d0f3a7e-6b1c-4e2f-9a8d-3c2b1a0f9e8d
CSeq: 64471 OPTIONS
Max-Forwards: 70
User-Agent: Asterisk PBX 18.20.0
Content-Length:  0
`,
  },
  {
    name: 'OpenSIPS dispatcher probe',
    text: `
OPTIONS sip:10.0.0.9:5060 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK7b3c.1a2b3c4d.0
To: <sip:10.0.0.9:5060>
From: <sip:dispatcher@10.0.0.1>;tag=a1b2c3d4e5f6a7b8-0-0
CSeq: 10 OPTIONS
Call-ID: 6f4e2a1b-1234-5678@10.0.0.1
Max-Forwards: 70
Content-Length: 0
User-Agent: OpenSIPS (3.4.2 (x86_64/linux))
`,
  },
  {
    name: 'Cisco SPA112 REGISTER',
    text: `
REGISTER sip:voip.example.net SIP/2.0
Via: SIP/2.0/UDP 192.168.15.10:5060;branch=z9hG4bK-a4b1c8d2
From: <sip:4711@voip.example.net>;tag=3e4f5a6b7c8d9e0fi0
To: <sip:4711@voip.example.net>
Call-ID: 7c6b5a4e-3d2c1b0a@192.168.15.10
CSeq: 49881 REGISTER
Max-Forwards: 70
Contact: <sip:4711@192.168.15.10:5060>;expires=3600
User-Agent: Cisco/SPA112-1.4.1(SR5)
Content-Length: 0
Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER, UPDATE
Supported: replaces
`,
  },
];

/**
 * What tsips does with each RFC 4475 torture message, and why.
 *
 * The classification comes from the RFC's sections (3.1.1 valid, 3.1.2
 * invalid, 3.2 transaction layer, 3.3 application layer, 3.4 backward
 * compatibility), not from the file names. `reply` records the response an
 * element should send according to the RFC's text, for the layers above the
 * parser (the script runtime, sipmsg_validate, a registrar) to use later; the
 * parser itself only parses or throws ParseError.
 *
 * The message files live in ../shared/conformance/rfc4475/ and are read at
 * test time byte for byte (CRLF line ends, NUL and other binary octets).
 */

/** The RFC's own classification of the message. */
export type Rfc4475Verdict =
  | 'valid' // 3.1.1: well formed, parsers must accept
  | 'invalid' // 3.1.2: malformed; some sections allow a liberal element to accept
  | 'transaction' // 3.2: syntactically valid, the transaction layer decides
  | 'application' // 3.3: syntactically valid, the application layer decides
  | 'compat' // 3.4: RFC 2543 syntax a 3261 element should accept
  | 'extra'; // not in the RFC (the archive's test.dat)

/** SipMessage accessors a rejection can surface in (parsing is lazy). */
export type Accessor =
  | 'vias'
  | 'topVia'
  | 'callId'
  | 'cseq'
  | 'from'
  | 'to'
  | 'contacts'
  | 'maxForwards'
  | 'contentType'
  | 'expires'
  | 'routes'
  | 'recordRoutes'
  | 'requestUri'
  | 'sdp';

/**
 * Where a rejection happens: 'parse' means parseMessage() itself throws (the
 * start line, the header framing or the body framing is wrong); an accessor
 * name means parseMessage() succeeds (it only indexes) and that typed accessor
 * throws. `header` is the ParseError's `header` field.
 */
export interface RejectPoint {
  at: 'parse' | Accessor;
  header: string;
}

/** Values the generic checker asserts through the public API. */
export interface MessageValues {
  method?: string;
  ruri?: string;
  version?: string;
  status?: number;
  reason?: string;
  callId?: string;
  cseq?: { seq: number; method: string };
  maxForwards?: number | null;
  contentLength?: number;
  bodyLength?: number;
  /** Every Via value, top first: [transport, host, port, branch]. */
  vias?: Array<[string, string, number | null, string | null]>;
  fromUri?: string;
  fromTag?: string | null;
  fromDisplayName?: string | null;
  toUri?: string;
  toTag?: string | null;
  toDisplayName?: string | null;
  contactUris?: string[];
  /** Content-Type media type, lower case, or null when absent. */
  mediaType?: string | null;
  /** getHeader(name) must return exactly this (undefined: header absent). */
  headers?: Record<string, string | undefined>;
  headerCounts?: Record<string, number>;
}

export interface Rfc4475Expectation {
  file: string;
  /** RFC 4475 section number, e.g. "3.1.2.6"; "-" for the archive's extra file. */
  section: string;
  title: string;
  verdict: Rfc4475Verdict;
  /** What tsips's message layer does with it. */
  tsips: 'parse' | 'reject';
  /** For 'parse': values asserted through the accessors. */
  values?: MessageValues;
  /** For 'reject': every point that must throw (all of them are checked). */
  rejects?: RejectPoint[];
  /** The response the RFC says an element sends (null: none, the message is dropped or handled normally). */
  reply: number | null;
  /** Who sends that reply (for the later layers). */
  replyBy?: 'parser' | 'transaction' | 'proxy' | 'registrar' | 'endpoint' | 'any';
  /** When the RFC lets a liberal element accept: what tsips does and why. */
  leniency?: string;
  /**
   * The archive's copy differs from the RFC text in a way that matters: the
   * test checks the file as shipped (`asShipped`) and the repaired message.
   */
  archiveDefect?: { description: string; repair: 'append-empty-line'; asShipped: RejectPoint };
  /** One line, in our own words. */
  reason: string;
}

const SDP_150 = 150;

export const RFC4475_EXPECTATIONS: readonly Rfc4475Expectation[] = [
  // ------------------------------------------------------------------ 3.1.1 valid
  {
    file: 'wsinv.dat',
    section: '3.1.1.1',
    title: 'A Short Tortuous INVITE',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      ruri: 'sip:vivekg@chair-dnrc.example.com;unknownparam',
      version: 'SIP/2.0',
      callId: 'wsinv.ndaksdj@192.0.2.1',
      cseq: { seq: 9, method: 'INVITE' },
      maxForwards: 68,
      contentLength: SDP_150,
      bodyLength: SDP_150,
      vias: [
        ['UDP', '192.0.2.2', null, '390skdjuw'],
        ['TCP', 'spindle.example.com', null, 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', null, 'z9hG4bK30239'],
      ],
      toUri: 'sip:vivekg@chair-dnrc.example.com',
      toTag: '1918181833n',
      toDisplayName: null,
      fromUri: 'sip:jdrosen@example.com',
      fromTag: '98asjd8',
      fromDisplayName: 'J Rosenberg \\"',
      contactUris: ['sip:jdrosen@example.com'],
      mediaType: 'application/sdp',
      headers: { Subject: '', s: '', UnknownHeaderWithUnusualValue: ';;,,;;,;' },
      headerCounts: { Via: 2, v: 2, Subject: 1, Contact: 1, Route: 1 },
    },
    reply: null,
    reason: 'Folding, odd spacing around ":" ";" "=" "/", mixed compact/long names and leading zeros are all legal; every value must come out clean.',
  },
  {
    file: 'intmeth.dat',
    section: '3.1.1.2',
    title: 'Wide Range of Valid Characters',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: "!interesting-Method0123456789_*+`.%indeed'~",
      callId: 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
      cseq: { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" },
      maxForwards: 255,
      contentLength: 0,
      bodyLength: 0,
      vias: [['TCP', 'host1.example.com', null, "z9hG4bK-.!%66*_+`'~"]],
      toDisplayName: 'BEL:\x07 NUL:\x00 DEL:\x7f',
      toTag: null,
      toUri: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com",
      fromDisplayName: "token1~` token2'+_ token3*%!.-",
      fromUri: 'sip:mundane@example.com',
      fromTag: "_token~1'+`*%!-.",
      headers: { "extensionHeader-!.%*+_`'~": '\ufeff\u5927\u505c\u96fb' },
    },
    reply: null,
    reason: 'Every token character in method, branch, tag and header name, quoted-pairs of control octets and UTF-8 values are legal; % is no escape there.',
  },
  {
    file: 'esc01.dat',
    section: '3.1.1.3',
    title: 'Valid Use of the % Escaping Mechanism',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      ruri: 'sip:sips%3Auser%40example.com@example.net',
      callId: 'esc01.239409asdfakjkn23onasd0-3234',
      cseq: { seq: 234234, method: 'INVITE' },
      maxForwards: 87,
      contentLength: SDP_150,
      bodyLength: SDP_150,
      vias: [['UDP', 'host5.example.net', null, 'z9hG4bKkdjuw']],
      toUri: 'sip:%75se%72@example.com',
      fromUri: 'sip:I%20have%20spaces@example.net',
      fromTag: '938',
      contactUris: ['sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31'],
      mediaType: 'application/sdp',
    },
    reply: null,
    reason: '%HH escapes in user parts and URI parameters are legal; unescaping is done once (value%41 stays value%41, never valueA).',
  },
  {
    file: 'escnull.dat',
    section: '3.1.1.4',
    title: 'Escaped Nulls in URIs',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'REGISTER',
      ruri: 'sip:example.com',
      callId: 'escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd',
      cseq: { seq: 14398234, method: 'REGISTER' },
      contentLength: 0,
      toUri: 'sip:null-%00-null@example.com',
      fromUri: 'sip:null-%00-null@example.com',
      fromTag: '839923423',
      contactUris: ['sip:%00@host5.example.com', 'sip:%00%00@host5.example.com'],
      headerCounts: { Contact: 2 },
    },
    reply: null,
    reason: '%00 is a legal escape; unescaped user parts contain NUL and must keep their full length, so the two contacts stay distinct.',
  },
  {
    file: 'esc02.dat',
    section: '3.1.1.5',
    title: 'Use of % When It Is Not an Escape',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'RE%47IST%45R',
      ruri: 'sip:registrar.example.com',
      cseq: { seq: 29344, method: 'RE%47IST%45R' },
      vias: [['TCP', 'host.example.com', null, 'z9hG4bK209%fzsnel234']],
      toDisplayName: '%Z%45',
      fromDisplayName: '%Z%45',
      fromTag: 'f232jadfj23',
      contactUris: ['sip:alias1@host1.example.com', 'sip:alias3@host3.example.com'],
      headers: { 'C%6Fntact': '<sip:alias2@host2.example.com>' },
      headerCounts: { Contact: 2, 'C%6Fntact': 1 },
      contentLength: 0,
    },
    reply: 501,
    replyBy: 'endpoint',
    reason: 'Outside URIs % is an ordinary character: the method is unknown (not REGISTER) and C%6Fntact is an extension header, not a third Contact.',
  },
  {
    file: 'lwsdisp.dat',
    section: '3.1.1.6',
    title: 'Message with No LWS between Display Name and <',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'OPTIONS',
      fromDisplayName: 'caller',
      fromUri: 'sip:caller@example.com',
      fromTag: '323',
      cseq: { seq: 60, method: 'OPTIONS' },
      contentLength: 0,
    },
    reply: null,
    reason: 'RFC 3261 grammar wrongly demands LWS before "<"; the RFC says to accept it, and tsips does.',
  },
  {
    file: 'longreq.dat',
    section: '3.1.1.7',
    title: 'Long Values in Header Fields',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      callId:
        'longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallylongcallid',
      cseq: { seq: 3882340, method: 'INVITE' },
      maxForwards: 70,
      contentLength: SDP_150,
      bodyLength: SDP_150,
      toDisplayName: `I have a user name of ${'extreme'.repeat(10)} proportion`,
      fromTag: '12982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982424',
      headerCounts: { Via: 34 },
      mediaType: 'application/sdp',
    },
    reply: null,
    reason: 'Long names, values and 34 Via lines (many spellings of "Via"/"v") are legal; nothing may be cut short.',
  },
  {
    file: 'dblreq.dat',
    section: '3.1.1.8',
    title: 'Extra Trailing Octets in a UDP Datagram',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'REGISTER',
      ruri: 'sip:example.com',
      callId: 'dblreq.0ha0isndaksdj99sdfafnl3lk233412',
      cseq: { seq: 8, method: 'REGISTER' },
      maxForwards: 8,
      contentLength: 0,
      bodyLength: 0,
      vias: [['UDP', '192.0.2.125', null, 'z9hG4bKkdjuw23492']],
      contactUris: ['sip:j.user@host.example.com'],
      headerCounts: { Via: 1, CSeq: 1, 'Call-ID': 1 },
    },
    reply: null,
    reason: 'Octets after Content-Length in a datagram are noise (RFC 3261 §18.3): the REGISTER is handled and the INVITE-looking tail is dropped.',
  },
  {
    file: 'semiuri.dat',
    section: '3.1.1.9',
    title: 'Semicolon-Separated Parameters in URI User Part',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'OPTIONS',
      ruri: 'sip:user;par=u%40example.net@example.com',
      cseq: { seq: 8, method: 'OPTIONS' },
      maxForwards: 3,
      contentLength: 0,
      vias: [['UDP', '192.0.2.1', null, 'z9hG4bKkdjuw']],
    },
    reply: null,
    reason: 'The user part may hold ";" (the URI has no parameters): user is "user;par=u%40example.net", i.e. user;par=u@example.net unescaped.',
  },
  {
    file: 'transports.dat',
    section: '3.1.1.10',
    title: 'Varied and Unknown Transport Types',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'OPTIONS',
      callId: 'transports.kijh4akdnaqjkwendsasfdj',
      vias: [
        ['UDP', 't1.example.com', null, 'z9hG4bKkdjuw'],
        ['SCTP', 't2.example.com', null, 'z9hG4bKklasjdhf'],
        ['TLS', 't3.example.com', null, 'z9hG4bK2980unddj'],
        ['UNKNOWN', 't4.example.com', null, 'z9hG4bKasd0f3en'],
        ['TCP', 't5.example.com', null, 'z9hG4bK0a9idfnee'],
      ],
      contentLength: 0,
    },
    reply: null,
    reason: 'transport is an extension token: an unknown one ("UNKNOWN") is legal and kept as written.',
  },
  {
    file: 'mpart01.dat',
    section: '3.1.1.11',
    title: 'Multipart MIME Message',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      method: 'MESSAGE',
      ruri: 'sip:kumiko@example.org',
      callId: '3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..',
      cseq: { seq: 1, method: 'MESSAGE' },
      contentLength: 553,
      bodyLength: 553,
      vias: [['UDP', '127.0.0.1', 5070, 'z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-']],
      fromTag: '2fb0dcc9',
      mediaType: 'multipart/mixed',
      headers: { 'Content-Transfer-Encoding': 'binary' },
    },
    reply: null,
    reason: 'The body is framed by Content-Length only; its binary part holds NUL octets that must not end or shorten it.',
  },
  {
    file: 'unreason.dat',
    section: '3.1.1.12',
    title: 'Unusual Reason Phrase',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      status: 200,
      reason: '= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435',
      cseq: { seq: 35, method: 'INVITE' },
      contentLength: 154,
      bodyLength: 154,
      toTag: '2229',
      fromTag: '11141343',
    },
    reply: null,
    reason: 'A reason phrase may hold reserved characters and UTF-8 text; it is for people and must be kept as sent.',
  },
  {
    file: 'noreason.dat',
    section: '3.1.1.13',
    title: 'Empty Reason Phrase',
    verdict: 'valid',
    tsips: 'parse',
    values: {
      status: 100,
      reason: '',
      cseq: { seq: 35, method: 'INVITE' },
      contentLength: 0,
      toTag: '902jndnke3',
    },
    reply: null,
    reason: 'The reason phrase may be empty (the SP after the code is present).',
  },

  // ---------------------------------------------------------------- 3.1.2 invalid
  {
    file: 'badinv01.dat',
    section: '3.1.2.1',
    title: 'Extraneous Header Field Separators',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [
      { at: 'vias', header: 'Via' },
      { at: 'topVia', header: 'Via' },
      { at: 'contacts', header: 'Contact' },
    ],
    reply: 400,
    replyBy: 'any',
    reason: 'Empty parameters and empty list elements (";;,;,,", ";;;;") do not match the Via and Contact grammar.',
  },
  {
    file: 'clerr.dat',
    section: '3.1.2.2',
    title: 'Content Length Larger Than Message',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'Content-Length' }],
    reply: 400,
    replyBy: 'parser',
    reason: 'Over UDP a body shorter than Content-Length is an error (a stream transport would wait for more octets instead).',
  },
  {
    file: 'ncl.dat',
    section: '3.1.2.3',
    title: 'Negative Content-Length',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'Content-Length' }],
    reply: 400,
    replyBy: 'parser',
    reason: 'Content-Length is 1*DIGIT; -999 cannot frame anything (on a stream the connection must be closed).',
  },
  {
    file: 'scalar02.dat',
    section: '3.1.2.4',
    title: 'Request Scalar Fields with Overlarge Values',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [
      { at: 'cseq', header: 'CSeq' },
      { at: 'maxForwards', header: 'Max-Forwards' },
      { at: 'expires', header: 'Expires' },
      { at: 'contacts', header: 'Contact' },
    ],
    reply: 400,
    replyBy: 'any',
    leniency:
      'The RFC lets an element ignore only a bad Max-Forwards or treat bad expiry values as the default; tsips reports every out-of-range scalar, because the CSeq error alone already forces the 400 and silently substituting values would hide the attack.',
    reason: 'CSeq > 2**32-1, Max-Forwards > 255 and Expires/expires > 2**32-1 are outside their ranges.',
  },
  {
    file: 'scalarlg.dat',
    section: '3.1.2.5',
    title: 'Response Scalar Fields with Overlarge Values',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'cseq', header: 'CSeq' }],
    reply: null,
    replyBy: 'any',
    reason: 'A response whose CSeq exceeds 2**32-1 is discarded; Retry-After and the 4-digit Warning code are not parsed by tsips and stay raw.',
  },
  {
    file: 'quotbal.dat',
    section: '3.1.2.6',
    title: 'Unterminated Quoted String in Display Name',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'to', header: 'To' }],
    reply: 400,
    replyBy: 'any',
    leniency:
      'The RFC allows inferring the missing quote; tsips does not, because where the quote belongs is a guess (the RFC itself shows a value where the guess goes wrong).',
    reason: 'The To display name opens a quoted string that never closes.',
  },
  {
    file: 'ltgtruri.dat',
    section: '3.1.2.7',
    title: '<> Enclosing Request-URI',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'requestUri', header: 'Request-URI' }],
    reply: 400,
    replyBy: 'any',
    leniency: 'The RFC allows ignoring the brackets; tsips rejects: the Request-URI is an addr-spec, never a name-addr.',
    reason: 'The Request-URI is wrapped in "<>".',
  },
  {
    file: 'lwsruri.dat',
    section: '3.1.2.8',
    title: 'Malformed SIP Request-URI (embedded LWS)',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'start-line' }],
    reply: 400,
    replyBy: 'parser',
    leniency: 'The RFC allows dropping the LWS for SIP URIs; tsips rejects because the request line is split on single SPs and "lr SIP/2.0" is no SIP-Version.',
    reason: 'White space inside the Request-URI ("; lr") breaks the Method SP URI SP Version structure.',
  },
  {
    file: 'lwsstart.dat',
    section: '3.1.2.9',
    title: 'Multiple SP Separating Request-Line Elements',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'start-line' }],
    reply: 400,
    replyBy: 'parser',
    leniency: 'The RFC allows a liberal element to skip the extra SPs; tsips rejects (explicitly acceptable per the RFC): the request line grammar has exactly one SP between elements.',
    reason: 'Two SPs between method, URI and version.',
  },
  {
    file: 'trws.dat',
    section: '3.1.2.10',
    title: 'SP Characters at End of Request-Line',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'start-line' }],
    reply: 400,
    replyBy: 'parser',
    leniency: 'The RFC allows ignoring the trailing SPs; tsips rejects (explicitly acceptable per the RFC), keeping one strict request-line grammar.',
    reason: 'SP characters between SIP-Version and CRLF.',
  },
  {
    file: 'escruri.dat',
    section: '3.1.2.11',
    title: 'Escaped Headers in SIP Request-URI',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'requestUri', header: 'Request-URI' }],
    reply: 400,
    replyBy: 'any',
    leniency:
      'The RFC allows ignoring the escaped headers (and then they must never reach the forwarded request); tsips rejects, since RFC 3261 §19.1.1 forbids headers in a Request-URI and a proxy must not carry them on.',
    reason: 'A Request-URI carrying "?Route=..." URI headers.',
  },
  {
    file: 'baddate.dat',
    section: '3.1.2.12',
    title: 'Invalid Time Zone in Date Header Field',
    verdict: 'invalid',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      callId: 'baddate.239423mnsadf3j23lj42--sedfnm234',
      cseq: { seq: 1392934, method: 'INVITE' },
      headers: { Date: 'Fri, 01 Jan 2010 16:00:00 EST' },
      contentLength: SDP_150,
    },
    reply: null,
    leniency:
      'The RFC says not to reject unless the Date matters to the element; tsips never interprets Date (no typed accessor), so the message parses and Date stays raw text.',
    reason: 'Date must use "GMT"; "EST" is not allowed.',
  },
  {
    file: 'regbadct.dat',
    section: '3.1.2.13',
    title: 'Failure to Enclose name-addr URI in <>',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'contacts', header: 'Contact' }],
    reply: 400,
    replyBy: 'any',
    leniency: 'The RFC allows inferring the brackets here; tsips rejects, since in general the inference is ambiguous (RFC 3261 §20.10 requires <> when the URI has "?", "," or ";").',
    reason: 'A Contact URI with escaped headers written as a bare addr-spec.',
  },
  {
    file: 'badaspec.dat',
    section: '3.1.2.14',
    title: 'Spaces within addr-spec',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'to', header: 'To' }],
    reply: 400,
    replyBy: 'any',
    leniency: 'The RFC allows ignoring the spaces; tsips rejects: white space inside <> is not part of any URI.',
    reason: 'The To URI is written "< sip:... >" with spaces inside the brackets.',
  },
  {
    file: 'baddn.dat',
    section: '3.1.2.15',
    title: 'Non-token Characters in Display Name',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [
      { at: 'from', header: 'From' },
      { at: 'to', header: 'To' },
    ],
    archiveDefect: {
      description: 'the file ends after "l: 0" CRLF without the empty line that ends the header section',
      repair: 'append-empty-line',
      asShipped: { at: 'parse', header: 'header' },
    },
    reply: 400,
    replyBy: 'any',
    leniency:
      'The RFC allows inferring quotes; tsips rejects (a proxy must not propagate the error, and signed fields cannot be fixed). The archive file also lacks the final empty line; the test checks the file as shipped and with the empty line restored.',
    reason: 'Unquoted display names containing "," are not a token sequence.',
  },
  {
    file: 'badvers.dat',
    section: '3.1.2.16',
    title: 'Unknown Protocol Version',
    verdict: 'invalid',
    tsips: 'parse',
    values: {
      method: 'OPTIONS',
      version: 'SIP/7.0',
      cseq: { seq: 1, method: 'OPTIONS' },
      contentLength: 0,
    },
    reply: 505,
    replyBy: 'any',
    reason: 'SIP/7.0 is well-formed SIP-Version syntax but not 2.0: the parser keeps it so that a 505 Version Not Supported can be sent.',
  },
  {
    file: 'mismatch01.dat',
    section: '3.1.2.17',
    title: 'Start Line and CSeq Method Mismatch',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'cseq', header: 'CSeq' }],
    reply: 400,
    replyBy: 'any',
    reason: 'The CSeq method (INVITE) must equal the request method (OPTIONS).',
  },
  {
    file: 'mismatch02.dat',
    section: '3.1.2.18',
    title: 'Unknown Method with CSeq Method Mismatch',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'cseq', header: 'CSeq' }],
    reply: 400,
    replyBy: 'any',
    leniency: 'The RFC prefers 501 but accepts 400; the mismatch is found by the message layer before any method handling, so tsips answers 400.',
    reason: 'Unknown method NEWMETHOD with a CSeq naming INVITE.',
  },
  {
    file: 'bigcode.dat',
    section: '3.1.2.19',
    title: 'Overlarge Response Code',
    verdict: 'invalid',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'start-line' }],
    reply: null,
    replyBy: 'any',
    reason: 'Status-Code is exactly three digits; 4294967301 must not wrap around into a valid code. The response is dropped.',
  },

  // --------------------------------------------------------- 3.2 transaction layer
  {
    file: 'badbranch.dat',
    section: '3.2.1',
    title: 'Missing Transaction Identifier',
    verdict: 'transaction',
    tsips: 'parse',
    values: {
      method: 'OPTIONS',
      vias: [['UDP', '192.0.2.1', null, 'z9hG4bK']],
      cseq: { seq: 8, method: 'OPTIONS' },
      maxForwards: 3,
      contentLength: 0,
    },
    reply: 400,
    replyBy: 'transaction',
    reason: 'A branch that is only the magic cookie is syntactically fine; the transaction layer rejects it (or falls back to RFC 2543 matching).',
  },

  // -------------------------------------------------------- 3.3 application layer
  {
    file: 'insuf.dat',
    section: '3.3.1',
    title: 'Missing Required Header Fields',
    verdict: 'application',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      cseq: { seq: 193942, method: 'INVITE' },
      vias: [['UDP', '192.0.2.95', null, 'z9hG4bKkdj.insuf']],
      maxForwards: null,
      contentLength: 152,
      bodyLength: 152,
      headers: { 'Call-ID': undefined, From: undefined, To: undefined },
    },
    rejects: [
      { at: 'callId', header: 'Call-ID' },
      { at: 'from', header: 'From' },
      { at: 'to', header: 'To' },
    ],
    reply: 400,
    replyBy: 'any',
    reason: 'No Call-ID, From or To: the message parses, the accessors for the missing headers throw ParseError, and the element answers 400.',
  },
  {
    file: 'unkscm.dat',
    section: '3.3.2',
    title: 'Request-URI with Unknown Scheme',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'OPTIONS', ruri: 'nobodyKnowsThisScheme:totallyopaquecontent', cseq: { seq: 3923423, method: 'OPTIONS' } },
    reply: 416,
    replyBy: 'any',
    reason: 'Any scheme is syntactically allowed in the Request-URI; routing on it is impossible, hence 416 (never route on To).',
  },
  {
    file: 'novelsc.dat',
    section: '3.3.3',
    title: 'Request-URI with Known but Atypical Scheme',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'OPTIONS', ruri: 'soap.beep://192.0.2.103:3002', cseq: { seq: 3923423, method: 'OPTIONS' } },
    reply: 416,
    replyBy: 'any',
    reason: 'A registered but unusual scheme parses as an absolute URI; an element that never handles it answers 416 (404 if it handles some).',
  },
  {
    file: 'unksm2.dat',
    section: '3.3.4',
    title: 'Unknown URI Schemes in Header Fields',
    verdict: 'application',
    tsips: 'parse',
    values: {
      method: 'REGISTER',
      toUri: 'isbn:2983792873',
      toTag: null,
      fromUri: 'http://www.example.com',
      fromTag: '3234233',
      contactUris: ['name:John_Smith'],
    },
    reply: 400,
    replyBy: 'registrar',
    reason: 'Non-SIP URIs in To, From and Contact are legal syntax; a registrar refuses a non-SIP address-of-record with 400, a proxy forwards.',
  },
  {
    file: 'bext01.dat',
    section: '3.3.5',
    title: 'Proxy-Require and Require',
    verdict: 'application',
    tsips: 'parse',
    values: {
      method: 'OPTIONS',
      vias: [['TLS', 'fold-and-staple.example.com', null, 'z9hG4bKkdjuw']],
      headers: {
        Require: 'nothingSupportsThis, nothingSupportsThisEither',
        'Proxy-Require': 'noProxiesSupportThis, norDoAnyProxiesSupportThis',
      },
    },
    reply: 420,
    replyBy: 'any',
    reason: 'Unknown option tags are syntactically fine; the element answers 420 Bad Extension listing them in Unsupported.',
  },
  {
    file: 'invut.dat',
    section: '3.3.6',
    title: 'Unknown Content-Type',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'INVITE', mediaType: 'application/unknownformat', contentLength: 40, bodyLength: 40 },
    reply: 415,
    replyBy: 'endpoint',
    reason: 'An unknown body type is opaque to the parser; proxies forward it, endpoints answer 415.',
  },
  {
    file: 'regaut01.dat',
    section: '3.3.7',
    title: 'Unknown Authorization Scheme',
    verdict: 'application',
    tsips: 'parse',
    values: {
      method: 'REGISTER',
      vias: [['TCP', '192.0.2.253', null, 'z9hG4bKkdjuw']],
      headers: { Authorization: 'NoOneKnowsThisScheme opaque-data=here' },
      contentLength: 0,
    },
    reply: 401,
    replyBy: 'registrar',
    reason: 'An unknown auth scheme is well formed; a proxy forwards it untouched, an authenticating registrar challenges with a scheme it knows (401).',
  },
  {
    file: 'multi01.dat',
    section: '3.3.8',
    title: 'Multiple Values in Single Value Required Fields',
    verdict: 'application',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      // single-valued accessors read the first occurrence; duplicates are visible through headerCount()
      callId: 'multi01.98asdh@192.0.2.1',
      cseq: { seq: 5, method: 'INVITE' },
      maxForwards: 70,
      toUri: 'sip:user@example.com',
      fromTag: '3413415',
      headerCounts: { 'Call-ID': 2, CSeq: 2, To: 2, From: 2, 'Max-Forwards': 2, Contact: 2 },
      contentLength: 154,
      bodyLength: 154,
    },
    reply: 400,
    replyBy: 'any',
    reason: 'Call-ID, To, From, Max-Forwards and CSeq each appear twice; every line parses, and the validation layer answers 400.',
  },
  {
    file: 'mcl01.dat',
    section: '3.3.9',
    title: 'Multiple Content-Length Values',
    verdict: 'application',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'Content-Length' }],
    reply: 400,
    replyBy: 'parser',
    leniency:
      'Rejected by the parser rather than left to a later layer: the RFC itself calls this a framing error, equivalent to an invalid Content-Length (drop the rest of the datagram; close a stream connection), and a parser that picked one value would open a request-smuggling gap. The reply the RFC asks for, an error (400), is the same.',
    reason: 'Content-Length: 13 and Content-Length: 5 in one message; nobody can know the body size.',
  },
  {
    file: 'bcast.dat',
    section: '3.3.10',
    title: '200 OK Response with Broadcast Via Header Field Value',
    verdict: 'application',
    tsips: 'parse',
    values: {
      status: 200,
      reason: 'OK',
      vias: [
        ['UDP', '192.0.2.198', null, 'z9hG4bK1324923'],
        ['UDP', '255.255.255.255', null, 'z9hG4bK1saber23'],
      ],
      cseq: { seq: 35, method: 'INVITE' },
      contentLength: 154,
    },
    reply: null,
    replyBy: 'proxy',
    reason: 'A broadcast sent-by is legal syntax; a proxy pops its Via and must not send the response to 255.255.255.255.',
  },
  {
    file: 'zeromf.dat',
    section: '3.3.11',
    title: 'Max-Forwards of Zero',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'OPTIONS', maxForwards: 0, cseq: { seq: 39234321, method: 'OPTIONS' } },
    reply: 483,
    replyBy: 'proxy',
    reason: 'Max-Forwards 0 is legal; a proxy answers 483 Too Many Hops, an endpoint processes it.',
  },
  {
    file: 'cparam01.dat',
    section: '3.3.12',
    title: 'REGISTER with a Contact Header Parameter',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'REGISTER', contactUris: ['sip:+19725552222@gw1.example.net'] },
    reply: 200,
    replyBy: 'registrar',
    reason: 'In a bare addr-spec Contact, ";unknownparam" is a contact parameter, not a URI parameter.',
  },
  {
    file: 'cparam02.dat',
    section: '3.3.13',
    title: 'REGISTER with a url-parameter',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'REGISTER', contactUris: ['sip:+19725552222@gw1.example.net;unknownparam'] },
    reply: 200,
    replyBy: 'registrar',
    reason: 'Inside <>, ";unknownparam" belongs to the URI.',
  },
  {
    file: 'regescrt.dat',
    section: '3.3.14',
    title: 'REGISTER with a URL Escaped Header',
    verdict: 'application',
    tsips: 'parse',
    values: { method: 'REGISTER', contactUris: ['sip:user@example.com?Route=%3Csip:sip.example.com%3E'], contentLength: 0 },
    reply: 200,
    replyBy: 'registrar',
    reason: 'An escaped Route header inside a bracketed Contact URI is legal; the registrar stores the URI with it.',
  },
  {
    file: 'sdp01.dat',
    section: '3.3.15',
    title: 'Unacceptable Accept Offering',
    verdict: 'application',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      headers: { Accept: 'text/nobodyKnowsThis' },
      mediaType: 'application/sdp',
      contentLength: SDP_150,
    },
    reply: 406,
    replyBy: 'endpoint',
    reason: 'Accept without application/sdp is well formed; the UAS answers 406 (400 is also acceptable).',
  },

  // ----------------------------------------------------- 3.4 backward compatibility
  {
    file: 'inv2543.dat',
    section: '3.4.1',
    title: 'INVITE with RFC 2543 Syntax',
    verdict: 'compat',
    tsips: 'parse',
    values: {
      method: 'INVITE',
      ruri: 'sip:UserB@example.com',
      vias: [['UDP', 'iftgw.example.com', null, null]],
      fromTag: null,
      fromUri: 'sip:+13035551111@ift.client.example.net;user=phone',
      toUri: 'sip:+16505552222@ss1.example.net',
      maxForwards: null,
      cseq: { seq: 56, method: 'INVITE' },
      bodyLength: 105,
      contentLength: 105,
      mediaType: 'application/sdp',
      headers: { 'Content-Length': undefined, 'Max-Forwards': undefined },
    },
    reply: null,
    reason: 'No branch, no From tag, no Content-Length (body = rest of the datagram), no Max-Forwards: still accepted for RFC 2543 peers.',
  },

  // ---------------------------------------------------------- not part of the RFC
  {
    file: 'test.dat',
    section: '-',
    title: "The archive's extra file",
    verdict: 'extra',
    tsips: 'reject',
    rejects: [{ at: 'parse', header: 'start-line' }],
    reply: null,
    reason: 'Not in the RFC text: its request line has no SIP-Version (and a header line lacks a colon), so it is no SIP message.',
  },
];

/** Lookup by file name. */
export function expectationFor(file: string): Rfc4475Expectation {
  const e = RFC4475_EXPECTATIONS.find((x) => x.file === file);
  if (e === undefined) throw new Error(`no RFC 4475 expectation for ${file}`);
  return e;
}

/**
 * Mutation fuzzing of the message layer, shared by the jest suite
 * (fuzz.test.ts, a bounded number of cases on every CI run) and by
 * scripts/fuzz-sip.js (millions of cases on demand, from dist/).
 *
 * A case is a corpus message (RFC 4475 files, RFC 5118 messages) with a few
 * mutations applied. The invariant checked on each case:
 *  - only ParseError escapes from parsing, any typed accessor, the typed
 *    parsers run on header bodies, serialization, edits and buildReply;
 *  - what tsips itself produces (toBuffer() of an accepted message, a reply
 *    built by buildReply) parses again;
 *  - results are bounded by the input (no output amplification);
 *  - no case is slow: a case over the time limit is re-run, and only a case
 *    that stays slow every time fails (so a GC pause cannot fail CI).
 */
import * as fc from 'fast-check';
import {
  buildReply,
  isSipUri,
  parseChallenge,
  parseContacts,
  parseContentType,
  parseCredentials,
  ParseError,
  parseExpires,
  parseFromTo,
  parseMaxForwards,
  parseMessage,
  parseNameAddrList,
  parseSdp,
  parseTokenList,
  parseUri,
  parseVia,
  parseCSeq,
  parseContentLength,
  SipMessage,
  StreamFramer,
  unescapeUriPart,
} from '../index';
import { CorpusMessage } from './corpus';

/** Largest input the contract covers. */
export const MAX_INPUT = 65535;

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'dupHeader'; line: number; times: number }
  | { kind: 'oversize'; line: number; size: number; fill: string }
  | { kind: 'nul'; at: number }
  | { kind: 'hugeNumber'; nth: number; digits: string }
  | { kind: 'dropCrlf'; nth: number; part: 'both' | 'cr' | 'lf' }
  | { kind: 'splice'; other: number; from: number; len: number; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'remove'; at: number; len: number };

export interface FuzzCase {
  seed: number;
  mutations: Mutation[];
  /** Chunk sizes for the stream framer run. */
  chunks: number[];
}

/** Texts that tend to sit on parser decision points. */
const TOKENS = [
  '\r\n', '\r\n ', '\r\n\t', ' ', '\t', ':', ';', ',', '<', '>', '"', '\\', '\\"', '%', '%0', '%00', '%zz', '[', ']', '[::', '@', '?', '=', '/', '*',
  '\x00', '\x7f', '\xff', '\xc3\xa9', 'sip:', 'sips:', 'tel:', ';lr', ';tag=', ';branch=z9hG4bK', ';rport', ';received=', ';expires=', ';q=',
  'Via: SIP/2.0/UDP x;branch=z9hG4bKfz\r\n', 'Content-Length: 5\r\n', 'l: 99999999999\r\n', 'Content-Length: -1\r\n', 'Contact: *\r\n',
  'v: ', 'm: ', 'i: ', 'f: ', 't: ', 'c: application/sdp\r\n', 'CSeq: 1 INVITE\r\n', 'Route: <sip:a;lr>,<sip:b>\r\n', '\r\n\r\n', 'SIP/2.0 ',
  'Authorization: Digest username="a", realm="b", nonce="c", uri="sip:x", response="d"\r\n', 'WWW-Authenticate: Digest realm="r", qop="auth,auth-int"\r\n',
  'v=0\r\n', 'm=audio 0 RTP/AVP 0\r\n', 'c=IN IP6 ::1\r\n', 'a=rtpmap:0 PCMU/8000\r\n',
];

/** Fillers for oversized header values: each repeats a separator or an opening construct. */
const FILLS = ['a', '<', '>', '"', ';', ',', '%', '%4', '[', ':', ' ', '\\"', ';a=', ';a', '<sip:a@b>,', 'SIP/2.0/UDP h;', '9', '\r\n ', 'sip:a@b;', '"a" <sip:x>;', '=', '[::1]:'];

const NUMBERS = ['4294967296', '4294967295', '18446744073709551616', '9'.repeat(400), '-1', '0', '00000000000000000000001', '1e9', '0x10', '2147483648', '65536', '256', '1.5', ''];

export function mutationArb(corpusSize: number): fc.Arbitrary<Mutation> {
  const pos = fc.nat({ max: MAX_INPUT });
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: pos, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: pos }),
    fc.record({ kind: fc.constant('dupHeader' as const), line: fc.nat({ max: 64 }), times: fc.integer({ min: 1, max: 40 }) }),
    fc.record({
      kind: fc.constant('oversize' as const),
      line: fc.nat({ max: 64 }),
      size: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 2000, max: 60000 })),
      fill: fc.constantFrom(...FILLS),
    }),
    fc.record({ kind: fc.constant('nul' as const), at: pos }),
    fc.record({ kind: fc.constant('hugeNumber' as const), nth: fc.nat({ max: 40 }), digits: fc.constantFrom(...NUMBERS) }),
    fc.record({ kind: fc.constant('dropCrlf' as const), nth: fc.nat({ max: 40 }), part: fc.constantFrom('both' as const, 'cr' as const, 'lf' as const) }),
    fc.record({
      kind: fc.constant('splice' as const),
      other: fc.nat({ max: corpusSize - 1 }),
      from: pos,
      len: fc.integer({ min: 1, max: 400 }),
      at: pos,
    }),
    fc.record({ kind: fc.constant('insert' as const), at: pos, text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 12 })) }),
    fc.record({ kind: fc.constant('remove' as const), at: pos, len: fc.integer({ min: 1, max: 40 }) }),
  );
}

export function caseArb(corpusSize: number): fc.Arbitrary<FuzzCase> {
  return fc.record({
    seed: fc.nat({ max: corpusSize - 1 }),
    mutations: fc.array(mutationArb(corpusSize), { minLength: 1, maxLength: 5 }),
    chunks: fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 6 }),
  });
}

/** Start offsets of the header lines (after the start line, before the empty line). */
function headerLines(b: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let pos = b.indexOf('\r\n');
  while (pos !== -1) {
    const start = pos + 2;
    const next = b.indexOf('\r\n', start);
    if (next === -1 || next === start) break;
    out.push([start, next + 2]);
    pos = next;
  }
  return out;
}

function nthMatch(b: Buffer, re: RegExp, nth: number): [number, number] | null {
  const s = b.toString('latin1');
  const all = [...s.matchAll(re)];
  if (all.length === 0) return null;
  const m = all[nth % all.length];
  return [m.index as number, (m.index as number) + m[0].length];
}

function splice(b: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  const p = Math.min(at, b.length);
  return Buffer.concat([b.subarray(0, p), insert, b.subarray(Math.min(b.length, p + remove))]);
}

export function applyMutation(b: Buffer, m: Mutation, corpus: readonly CorpusMessage[]): Buffer {
  const n = b.length;
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return b;
      const out = Buffer.from(b);
      out[m.at % n] ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return b.subarray(0, n === 0 ? 0 : m.at % n);
    case 'nul':
      return splice(b, n === 0 ? 0 : m.at % (n + 1), 0, Buffer.from([0]));
    case 'dupHeader': {
      const lines = headerLines(b);
      if (lines.length === 0) return b;
      const [s, e] = lines[m.line % lines.length];
      const line = b.subarray(s, e);
      return splice(b, e, 0, Buffer.concat(Array.from({ length: m.times }, () => line)));
    }
    case 'oversize': {
      const lines = headerLines(b);
      if (lines.length === 0) return b;
      const [s, e] = lines[m.line % lines.length];
      const colon = b.indexOf(':', s);
      const at = colon !== -1 && colon < e ? colon + 1 : e - 2;
      const fill = Buffer.from(m.fill.repeat(Math.ceil(m.size / m.fill.length)).slice(0, m.size), 'latin1');
      return splice(b, at, 0, fill);
    }
    case 'hugeNumber': {
      const r = nthMatch(b, /\d+/g, m.nth);
      return r === null ? b : splice(b, r[0], r[1] - r[0], Buffer.from(m.digits, 'latin1'));
    }
    case 'dropCrlf': {
      const r = nthMatch(b, /\r\n/g, m.nth);
      if (r === null) return b;
      return m.part === 'both' ? splice(b, r[0], 2, Buffer.alloc(0)) : splice(b, m.part === 'cr' ? r[0] : r[0] + 1, 1, Buffer.alloc(0));
    }
    case 'splice': {
      const other = corpus[m.other % corpus.length].data;
      const from = other.length === 0 ? 0 : m.from % other.length;
      return splice(b, n === 0 ? 0 : m.at % (n + 1), 0, other.subarray(from, from + m.len));
    }
    case 'insert':
      return splice(b, n === 0 ? 0 : m.at % (n + 1), 0, Buffer.from(m.text, 'latin1'));
    case 'remove':
      return n === 0 ? b : splice(b, m.at % n, m.len, Buffer.alloc(0));
  }
}

/** The input of one case, capped at MAX_INPUT bytes. */
export function buildInput(c: FuzzCase, corpus: readonly CorpusMessage[]): Buffer {
  let b = corpus[c.seed % corpus.length].data;
  for (const m of c.mutations) {
    b = applyMutation(b, m, corpus);
    if (b.length > MAX_INPUT) b = b.subarray(0, MAX_INPUT);
  }
  return b;
}

/** An invariant broke (not a ParseError, and not an accepted input). */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** Runs fn; a ParseError is an accepted outcome (returns undefined), anything else propagates. */
export function tolerate<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ParseError) {
      if (typeof e.message !== 'string' || e.message.length === 0) throw new InvariantError('ParseError without a message');
      return undefined;
    }
    throw e;
  }
}

/** Rough size of a result: characters of strings, elements of arrays and maps. */
function sizeOf(v: unknown, depth = 0): number {
  if (depth > 8 || v === null || v === undefined) return 1;
  if (typeof v === 'string') return v.length + 1;
  if (typeof v !== 'object') return 1;
  if (Buffer.isBuffer(v)) return v.length + 1;
  if (Array.isArray(v)) return v.reduce((a: number, x) => a + sizeOf(x, depth + 1), 1);
  if (v instanceof Map) {
    let t = 1;
    for (const [k, x] of v) t += sizeOf(k, depth + 1) + sizeOf(x, depth + 1);
    return t;
  }
  let t = 1;
  for (const x of Object.values(v as Record<string, unknown>)) t += sizeOf(x, depth + 1);
  return t;
}

export interface CaseOutcome {
  accepted: boolean;
  isRequest: boolean;
}

const NAME_ADDR_PARSERS: Array<[string, (s: string) => unknown]> = [
  ['Via', parseVia],
  ['CSeq', parseCSeq],
  ['From', (s) => parseFromTo(s, 'From')],
  ['To', (s) => parseFromTo(s, 'To')],
  ['Contact', parseContacts],
  ['Max-Forwards', parseMaxForwards],
  ['Content-Length', parseContentLength],
  ['Content-Type', parseContentType],
  ['Expires', parseExpires],
  ['Route', (s) => parseNameAddrList(s, 'Route')],
  ['Record-Route', (s) => parseNameAddrList(s, 'Record-Route')],
  ['Authorization', (s) => parseCredentials(s)],
  ['Proxy-Authorization', (s) => parseCredentials(s, 'Proxy-Authorization')],
  ['WWW-Authenticate', (s) => parseChallenge(s)],
  ['Proxy-Authenticate', (s) => parseChallenge(s, 'Proxy-Authenticate')],
  ['Require', (s) => parseTokenList(s, 'Require')],
  ['Supported', (s) => parseTokenList(s, 'Supported')],
  ['Allow', (s) => parseTokenList(s, 'Allow')],
];

/** The typed accessors, by name (order matters for the call-order check). */
const ACCESSORS: Array<[string, (m: SipMessage) => unknown]> = [
  ['topVia', (m) => m.topVia()],
  ['vias', (m) => m.vias()],
  ['callId', (m) => m.callId()],
  ['cseq', (m) => m.cseq()],
  ['from', (m) => m.from()],
  ['to', (m) => m.to()],
  ['contacts', (m) => m.contacts()],
  ['maxForwards', (m) => m.maxForwards()],
  ['contentLength', (m) => m.contentLength()],
  ['contentType', (m) => m.contentType()],
  ['expires', (m) => m.expires()],
  ['routes', (m) => m.routes()],
  ['recordRoutes', (m) => m.recordRoutes()],
  ['requestUri', (m) => (m.isRequest ? m.requestUri() : null)],
  ['sdp', (m) => m.sdp()],
];

/** A comparable picture of an accessor's outcome: its value as JSON, or which ParseError it threw. */
function snapshot(fn: () => unknown): string {
  try {
    return JSON.stringify(fn(), (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v)) ?? 'undefined';
  } catch (e) {
    if (e instanceof ParseError) return `ParseError(${e.header})`;
    throw e;
  }
}

/** Parse one datagram and use everything the API offers on it. */
export function exerciseMessage(data: Buffer): CaseOutcome {
  let msg: SipMessage;
  try {
    msg = parseMessage(data, { transport: 'datagram' });
  } catch (e) {
    if (e instanceof ParseError) return { accepted: false, isRequest: false };
    throw e;
  }
  // Each result is bounded by the input; all of them together by a larger factor.
  const one = 16 * data.length + 4096;
  const all = 100 * data.length + 65536;
  let produced = 0;
  const keep = (v: unknown): void => {
    const size = sizeOf(v);
    if (size > one) throw new InvariantError(`one result of ${size} units from a ${data.length}-byte input`);
    produced += size;
    if (produced > all) throw new InvariantError(`results of ${produced} units from a ${data.length}-byte input`);
  };

  // raw access
  for (const name of new Set(msg.headerNames())) {
    keep(msg.getHeader(name));
    keep(msg.getHeaders(name));
    if (msg.headerCount(name) < 1 || !msg.hasHeader(name)) throw new InvariantError(`header "${name}" listed but not found`);
  }
  keep(msg.bodyText());
  if (msg.body.length > data.length) throw new InvariantError('body longer than the input');

  // typed accessors, each on its own (a failing one must not hide the others)
  const uris: string[] = [];
  keep(tolerate(() => msg.vias()));
  keep(tolerate(() => msg.topVia()));
  keep(tolerate(() => msg.callId()));
  keep(tolerate(() => msg.cseq()));
  const from = tolerate(() => msg.from());
  if (from) uris.push(from.uri);
  const to = tolerate(() => msg.to());
  if (to) uris.push(to.uri);
  keep([from, to]);
  const contacts = tolerate(() => msg.contacts());
  if (contacts) for (const c of contacts.contacts) uris.push(c.uri);
  keep(contacts);
  keep(tolerate(() => msg.maxForwards()));
  keep(tolerate(() => msg.contentLength()));
  keep(tolerate(() => msg.contentType()));
  keep(tolerate(() => msg.expires()));
  const routes = tolerate(() => msg.routes());
  const rr = tolerate(() => msg.recordRoutes());
  for (const na of [...(routes ?? []), ...(rr ?? [])]) uris.push(na.uri);
  keep([routes, rr]);
  if (msg.isRequest) keep(tolerate(() => msg.requestUri()));
  keep(tolerate(() => msg.sdp()));

  // typed parsers on every header body of the kinds they handle
  for (const [name, parser] of NAME_ADDR_PARSERS) for (const body of msg.getHeaders(name)) keep(tolerate(() => parser(body)));
  for (const u of uris) {
    const parsed = tolerate(() => parseUri(u));
    keep(parsed);
    if (parsed !== undefined && isSipUri(parsed) && parsed.user !== null) keep(tolerate(() => unescapeUriPart(parsed.user as string)));
  }
  keep(tolerate(() => parseSdp(msg.bodyText())));

  // serialization of the untouched message reproduces a parseable message
  const same = msg.toBuffer();
  if (same.length > data.length) throw new InvariantError('toBuffer() of an unmodified message grew');
  let again: SipMessage;
  try {
    again = parseMessage(same, { transport: 'datagram' });
  } catch (e) {
    throw new InvariantError(`toBuffer() of an accepted message does not parse: ${String(e)}`);
  }
  if (again.headerNames().join('\n') !== msg.headerNames().join('\n')) throw new InvariantError('toBuffer() changed the header list');
  // Lazy parsing and caching must not make results depend on the order of calls:
  // the re-parsed copy is read in the opposite order and must give the same answers.
  const forward = ACCESSORS.map(([, get]) => snapshot(() => get(msg)));
  const backward = ACCESSORS.map(([, get]) => get).reverse().map((get) => snapshot(() => get(again))).reverse();
  for (let i = 0; i < ACCESSORS.length; i++) {
    if (forward[i] !== backward[i]) throw new InvariantError(`${ACCESSORS[i][0]}() depends on call order: ${forward[i].slice(0, 120)} vs ${backward[i].slice(0, 120)}`);
  }

  if (msg.isRequest) {
    // a reply built by tsips must itself parse
    const reply = tolerate(() => buildReply(msg, 400, 'Bad Request', { server: 'tsips-fuzz', received: '192.0.2.1', rport: 5060 }));
    if (reply !== undefined) {
      if (reply.length > 2 * data.length + 1024) throw new InvariantError('reply much larger than the request');
      try {
        parseMessage(reply, { transport: 'datagram' });
      } catch (e) {
        throw new InvariantError(`buildReply() produced an unparseable reply: ${String(e)}`);
      }
    }
    // proxy-style edits; the edited message is tsips's output, so it must parse and show the edits
    const routesBefore = msg.headerCount('Route');
    const viasBefore = tolerate(() => msg.vias().map((v) => v.raw));
    msg.setRuri('sip:fuzz@example.net');
    msg.prependVia('SIP/2.0/UDP proxy.example.org;branch=z9hG4bKfuzz');
    msg.addHeader('X-Fuzz', 'yes', 'afterVia');
    const removed = msg.removeHeader('Route', 0);
    if (removed !== Math.min(1, routesBefore)) throw new InvariantError(`removeHeader removed ${removed} of ${routesBefore} Route lines`);
    const edited = msg.toBuffer();
    keep(edited);
    let fwd: SipMessage;
    try {
      fwd = parseMessage(edited, { transport: 'datagram' });
    } catch (e) {
      throw new InvariantError(`the edited request does not parse: ${String(e)}`);
    }
    if (fwd.ruri !== 'sip:fuzz@example.net') throw new InvariantError(`R-URI after setRuri is ${fwd.ruri}`);
    if (fwd.getHeader('X-Fuzz') !== 'yes') throw new InvariantError('added header missing after serialization');
    if (fwd.headerCount('Route') !== routesBefore - removed) throw new InvariantError('Route count wrong after removeHeader');
    if (fwd.body.length !== msg.body.length) throw new InvariantError('body changed by header edits');
    if (viasBefore !== undefined) {
      const after = tolerate(() => fwd.vias().map((v) => v.raw));
      if (after === undefined) throw new InvariantError('Vias that parsed before forwarding no longer parse');
      if (after.join('\n') !== ['SIP/2.0/UDP proxy.example.org;branch=z9hG4bKfuzz', ...viasBefore].join('\n')) {
        throw new InvariantError(`Via list after prependVia differs: ${JSON.stringify(after.slice(0, 3)).slice(0, 200)}`);
      }
    }
  } else {
    tolerate(() => msg.removeTopVia());
    keep(tolerate(() => msg.toBuffer()));
  }
  tolerate(() => msg.setBody('v=0\r\n', 'application/sdp'));
  keep(tolerate(() => msg.toBuffer()));
  return { accepted: true, isRequest: msg.isRequest };
}

/** Feed the input to a StreamFramer in the given chunk sizes; parse what it frames. */
export function exerciseStream(data: Buffer, chunks: readonly number[]): number {
  const framer = new StreamFramer();
  let framed = 0;
  let pos = 0;
  let k = 0;
  while (pos < data.length) {
    const size = chunks[k++ % chunks.length];
    const chunk = data.subarray(pos, pos + size);
    pos += size;
    let out: Buffer[];
    try {
      out = framer.push(chunk);
    } catch (e) {
      if (e instanceof ParseError) return framed;
      throw e;
    }
    for (const m of out) {
      framed += m.length;
      tolerate(() => parseMessage(m, { transport: 'stream' }));
    }
  }
  if (framed > data.length) throw new InvariantError(`framer emitted ${framed} bytes from ${data.length}`);
  return framed;
}

export interface RunStats {
  cases: number;
  accepted: number;
  requests: number;
  slowReruns: number;
  elapsedMs: number;
}

/**
 * One timed case. A case over `limitMs` is re-run twice; it fails only when
 * every run is over the limit (a real super-linear path, not a GC pause).
 */
export function timedCase(c: FuzzCase, corpus: readonly CorpusMessage[], limitMs: number, stats: RunStats): void {
  const data = buildInput(c, corpus);
  const run = (): CaseOutcome => {
    const out = exerciseMessage(data);
    exerciseStream(data, c.chunks);
    return out;
  };
  let t0 = process.hrtime.bigint();
  const out = run();
  let ms = Number(process.hrtime.bigint() - t0) / 1e6;
  for (let i = 0; i < 2 && ms > limitMs; i++) {
    stats.slowReruns++;
    t0 = process.hrtime.bigint();
    run();
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (ms > limitMs) throw new InvariantError(`case took ${ms.toFixed(1)} ms on a ${data.length}-byte input (limit ${limitMs} ms)`);
  stats.cases++;
  if (out.accepted) stats.accepted++;
  if (out.isRequest) stats.requests++;
}

export function newStats(): RunStats {
  return { cases: 0, accepted: 0, requests: 0, slowReruns: 0, elapsedMs: 0 };
}

/** The fast-check property over corpus mutations (used by the test and the script). */
export function messageProperty(corpus: readonly CorpusMessage[], limitMs: number, stats: RunStats): fc.IPropertyWithHooks<[FuzzCase]> {
  return fc.property(caseArb(corpus.length), (c) => {
    timedCase(c, corpus, limitMs, stats);
  });
}

/** Random header bodies straight into the typed parsers. */
export function parserProperty(limitMs: number, stats: RunStats): fc.IPropertyWithHooks<[number, string]> {
  const alphabet = fc.constantFrom(...TOKENS, ...FILLS, 'a', 'b', '1', '0', '.', '-', 'SIP', '/', '2.0', 'UDP', 'sip', 'IN', 'IP4', 'IP6', '\n', 'x=');
  const parsers: Array<(s: string) => unknown> = [
    ...NAME_ADDR_PARSERS.map(([, p]) => p),
    parseUri,
    unescapeUriPart,
    parseSdp,
  ];
  return fc.property(
    fc.nat({ max: parsers.length - 1 }),
    fc.oneof(fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')), fc.string({ maxLength: 200, unit: 'binary' })),
    (which, text) => {
      const t0 = process.hrtime.bigint();
      const out = tolerate(() => parsers[which](text));
      if (sizeOf(out) > 16 * text.length + 4096) throw new InvariantError('parser result amplified its input');
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (ms > limitMs) {
        stats.slowReruns++;
        const t1 = process.hrtime.bigint();
        tolerate(() => parsers[which](text));
        if (Number(process.hrtime.bigint() - t1) / 1e6 > limitMs) throw new InvariantError(`parser ${which} took ${ms.toFixed(1)} ms`);
      }
      stats.cases++;
    },
  );
}

/**
 * The everyday sipmsgops functions: methods, header presence and edits, Request-URI
 * parameters, bodies, headers for locally generated replies.
 */
import type { FunctionExport, PvRef, ScriptContext } from '@tsips/script';
import { headerKey, isToken, parseUri, parseTokenList, SipMessage } from '@tsips/sip';
import {
  currentBody,
  setCurrentBody,
  currentText,
  layoutOf,
  replaceMessage,
  requireMessage,
  sipMessage,
  splitHeaderLines,
} from './message-edit';
import { sipmsgValidate } from './validate';
import { audioOnHold, byNameAndClock, byRegex, codecOp, SdpLines, type CodecMatch, type CodecOp } from './sdp-edit';
import { addUriParam, deleteUriParam, uriParamTokens, uriSections } from './uri-params';

type Impl = FunctionExport['impl'];

// ------------------------------------------------------------------ methods

const methodLists = new Map<string, string[]>();

/** "INVITE|bye" -> ['INVITE', 'BYE'] (cached: the argument is nearly always a literal). */
function methodList(text: string): string[] {
  let list = methodLists.get(text);
  if (list === undefined) {
    list = text.split('|').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
    if (methodLists.size > 256) methodLists.clear();
    methodLists.set(text, list);
  }
  return list;
}

function isMethod(ctx: ScriptContext, names: string): number {
  const msg = ctx.msg;
  if (msg === null) return -1;
  let method: string;
  if (msg.isRequest) method = msg.method;
  else {
    try {
      method = msg.cseq().method;
    } catch {
      ctx.logError('is_method: cannot parse the CSeq header');
      return -1;
    }
  }
  return methodList(names).includes(method.toUpperCase()) ? 1 : -1;
}

// ------------------------------------------------------------------ headers

function isPresentHf(ctx: ScriptContext, name: string): number {
  const msg = ctx.msg;
  if (msg === null) return -1;
  return msg.headerCount(name.trim()) > 0 ? 1 : -1;
}

function hasTotag(ctx: ScriptContext): number {
  const msg = ctx.msg;
  if (msg === null) return -1;
  try {
    const tag = msg.to().tag;
    return tag !== null && tag !== '' ? 1 : -1;
  } catch {
    ctx.logError('has_totag: cannot parse the To header');
    return -1;
  }
}

/** Header lines of an append_hf/insert_hf text; logs and returns null when it is not header text. */
function headerLines(ctx: ScriptContext, fn: string, text: string): Array<[string, string]> | null {
  const lines = splitHeaderLines(text);
  if (lines === null) ctx.logError(`${fn}: '${text.replace(/\r?\n/g, '\\r\\n')}' is not a header line ("Name: value\\r\\n")`);
  return lines;
}

/**
 * Adds header lines right after (or before) the first header called `anchor`. The SIP
 * layer adds lines only first/last/after the Vias, so this re-serializes the message with
 * the new lines in place (see message-edit.ts). null when the anchor header is absent.
 */
function addAtAnchor(ctx: ScriptContext, fn: string, msg: SipMessage, lines: Array<[string, string]>, anchor: string, after: boolean): number | null {
  const text = currentText(msg);
  const lay = layoutOf(text);
  const key = headerKey(anchor.trim());
  let pos = lay.headersStart;
  while (pos < lay.headersEnd) {
    let end = text.indexOf('\n', pos);
    // Folded continuation lines belong to the same header.
    while (end !== -1 && end + 1 < lay.headersEnd && (text[end + 1] === ' ' || text[end + 1] === '\t')) end = text.indexOf('\n', end + 1);
    const lineEnd = end === -1 ? lay.headersEnd : end + 1;
    const colon = text.indexOf(':', pos);
    if (colon !== -1 && colon < lineEnd && headerKey(text.slice(pos, colon).trim()) === key) {
      const at = after ? lineEnd : pos;
      const added = lines.map(([n, v]) => `${n}: ${v}\r\n`).join('');
      return replaceMessage(ctx, msg, text.slice(0, at) + added + text.slice(at), fn) ? 1 : -1;
    }
    pos = lineEnd;
  }
  return null;
}

function appendHf(ctx: ScriptContext, text: string, anchor: string | null): number {
  const msg = requireMessage(ctx, 'append_hf');
  if (msg === null) return -1;
  const lines = headerLines(ctx, 'append_hf', text);
  if (lines === null) return -1;
  // Without the anchor header the lines go to the end, as in OpenSIPS.
  const placed = anchor !== null && anchor.trim() !== '' ? addAtAnchor(ctx, 'append_hf', msg, lines, anchor, true) : null;
  if (placed !== null) return placed;
  for (const [n, v] of lines) msg.addHeader(n, v, 'last');
  return 1;
}

function insertHf(ctx: ScriptContext, text: string, anchor: string | null): number {
  const msg = requireMessage(ctx, 'insert_hf');
  if (msg === null) return -1;
  const lines = headerLines(ctx, 'insert_hf', text);
  if (lines === null) return -1;
  const placed = anchor !== null && anchor.trim() !== '' ? addAtAnchor(ctx, 'insert_hf', msg, lines, anchor, false) : null;
  if (placed !== null) return placed;
  // Each 'first' insert lands above the previous ones: add in reverse to keep the text's order.
  for (let i = lines.length - 1; i >= 0; i--) msg.addHeader(lines[i]![0], lines[i]![1], 'first');
  return 1;
}

function appendUrihf(ctx: ScriptContext, prefix: string, suffix: string): number {
  const msg = requireMessage(ctx, 'append_urihf');
  if (msg === null || !msg.isRequest) return -1;
  // The Request-URI as received, as OpenSIPS takes it from the request line.
  const lines = headerLines(ctx, 'append_urihf', prefix + (msg.originalRuri || msg.ruri) + suffix);
  if (lines === null) return -1;
  for (const [n, v] of lines) msg.addHeader(n, v, 'last');
  return 1;
}

function removeHf(ctx: ScriptContext, name: string): number {
  const msg = requireMessage(ctx, 'remove_hf');
  if (msg === null) return -1;
  return msg.removeHeader(name.trim()) > 0 ? 1 : -1;
}

/** Removes every received header line whose name satisfies `match`; 1, or -1 when none was there. */
function removeMatching(msg: SipMessage, match: (name: string) => boolean): number {
  const names = msg.headerNames();
  const seen = new Map<number | string, number>();
  let removed = 0;
  for (let h = 0; h < names.length; h++) {
    const name = names[h]!;
    const key = headerKey(name);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    if (match(name)) removed += msg.removeHeader(name, occurrence);
  }
  return removed > 0 ? 1 : -1;
}

function removeHfRe(ctx: ScriptContext, re: RegExp): number {
  const msg = requireMessage(ctx, 'remove_hf_re');
  if (msg === null) return -1;
  return removeMatching(msg, (name) => {
    re.lastIndex = 0;
    return re.test(name);
  });
}

const globs = new Map<string, RegExp>();

/** fnmatch(3) with FNM_CASEFOLD: `*`, `?`, `[...]` (with `!` or `^` negation), `\` escapes. */
export function globToRegExp(glob: string): RegExp {
  let re = globs.get(glob);
  if (re !== undefined) return re;
  let src = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else if (c === '\\' && i + 1 < glob.length) src += `\\${glob[++i]}`.replace(/^\\([A-Za-z0-9])$/, '$1');
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) src += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        src += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else src += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  re = new RegExp(`${src}$`, 'is');
  if (globs.size > 256) globs.clear();
  globs.set(glob, re);
  return re;
}

function removeHfGlob(ctx: ScriptContext, glob: string): number {
  const msg = requireMessage(ctx, 'remove_hf_glob');
  if (msg === null) return -1;
  const re = globToRegExp(glob);
  return removeMatching(msg, (name) => re.test(name));
}

function getGlobHeadersValues(ctx: ScriptContext, glob: string, names: PvRef, values: PvRef): number {
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  for (const ref of [names, values]) {
    if (!/^\$\(?avp\(/.test(ref.raw)) {
      ctx.logError(`get_glob_headers_values: ${ref.raw} is not an AVP`);
      return -1;
    }
  }
  const re = globToRegExp(glob);
  const all = msg.headerNames();
  let found = 0;
  for (let h = 0; h < all.length; h++) {
    if (!re.test(all[h]!)) continue;
    // Each match adds one value to each AVP, in message order (the last one on top).
    names.set(ctx, all[h]!);
    values.set(ctx, msg.headerValue(h) ?? '');
    found++;
  }
  return found > 0 ? 1 : -1;
}

/**
 * The message as minified JSON: {"first_line": start line with its CRLF, "headers": {name as
 * written: [values in order]}, "body": text} (body only when there is one).
 */
function sipToJson(ctx: ScriptContext, out: PvRef): number {
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  const l = msg.layout;
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const names = msg.headerNames();
  for (let h = 0; h < names.length; h++) {
    const list = headers[names[h]!] ?? (headers[names[h]!] = []);
    list.push(msg.headerValue(h) ?? '');
  }
  const json: Record<string, unknown> = { first_line: msg.data.toString('utf8', l.start, l.headersStart), headers };
  const body = currentBody(ctx, msg);
  if (body.length > 0) json.body = body.toString('utf8');
  out.set(ctx, JSON.stringify(json));
  return 1;
}

function appendToReply(ctx: ScriptContext, text: string): number {
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines.length === 0) {
    ctx.logError('append_to_reply: empty header text');
    return -1;
  }
  for (const l of lines) ctx.replyHeaders.push(l);
  return 1;
}

function appendTime(ctx: ScriptContext): number {
  // Date.toUTCString() is exactly "%a, %d %b %Y %H:%M:%S GMT" (RFC 1123), the format OpenSIPS uses.
  ctx.replyHeaders.push(`Date: ${new Date(ctx.clock.now()).toUTCString()}`);
  return 1;
}

// ------------------------------------------------------------------ bodies

/** Media types of the body: the Content-Type, and for multipart bodies each part's type too. */
function bodyTypes(msg: SipMessage, body: Buffer): string[] {
  let ct;
  try {
    ct = msg.contentType();
  } catch {
    return [];
  }
  if (ct === null) return [];
  const types = [ct.mediaType];
  if (ct.type.toLowerCase() === 'multipart') {
    const boundary = ct.params.find((p) => p.name.toLowerCase() === 'boundary')?.value;
    if (boundary) {
      const text = body.toString('latin1');
      for (const part of text.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const headEnd = part.indexOf('\r\n\r\n');
        const head = headEnd === -1 ? part : part.slice(0, headEnd);
        const m = /(?:^|\r\n)(?:content-type|c)[ \t]*:[ \t]*([^;\r\n]+)/i.exec(head);
        if (m !== null) types.push(m[1]!.trim().toLowerCase());
      }
    }
  }
  return types;
}

function hasBody(ctx: ScriptContext, mime: string | null): number {
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  const body = currentBody(ctx, msg);
  if (body.length === 0) return -1;
  if (mime === null || mime.trim() === '') return 1;
  const want = mime.trim().toLowerCase();
  const types = bodyTypes(msg, body);
  // A multipart type asks about the message's own Content-Type; any other asks about the parts.
  if (want.startsWith('multipart/')) return types[0] === want ? 1 : -1;
  const parts = types.length > 1 ? types.slice(1) : types;
  return parts.includes(want) ? 1 : -1;
}

// ------------------------------------------------------------------ Request-URI parameters

function ruriHasParam(ctx: ScriptContext, name: string, value: string | null): number {
  if (ctx.msg === null || !ctx.msg.isRequest) return -1;
  const uri = ctx.ruri();
  const s = uriSections(uri);
  if (s === null) {
    ctx.logError('ruri_has_param: cannot parse the Request-URI');
    return -1;
  }
  for (const t of uriParamTokens(uri, s)) {
    if (t.name !== name) continue;
    // Only the first parameter of that name counts, as in OpenSIPS.
    if (value === null) return t.value === null || t.value === '' ? 1 : -1;
    return t.value === value ? 1 : -1;
  }
  return -1;
}

function ruriAddParam(ctx: ScriptContext, param: string): number {
  if (ctx.msg === null || !ctx.msg.isRequest) return -1;
  if (param === '') return 1;
  const next = addUriParam(ctx.ruri(), param);
  if (next === null) {
    ctx.logError('ruri_add_param: cannot parse the Request-URI');
    return -1;
  }
  return ctx.setRuri(next) ? 1 : -1;
}

function ruriDelParam(ctx: ScriptContext, name: string): number {
  if (ctx.msg === null || !ctx.msg.isRequest) return -1;
  if (name === '') return 1;
  const next = deleteUriParam(ctx.ruri(), name);
  if (next === null) return -1;
  return ctx.setRuri(next) ? 1 : -1;
}

function ruriTel2sip(ctx: ScriptContext): number {
  if (ctx.msg === null || !ctx.msg.isRequest) return -1;
  const ruri = ctx.ruri();
  if (!/^tel:/i.test(ruri)) return 1;
  // tel:NUMBER;params -> sip:NUMBER;params@FROM-HOST;user=phone (RFC 3261 section 19.1.6).
  let fromHost: string;
  try {
    const from = parseUri(ctx.msg.from().uri);
    if (!('host' in from)) throw new Error('not a SIP URI');
    fromHost = from.port === null ? from.host : `${from.host}:${from.port}`;
  } catch {
    ctx.logError('ruri_tel2sip: the From URI is not a SIP URI');
    return -1;
  }
  return ctx.setRuri(`sip:${ruri.slice(4)}@${fromHost};user=phone`) ? 1 : -1;
}

function isUriUserE164(ctx: ScriptContext, uri: string): number {
  let user: string | null;
  try {
    const u = parseUri(uri.trim());
    if (u.scheme === 'tel' && 'number' in u) user = u.number;
    else if ('user' in u) user = u.user;
    else user = null;
  } catch {
    ctx.logError(`is_uri_user_e164: cannot parse URI '${uri}'`);
    return -1;
  }
  return user !== null && /^\+[0-9]{2,15}$/.test(user) ? 1 : -1;
}

// ------------------------------------------------------------------ Privacy, list headers

const PRIVACY_VALUES = new Set(['header', 'session', 'user', 'none', 'id', 'critical']);

function isPrivacy(ctx: ScriptContext, wanted: string): number {
  const msg = ctx.msg;
  if (msg === null) return -1;
  const want = wanted.trim().toLowerCase();
  if (!PRIVACY_VALUES.has(want)) {
    ctx.logError(`is_privacy: '${wanted}' is not a privacy value (header, session, user, none, id, critical)`);
    return -1;
  }
  // RFC 3323: priv-value *(";" priv-value); several headers add up.
  for (const h of msg.getHeaders('Privacy')) {
    for (const v of h.split(/[;,]/)) if (v.trim().toLowerCase() === want) return 1;
  }
  return -1;
}

function listHdrHasOption(ctx: ScriptContext, name: string, option: string): number {
  const msg = ctx.msg;
  if (msg === null) return -1;
  const want = option.trim().toLowerCase();
  for (const value of msg.getHeaders(name.trim())) {
    let tokens: string[];
    try {
      tokens = parseTokenList(value, name);
    } catch {
      tokens = value.split(',').map((t) => t.trim());
    }
    if (tokens.some((t) => t.toLowerCase() === want)) return 1;
  }
  return -1;
}

/**
 * Rewrites the value of every header called `name` through `change` (null: leave that
 * line as it is), on the message as edited so far, re-serialized in place (see
 * message-edit.ts); an empty new value drops the line. -1 when nothing changed.
 */
function rewriteHeaderValues(ctx: ScriptContext, fn: string, name: string, change: (value: string) => string | null): number {
  const msg = requireMessage(ctx, fn);
  if (msg === null) return -1;
  const text = currentText(msg);
  const lay = layoutOf(text);
  const key = headerKey(name.trim());
  let out = text.slice(0, lay.headersStart);
  let changed = false;
  let pos = lay.headersStart;
  while (pos < lay.headersEnd) {
    let end = text.indexOf('\n', pos);
    while (end !== -1 && end + 1 < lay.headersEnd && (text[end + 1] === ' ' || text[end + 1] === '\t')) end = text.indexOf('\n', end + 1);
    const lineEnd = end === -1 ? lay.headersEnd : end + 1;
    const line = text.slice(pos, lineEnd);
    const colon = line.indexOf(':');
    const next = colon > 0 && headerKey(line.slice(0, colon).trim()) === key ? change(line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim()) : null;
    if (next === null) out += line;
    else {
      changed = true;
      if (next !== '') out += `${line.slice(0, colon)}: ${next}\r\n`;
    }
    pos = lineEnd;
  }
  if (!changed) return -1;
  out += text.slice(lay.headersEnd);
  return replaceMessage(ctx, msg, out, fn) ? 1 : -1;
}

function listHdrAddOption(ctx: ScriptContext, name: string, option: string): number {
  const opt = option.trim();
  const msg = requireMessage(ctx, 'list_hdr_add_option');
  if (msg === null) return -1;
  if (listHdrHasOption(ctx, name, opt) === 1) return 1;
  if (!isToken(name.trim()) || opt === '' || /[\r\n\0,]/.test(opt)) {
    ctx.logError(`list_hdr_add_option: cannot add option '${opt}' to header '${name}'`);
    return -1;
  }
  if (!msg.hasHeader(name.trim())) {
    msg.addHeader(name.trim(), opt, 'last');
    return 1;
  }
  let done = false;
  return rewriteHeaderValues(ctx, 'list_hdr_add_option', name, (v) => {
    if (done) return null;
    done = true;
    return v.trim() === '' ? opt : `${v}, ${opt}`;
  });
}

function listHdrRemoveOption(ctx: ScriptContext, name: string, option: string): number {
  const want = option.trim().toLowerCase();
  return rewriteHeaderValues(ctx, 'list_hdr_remove_option', name, (v) => {
    const tokens = v.split(',').map((t) => t.trim()).filter((t) => t !== '');
    const kept = tokens.filter((t) => t.toLowerCase() !== want);
    return kept.length === tokens.length ? null : kept.join(', ');
  });
}

// ------------------------------------------------------------------ replies

function changeReplyStatus(ctx: ScriptContext, code: number, reason: string): number {
  const msg = requireMessage(ctx, 'change_reply_status');
  if (msg === null || msg.isRequest) return -1;
  if (code < 100 || code > 699) {
    ctx.logError(`change_reply_status: wrong status code ${code}`);
    return -1;
  }
  // RFC 3261 section 16.7: a proxy must not turn a provisional or 2xx reply into another class.
  if ((code < 300 || msg.status < 300) && Math.floor(code / 100) !== Math.floor(msg.status / 100)) {
    ctx.logError(`change_reply_status: the class of provisional or positive final replies cannot be changed (${msg.status} -> ${code})`);
    return -1;
  }
  if (/[\r\n]/.test(reason)) {
    ctx.logError('change_reply_status: the reason phrase holds a line break');
    return -1;
  }
  const text = currentText(msg);
  const lay = layoutOf(text);
  const sp = text.indexOf(' ');
  const newStart = `${text.slice(0, sp)} ${code} ${reason}`;
  return replaceMessage(ctx, msg, newStart + text.slice(lay.startLineEnd), 'change_reply_status') ? 1 : -1;
}

// ------------------------------------------------------------------ SDP codecs and streams

/** The SDP body (after earlier edits) as lines, or null when the message has none. */
function sdpOf(ctx: ScriptContext, msg: SipMessage): SdpLines | null {
  const body = currentBody(ctx, msg);
  if (body.length === 0) return null;
  let ct;
  try {
    ct = msg.contentType();
  } catch {
    return null;
  }
  if (ct === null || ct.mediaType !== 'application/sdp') return null;
  return new SdpLines(body.toString('latin1'));
}

function withSdp(ctx: ScriptContext, fn: string, match: CodecMatch, op: CodecOp): number {
  const msg = requireMessage(ctx, fn);
  if (msg === null) return -1;
  const sdp = sdpOf(ctx, msg);
  if (sdp === null) return -1;
  if (!codecOp(sdp, match, op)) return -1;
  if (op !== 'find') setCurrentBody(ctx, msg, Buffer.from(sdp.text(), 'latin1'));
  return 1;
}

const codecByName = (fn: string, op: CodecOp): Impl => (ctx: ScriptContext, name: string, clock: string | null) =>
  withSdp(ctx, fn, byNameAndClock(name, clock), op);
const codecByRegex = (fn: string, op: CodecOp, complement = false): Impl => (ctx: ScriptContext, re: RegExp) =>
  withSdp(ctx, fn, byRegex(re, complement), op);

function streams(ctx: ScriptContext, fn: string, media: RegExp, transport: RegExp | null, remove: boolean): number {
  const msg = requireMessage(ctx, fn);
  if (msg === null) return -1;
  const sdp = sdpOf(ctx, msg);
  if (sdp === null) return -1;
  const test = (re: RegExp, s: string) => {
    re.lastIndex = 0;
    return re.test(s);
  };
  const hit = sdp.blocks.find((b) => test(media, b.media) && (transport === null || test(transport, b.transport)));
  if (hit === undefined) return -1;
  if (remove) {
    // The first matching stream goes, with its attribute lines (as OpenSIPS).
    sdp.dropBlock(hit);
    setCurrentBody(ctx, msg, Buffer.from(sdp.text(), 'latin1'));
  }
  return 1;
}

function isAudioOnHold(ctx: ScriptContext): number {
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  const sdp = sdpOf(ctx, msg);
  return sdp !== null && audioOnHold(sdp) ? 1 : -1;
}

export const implementations: ReadonlyMap<string, Impl> = new Map<string, Impl>([
  ['is_method', isMethod],
  ['is_present_hf', isPresentHf],
  ['has_totag', hasTotag],
  ['append_hf', appendHf],
  ['insert_hf', insertHf],
  ['append_urihf', appendUrihf],
  ['remove_hf', removeHf],
  ['remove_hf_re', removeHfRe],
  ['remove_hf_glob', removeHfGlob],
  ['get_glob_headers_values', getGlobHeadersValues],
  ['sip_to_json', sipToJson],
  ['append_to_reply', appendToReply],
  ['append_time', appendTime],
  ['has_body', hasBody],
  ['has_body_part', hasBody],
  ['ruri_has_param', ruriHasParam],
  ['ruri_add_param', ruriAddParam],
  ['ruri_del_param', ruriDelParam],
  ['ruri_tel2sip', ruriTel2sip],
  ['is_uri_user_e164', isUriUserE164],
  ['is_privacy', isPrivacy],
  ['list_hdr_has_option', listHdrHasOption],
  ['list_hdr_add_option', listHdrAddOption],
  ['list_hdr_remove_option', listHdrRemoveOption],
  ['change_reply_status', changeReplyStatus],
  ['sipmsg_validate', sipmsgValidate],
  ['codec_exists', codecByName('codec_exists', 'find')],
  ['codec_delete', codecByName('codec_delete', 'delete')],
  ['codec_move_up', codecByName('codec_move_up', 'up')],
  ['codec_move_down', codecByName('codec_move_down', 'down')],
  ['codec_exists_re', codecByRegex('codec_exists_re', 'find')],
  ['codec_delete_re', codecByRegex('codec_delete_re', 'delete')],
  ['codec_delete_except_re', codecByRegex('codec_delete_except_re', 'delete', true)],
  ['codec_move_up_re', codecByRegex('codec_move_up_re', 'up')],
  ['codec_move_down_re', codecByRegex('codec_move_down_re', 'down')],
  ['stream_exists', (ctx: ScriptContext, media: RegExp, transport: RegExp | null) => streams(ctx, 'stream_exists', media, transport, false)],
  ['stream_delete', (ctx: ScriptContext, media: RegExp, transport: RegExp | null) => streams(ctx, 'stream_delete', media, transport, true)],
  ['is_audio_on_hold', isAudioOnHold],
]);

/**
 * textops functions. Searches read the message as received (OpenSIPS searches msg->buf);
 * edits work on the message with the edits made so far and start after the start line,
 * as OpenSIPS's do (the Request-URI is changed with subst_uri/subst_user or $ru).
 */
import type { FunctionExport, ScriptContext, SubstExpr } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import { requireMessage, sipMessage } from '../sipmsgops/message-edit';
import { uriSections } from '../sipmsgops/uri-params';
import { applyEdits, bodyText, bytesOf, commitTextEdits, editableText, lineMode, matchEdits, setBodyText, substString, wholeMode, type TextEdit } from './text-edit';

type Impl = FunctionExport['impl'];

/** The received message text, start line to end of body. */
function receivedText(msg: SipMessage): string {
  const l = msg.layout;
  return msg.data.toString('latin1', l.start, l.bodyStart + l.bodyLength);
}

function search(ctx: ScriptContext, re: RegExp): number {
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  return lineMode(re).test(receivedText(msg)) ? 1 : -1;
}

function searchBody(ctx: ScriptContext, re: RegExp): number {
  const msg = sipMessage(ctx);
  if (msg === null) return -1;
  const body = bodyText(ctx, msg);
  if (body.length === 0) return -1;
  return lineMode(re).test(body) ? 1 : -1;
}

/** Replaces matches after the start line; `insert` keeps the match and adds the text after it. */
function editMessage(ctx: ScriptContext, fn: string, re: RegExp, text: string, all: boolean, insert: boolean): number {
  const msg = requireMessage(ctx, fn);
  if (msg === null) return -1;
  const { text: current, headersStart } = editableText(msg);
  const add = bytesOf(text);
  const edits = matchEdits(current, lineMode(re), headersStart, (m) => (insert ? m[0] + add : add), all);
  if (edits === null) {
    ctx.logError(`${fn}: the regular expression matched an empty string`);
    return -1;
  }
  if (edits.length === 0) return -1;
  return commitTextEdits(ctx, msg, current, edits, fn) ? 1 : -1;
}

function editBody(ctx: ScriptContext, fn: string, re: RegExp, text: string, all: boolean, insert: boolean, atOnce = false): number {
  const msg = requireMessage(ctx, fn);
  if (msg === null) return -1;
  const body = bodyText(ctx, msg);
  if (body.length === 0) return -1;
  const add = bytesOf(text);
  const edits = matchEdits(body, atOnce ? wholeMode(re) : lineMode(re), 0, (m) => (insert ? m[0] + add : add), all);
  if (edits === null) {
    ctx.logError(`${fn}: the regular expression matched an empty string`);
    return -1;
  }
  if (edits.length === 0) return -1;
  setBodyText(ctx, msg, applyEdits(body, edits));
  return 1;
}

function substMessage(ctx: ScriptContext, se: SubstExpr): number {
  const msg = requireMessage(ctx, 'subst');
  if (msg === null) return -1;
  const { text, headersStart } = editableText(msg);
  const region = text.slice(headersStart);
  const result = substString(ctx, se, region);
  if (result === null) return -1;
  const edit: TextEdit = { start: headersStart, end: text.length, text: result };
  return commitTextEdits(ctx, msg, text, [edit], 'subst') ? 1 : -1;
}

function substBody(ctx: ScriptContext, se: SubstExpr): number {
  const msg = requireMessage(ctx, 'subst_body');
  if (msg === null) return -1;
  const body = bodyText(ctx, msg);
  if (body.length === 0) return -1;
  const result = substString(ctx, se, body);
  if (result === null) return -1;
  setBodyText(ctx, msg, result);
  return 1;
}

function substUri(ctx: ScriptContext, se: SubstExpr): number {
  if (ctx.msg === null || !ctx.msg.isRequest) return -1;
  const result = substString(ctx, se, ctx.ruri());
  if (result === null) return -1;
  return ctx.setRuri(result) ? 1 : -1;
}

/** The user part of a URI (before any ":password"), and where it sits; null when not a URI. */
function userPart(uri: string): { user: string; start: number; end: number; hasAt: boolean } | null {
  const s = uriSections(uri);
  if (s === null) return null;
  const colon = uri.indexOf(':');
  if (s.hostStart === colon + 1) return { user: '', start: colon + 1, end: colon + 1, hasAt: false };
  const userinfo = uri.slice(colon + 1, s.hostStart - 1);
  const pw = userinfo.indexOf(':');
  const end = colon + 1 + (pw === -1 ? userinfo.length : pw);
  return { user: uri.slice(colon + 1, end), start: colon + 1, end, hasAt: true };
}

function substUser(ctx: ScriptContext, se: SubstExpr): number {
  if (ctx.msg === null || !ctx.msg.isRequest) return -1;
  const uri = ctx.ruri();
  const u = userPart(uri);
  if (u === null) {
    ctx.logError('subst_user: the Request-URI is not a SIP URI');
    return -1;
  }
  const result = substString(ctx, se, u.user);
  if (result === null) return -1;
  let next: string;
  if (u.hasAt) {
    // An emptied user leaves no "@" behind (a password alone is dropped with it).
    next = result === '' && uri[u.end] === '@' ? uri.slice(0, u.start) + uri.slice(u.end + 1) : uri.slice(0, u.start) + result + uri.slice(u.end);
  } else {
    next = result === '' ? uri : `${uri.slice(0, u.start)}${result}@${uri.slice(u.start)}`;
  }
  return ctx.setRuri(next) ? 1 : -1;
}

export const implementations: ReadonlyMap<string, Impl> = new Map<string, Impl>([
  ['search', search],
  ['search_body', searchBody],
  ['search_append', (ctx: ScriptContext, re: RegExp, text: string) => editMessage(ctx, 'search_append', re, text, false, true)],
  ['search_append_body', (ctx: ScriptContext, re: RegExp, text: string) => editBody(ctx, 'search_append_body', re, text, false, true)],
  ['replace', (ctx: ScriptContext, re: RegExp, text: string) => editMessage(ctx, 'replace', re, text, false, false)],
  ['replace_body', (ctx: ScriptContext, re: RegExp, text: string) => editBody(ctx, 'replace_body', re, text, false, false)],
  ['replace_all', (ctx: ScriptContext, re: RegExp, text: string) => editMessage(ctx, 'replace_all', re, text, true, false)],
  ['replace_body_all', (ctx: ScriptContext, re: RegExp, text: string) => editBody(ctx, 'replace_body_all', re, text, true, false)],
  ['replace_body_atonce', (ctx: ScriptContext, re: RegExp, text: string) => editBody(ctx, 'replace_body_atonce', re, text, true, false, true)],
  ['subst', substMessage],
  ['subst_uri', substUri],
  ['subst_user', substUser],
  ['subst_body', substBody],
]);

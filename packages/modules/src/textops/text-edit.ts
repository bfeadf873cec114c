/**
 * The regular-expression engine of textops on message text. The text is handled in latin1
 * (one character per byte, as the SIP layer indexes messages); script strings are UTF-8
 * and are converted before they go into the message.
 */
import type { ScriptContext, SubstExpr } from '@tsips/script';
import { runSubst } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import { currentBody, currentText, layoutOf, replaceMessage, setCurrentBody } from '../sipmsgops/message-edit';

const lineModes = new WeakMap<RegExp, RegExp>();

/**
 * A regex parameter as OpenSIPS compiles it for textops (REG_EXTENDED | REG_ICASE |
 * REG_NEWLINE): `^`/`$` match at line breaks and `.` stops at them. The script compiles
 * regex parameters without REG_NEWLINE, so the same pattern is recompiled once.
 */
export function lineMode(re: RegExp): RegExp {
  let out = lineModes.get(re);
  if (out === undefined) {
    out = new RegExp(re.source, 'gim');
    lineModes.set(re, out);
  }
  out.lastIndex = 0;
  return out;
}

const wholeModes = new WeakMap<RegExp, RegExp>();

/** The pattern with `^`/`$` anchored to the whole text only (replace_body_atonce). */
export function wholeMode(re: RegExp): RegExp {
  let out = wholeModes.get(re);
  if (out === undefined) {
    out = new RegExp(re.source, 'gi');
    wholeModes.set(re, out);
  }
  out.lastIndex = 0;
  return out;
}

/** UTF-8 text from the script as latin1 characters (bytes), ready to splice into message text. */
export function bytesOf(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** An edit of a text: [start, end) becomes `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let cursor = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + text.slice(cursor);
}

/** Edits of every match (or the first) of `re` in text[from, to); null when a match is empty. */
export function matchEdits(text: string, re: RegExp, from: number, replacement: (m: RegExpExecArray) => string, all: boolean): TextEdit[] | null {
  const region = text.slice(from);
  const out: TextEdit[] = [];
  re.lastIndex = 0;
  for (;;) {
    const m = re.exec(region);
    if (m === null) break;
    if (m[0].length === 0) return null;
    out.push({ start: from + m.index, end: from + m.index + m[0].length, text: replacement(m) });
    if (!all) break;
  }
  return out;
}

/**
 * Applies edits made on {@link currentText} (headers and/or body) to the message: the
 * Content-Length follows the body, the message is parsed again and replaces the
 * context's, and a changed Request-URI becomes the context's $ru.
 */
export function commitTextEdits(ctx: ScriptContext, msg: SipMessage, text: string, edits: readonly TextEdit[], fn: string): boolean {
  if (edits.length === 0) return false;
  let next = applyEdits(text, edits);
  const lay = layoutOf(next);
  const bodyLength = next.length - lay.bodyStart;
  const head = next.slice(0, lay.headersEnd).replace(/(\r?\n)(Content-Length|l)([ \t]*:[ \t]*)\d+/i, (_m, nl: string, name: string, sep: string) => `${nl}${name}${sep}${bodyLength}`);
  next = head + next.slice(lay.headersEnd);
  if (!replaceMessage(ctx, msg, next, fn)) return false;
  const now = ctx.msg;
  if (now !== null && now.isRequest && now.ruri !== ctx.ruri()) ctx.setRuri(now.ruri);
  return true;
}

/** The text to edit and where its header section starts (after the start line). */
export function editableText(msg: SipMessage): { text: string; headersStart: number } {
  const text = currentText(msg);
  return { text, headersStart: layoutOf(text).headersStart };
}

/** The body as latin1 text (after earlier edits). */
export function bodyText(ctx: ScriptContext, msg: SipMessage): string {
  return currentBody(ctx, msg).toString('latin1');
}

export function setBodyText(ctx: ScriptContext, msg: SipMessage, text: string): void {
  setCurrentBody(ctx, msg, Buffer.from(text, 'latin1'));
}

/** Runs a sed-like expression on a script string; null when nothing matched. */
export function substString(ctx: ScriptContext, se: SubstExpr, input: string): string | null {
  return runSubst(se, input, { requestUri: () => (ctx.msg?.isRequest ? ctx.ruri() : null) });
}

/**
 * Message access and edits shared by sipmsgops, textops, rr and maxfwd.
 *
 * The SIP layer records edits as lumps over the received bytes (addHeader, removeHeader,
 * setRuri, setBody). It has no "replace this byte range" edit yet, so:
 * - body edits go through {@link currentBody} / {@link setCurrentBody}: every body change
 *   of a message starts from the body as the previous change left it, then setBody();
 * - edits inside header lines or the start line (textops replace/subst) serialize the
 *   message with every pending edit, change the text, parse it again and put the new
 *   message in the context (what OpenSIPS's msg_apply_changes() does). The script then
 *   sees the changed message, including headers other functions added before.
 */
import { headerKey, isToken, parseMessage, SipMessage } from '@tsips/sip';
import type { ScriptContext } from '@tsips/script';

const BODY_KEY = 'sipmsgops:body';

/** The context's message as the SIP layer's SipMessage, or null (no message, or a hand-built one). */
export function sipMessage(ctx: ScriptContext): SipMessage | null {
  const m = ctx.msg;
  return m instanceof SipMessage ? m : null;
}

/** The message, logging why the calling function cannot work on this context otherwise. */
export function requireMessage(ctx: ScriptContext, fn: string): SipMessage | null {
  const m = sipMessage(ctx);
  if (m === null) ctx.logError(`${fn}: no SIP message to work on`);
  return m;
}

/** The body as the edits made so far left it. */
export function currentBody(ctx: ScriptContext, msg: SipMessage): Buffer {
  const b = ctx.moduleState.get(BODY_KEY);
  return b instanceof Buffer ? b : msg.body;
}

/** Replaces the body (Content-Length follows; the Content-Type is kept unless given). */
export function setCurrentBody(ctx: ScriptContext, msg: SipMessage, body: Buffer, contentType?: string): void {
  if (contentType === undefined) msg.setBody(body);
  else msg.setBody(body, contentType);
  ctx.moduleState.set(BODY_KEY, body);
}

/** The message text as it would be sent now (latin1: one character per byte). */
export function currentText(msg: SipMessage): string {
  return msg.toBuffer().toString('latin1');
}

/** Where the start line, the header section and the body are in a message text. */
export interface TextLayout {
  /** End of the start line (its CRLF excluded). */
  startLineEnd: number;
  /** Offset of the first header line. */
  headersStart: number;
  /** Offset of the empty line ending the headers. */
  headersEnd: number;
  /** Offset of the body. */
  bodyStart: number;
}

export function layoutOf(text: string): TextLayout {
  const nl = text.indexOf('\n');
  const startLineEnd = nl > 0 && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
  const headersStart = nl + 1;
  let headersEnd = text.indexOf('\r\n\r\n', startLineEnd);
  let bodyStart: number;
  if (headersEnd === -1) {
    headersEnd = text.indexOf('\n\n', startLineEnd);
    bodyStart = headersEnd === -1 ? text.length : headersEnd + 2;
    if (headersEnd === -1) headersEnd = text.length;
    else headersEnd += 1;
  } else {
    headersEnd += 2;
    bodyStart = headersEnd + 2;
  }
  return { startLineEnd, headersStart, headersEnd, bodyStart };
}

/**
 * Puts a re-serialized, edited message text in place of the context's message. Returns
 * false (and logs) when the edited text no longer parses as a SIP message.
 */
export function replaceMessage(ctx: ScriptContext, old: SipMessage, text: string, fn: string): boolean {
  let next: SipMessage;
  try {
    next = parseMessage(Buffer.from(text, 'latin1'), { transport: old.fromStream ? 'stream' : 'datagram' });
  } catch (e) {
    ctx.logError(`${fn}: the changed message would not parse (${e instanceof Error ? e.message : String(e)}); left unchanged`);
    return false;
  }
  if (next.isRequest !== old.isRequest || next.method !== old.method) {
    ctx.logError(`${fn}: the change would alter the start line's method or kind; left unchanged`);
    return false;
  }
  ctx.msg = next;
  ctx.moduleState.delete(BODY_KEY);
  return true;
}

/** Splits header text ("Name: value\r\n..." possibly several lines) into [name, value] pairs; null when malformed. */
export function splitHeaderLines(text: string): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  for (const line of lines) {
    if (line === '') return null;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // A folded continuation: joins the previous header value (RFC 3261 section 7.3.1).
      const prev = out[out.length - 1];
      if (prev === undefined || /[\r\0]/.test(line)) return null;
      prev[1] = `${prev[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim();
    if (!isToken(name) || /[\r\0]/.test(line)) return null;
    out.push([name, line.slice(colon + 1).trim()]);
  }
  return out.length === 0 ? null : out;
}

/** Indexes (0-based, in message order) of the received header lines called `name` (compact forms match). */
export function headerLineIndexes(msg: SipMessage, name: string): number[] {
  const key = headerKey(name);
  const names = msg.headerNames();
  const out: number[] = [];
  for (let i = 0; i < names.length; i++) if (headerKey(names[i]!) === key) out.push(i);
  return out;
}

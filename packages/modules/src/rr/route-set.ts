/**
 * The Route header set of a request as rr works on it: every value with the header line
 * it came from, and the edits loose_route() makes (drop values, append one), written back
 * through the SIP layer's line edits.
 */
import { parseRoute, SipMessage } from '@tsips/sip';
import { headerLineIndexes } from '../sipmsgops/message-edit';
import { uriParamTokens, uriSections } from '../sipmsgops/uri-params';

export interface RouteEntry {
  /** Occurrence index of its Route header line (0 = first Route line). */
  line: number;
  /** The URI inside <...>. */
  uri: string;
  /** The value as written ("<sip:p1.example.com;lr>"). */
  raw: string;
  deleted: boolean;
}

/** Every Route value in order; throws the SIP layer's ParseError on a malformed header. */
export function readRouteSet(msg: SipMessage): RouteEntry[] {
  const out: RouteEntry[] = [];
  const lines = headerLineIndexes(msg, 'Route');
  for (let i = 0; i < lines.length; i++) {
    const value = msg.headerValue(lines[i]!) ?? '';
    for (const na of parseRoute(value)) out.push({ line: i, uri: na.uri, raw: na.raw.trim(), deleted: false });
  }
  return out;
}

/**
 * Writes the route set back: whole lines whose values all went are removed; when a line
 * keeps some of its values, or a value is appended, every Route line is replaced by one
 * line holding the remaining set in order (after the Vias; the relative order of
 * different header names carries no meaning, RFC 3261 section 7.3.1).
 */
export function writeRouteSet(msg: SipMessage, entries: readonly RouteEntry[], appended: string | null): void {
  const lineCount = entries.length === 0 ? 0 : entries[entries.length - 1]!.line + 1;
  let partial = false;
  for (let l = 0; l < lineCount; l++) {
    const vals = entries.filter((e) => e.line === l);
    const del = vals.filter((e) => e.deleted).length;
    if (del > 0 && del < vals.length) partial = true;
  }
  if (!partial && appended === null) {
    for (let l = 0; l < lineCount; l++) {
      const vals = entries.filter((e) => e.line === l);
      if (vals.length > 0 && vals.every((e) => e.deleted)) msg.removeHeader('Route', l);
    }
    return;
  }
  const kept = entries.filter((e) => !e.deleted).map((e) => e.raw);
  if (appended !== null) kept.push(appended);
  msg.removeHeader('Route');
  if (kept.length > 0) msg.addHeader('Route', kept.join(', '), 'afterVia');
}

/** The parameter section of a URI without its leading ';' ("" when none). */
export function uriParamString(uri: string): string {
  const s = uriSections(uri);
  if (s === null || s.paramsStart >= s.headersStart) return '';
  return uri.slice(s.paramsStart + 1, s.headersStart);
}

/** A URI parameter (case-insensitive name): its value, '' when it has none, null when absent. */
export function uriParam(uri: string, name: string): string | null {
  const s = uriSections(uri);
  if (s === null) return null;
  const lower = name.toLowerCase();
  for (const t of uriParamTokens(uri, s)) if (t.name.trim().toLowerCase() === lower) return t.value === null ? '' : t.value.trim();
  return null;
}

/** A loose router's URI carries `lr` (RFC 3261 section 19.1.1); without it the hop is a strict router. */
export function isStrict(uri: string): boolean {
  return uriParam(uri, 'lr') === null;
}

/** Our Route entries of a double Record-Route carry `r2`. */
export function isDoubleRr(uri: string): boolean {
  return uriParam(uri, 'r2') !== null;
}

/**
 * The URI to send to for a Route/RURI value: with a maddr parameter, the host is replaced
 * by it (RFC 3261 section 19.1.1), otherwise the URI itself.
 */
export function maddrUri(uri: string): string {
  const maddr = uriParam(uri, 'maddr');
  if (maddr === null || maddr === '') return uri;
  const s = uriSections(uri);
  if (s === null) return uri;
  const colon = uri.indexOf(':');
  const hostPort = uri.slice(s.hostStart, s.paramsStart);
  const portMatch = /:(\d+)$/.exec(hostPort.startsWith('[') ? hostPort.slice(hostPort.indexOf(']')) : hostPort);
  return `${uri.slice(0, colon)}:${maddr}${portMatch === null ? '' : `:${portMatch[1]}`}`;
}

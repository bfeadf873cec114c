/**
 * Content-Type (RFC 3261 §20.15, media-type §25.1): `type "/" subtype
 * *(SEMI m-parameter)`; LWS allowed around "/" ("SLASH"). Type and subtype
 * compare case-insensitively, so `mediaType` is their lower-cased join.
 */
import { ParseError } from '../errors';
import { Param, parseHeaderParams } from '../params';
import { eqLower, scanToken, skipLws } from '../scan';

export interface ContentType {
  type: string;
  subtype: string;
  params: Param[];
  /** "type/subtype" lower-cased, e.g. "application/sdp". */
  mediaType: string;
}

const H = 'Content-Type';

export function parseContentType(body: string): ContentType {
  const end = body.length;
  let i = skipLws(body, 0, end);
  let t = scanToken(body, i, end);
  if (t === i) throw new ParseError('expected media type', H, i);
  const type = body.slice(i, t);
  i = skipLws(body, t, end);
  if (i >= end || body.charCodeAt(i) !== 47) throw new ParseError('expected "/" after media type', H, i);
  i = skipLws(body, i + 1, end);
  t = scanToken(body, i, end);
  if (t === i) throw new ParseError('expected media subtype', H, i);
  const subtype = body.slice(i, t);
  const params: Param[] = [];
  const cursor = { pos: 0 };
  parseHeaderParams(body, t, end, H, params, cursor);
  if (cursor.pos !== end) throw new ParseError('unexpected character in Content-Type', H, cursor.pos);
  for (let k = 0; k < params.length; k++) {
    if (params[k].value === null) throw new ParseError(`media parameter "${params[k].name}" without a value`, H, t);
  }
  return { type, subtype, params, mediaType: mediaTypeOf(type, subtype) };
}

/** "type/subtype" lower-cased; the usual type without building and lower-casing a new string. */
export function mediaTypeOf(type: string, subtype: string): string {
  return eqLower(type, 'application') && eqLower(subtype, 'sdp') ? 'application/sdp' : (type + '/' + subtype).toLowerCase();
}

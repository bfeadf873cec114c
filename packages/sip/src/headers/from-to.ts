/** From / To (RFC 3261 §20.20, §20.39): one name-addr plus params, with the tag picked out. */
import { findNameAddrParam, NameAddr, parseNameAddr } from '../name-addr';
import { newParamHit, Param } from '../params';
import { eqLower } from '../scan';
import { ParseError } from '../errors';

export interface FromTo extends NameAddr {
  tag: string | null;
}

/**
 * Parses a From or To body. `header` only names the header in errors. A
 * `tag` parameter without a value is an error (tag = "tag" EQUAL token).
 */
export function parseFromTo(body: string, header = 'From'): FromTo {
  const na = parseNameAddr(body, header) as FromTo;
  let p: Param | undefined;
  for (let k = 0; k < na.params.length; k++) {
    if (eqLower(na.params[k].name, 'tag')) {
      p = na.params[k];
      break;
    }
  }
  if (p !== undefined && p.value === null) throw new ParseError('tag parameter without a value', header, body.length);
  na.tag = p === undefined ? null : p.value;
  return na;
}

const hit = newParamHit();

/**
 * Only the tag of a From or To value in text[start, end): the value is
 * validated exactly as parseFromTo() validates it (same errors, at offsets
 * into `text`), but nothing else is built. For a proxy that needs the tag
 * and not the address.
 */
export function fromToTag(text: string, start: number = 0, end: number = text.length, header = 'From'): string | null {
  findNameAddrParam(text, start, end, header, 'tag', hit);
  if (hit.found && hit.value === null) throw new ParseError('tag parameter without a value', header, end);
  return hit.value;
}

/**
 * `nameaddr.*` (OpenSIPS tr_eval_nameaddr). The value is a list of one or
 * more comma-separated name-addrs (as in a To or Contact header); an
 * optional body index, written `{nameaddr.1.uri}`, selects one (0 is the
 * first and the default, negative counts from the end; out of range gives
 * NULL). A value that does not parse gives NULL.
 */
import { parseNameAddrList } from '@tsips/sip';
import type { NameAddr } from '@tsips/sip';
import type { ScriptValue } from '../../values';
import { checkIntLiteral, intArg, strOf } from './common';
import type { TransformDef } from './types';

let lastText: string | null = null;
let lastList: NameAddr[] | null = null;

function listOf(v: ScriptValue): NameAddr[] | null {
  if (v === null) return null;
  const s = strOf(v);
  if (s.length === 0) return null;
  if (s !== lastText) {
    lastText = s;
    try {
      lastList = parseNameAddrList(s);
    } catch {
      lastList = null;
    }
  }
  return lastList;
}

/** Display name as written (quotes kept), like OpenSIPS's to_body display. */
export function rawDisplayName(na: NameAddr): string | null {
  if (na.displayName === null) return null;
  const raw = na.raw;
  if (raw.charCodeAt(0) === 34) {
    let i = 1;
    while (i < raw.length) {
      const c = raw.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 34) return raw.slice(0, i + 1);
      else i++;
    }
    return raw;
  }
  const lt = raw.indexOf('<');
  const d = (lt >= 0 ? raw.slice(0, lt) : '').trim();
  return d.length > 0 ? d : null;
}

/** Raw header-parameter text after the URI, without the leading ';'. */
export function rawParams(na: NameAddr): string | null {
  if (na.params.length === 0) return null;
  const raw = na.raw;
  let i: number;
  const gt = raw.lastIndexOf('>');
  if (gt >= 0 && raw.indexOf('<') >= 0) i = gt + 1;
  else i = raw.indexOf(na.uri) + na.uri.length;
  const semi = raw.indexOf(';', i);
  return semi < 0 ? null : raw.slice(semi + 1).trim();
}

function pick(list: NameAddr[], idx: number): NameAddr | undefined {
  const k = idx < 0 ? list.length + idx : idx;
  return k >= 0 ? list[k] : undefined;
}

const nonEmpty = (s: string | null | undefined): ScriptValue => (s === null || s === undefined || s.length === 0 ? null : s);

/** `args` holds [index] when the dotted index was written (length === maxArgs), then the rest. */
function member(name: string, extra: TransformDef['args'], get: (na: NameAddr, rest: ScriptValue[]) => ScriptValue): TransformDef {
  const maxArgs = 1 + extra.length;
  return {
    name,
    minArgs: extra.length,
    maxArgs,
    args: ['int', ...extra],
    checkArgs: (l) => (l.length === maxArgs ? checkIntLiteral(name, l[0], 'index') : undefined),
    apply(v, a) {
      const list = listOf(v);
      if (list === null) return null;
      let idx = 0;
      let rest = a;
      if (a.length === maxArgs) {
        const n = intArg(a[0]);
        if (n === undefined) return null;
        idx = n;
        rest = a.slice(1);
      }
      const na = pick(list, idx);
      return na === undefined ? null : get(na, rest);
    },
  };
}

export const nameaddrTransforms: TransformDef[] = [
  member('nameaddr.name', [], (na) => nonEmpty(rawDisplayName(na))),
  member('nameaddr.uri', [], (na) => nonEmpty(na.uri)),
  member('nameaddr.len', [], (na) => na.raw.length),
  member('nameaddr.params', [], (na) => nonEmpty(rawParams(na))),
  member('nameaddr.param', ['str-literal'], (na, rest) => {
    const key = typeof rest[0] === 'string' ? rest[0] : null;
    if (key === null) return null;
    // OpenSIPS matches this name case-sensitively
    for (const p of na.params) if (p.name === key) return nonEmpty(p.value);
    return null;
  }),
];

/**
 * `via.*` (OpenSIPS tr_eval_via): parts of the first via-parm in the value
 * (a Via header body). A value shorter than three characters or one that
 * does not parse gives NULL; an absent or empty part is NULL, except
 * via.param whose value for a flag parameter (`;rport`) is the empty string,
 * as in OpenSIPS.
 */
import { parseVia } from '@tsips/sip';
import type { Via } from '@tsips/sip';
import type { ScriptValue } from '../../values';
import { strArg, strOf } from './common';
import type { TransformDef } from './types';

let lastText: string | null = null;
let lastVia: Via | null = null;

function viaOf(v: ScriptValue): Via | null {
  if (v === null) return null;
  const s = strOf(v);
  if (s.length <= 2) return null;
  if (s !== lastText) {
    lastText = s;
    try {
      lastVia = parseVia(s)[0] ?? null;
    } catch {
      lastVia = null;
    }
  }
  return lastVia;
}

const nonEmpty = (s: string | null | undefined): ScriptValue => (s === null || s === undefined || s.length === 0 ? null : s);

/** Raw text after the sent-by host[:port]: params (without the leading ';') and a trailing (comment). */
function tail(via: Via): { params: string | null; comment: string | null } {
  const raw = via.raw;
  let i = raw.indexOf(via.host);
  if (i < 0) return { params: null, comment: null };
  i += via.host.length;
  let comment: string | null = null;
  let end = raw.length;
  const open = raw.indexOf('(', i);
  if (open >= 0 && raw.endsWith(')')) {
    comment = raw.slice(open + 1, -1);
    end = open;
  }
  const semi = raw.indexOf(';', i);
  const params = semi >= 0 && semi < end ? raw.slice(semi + 1, end).trim() : null;
  return { params, comment };
}

function member(name: string, get: (v: Via) => ScriptValue): TransformDef {
  return {
    name,
    minArgs: 0,
    maxArgs: 0,
    args: [],
    apply(v) {
      const via = viaOf(v);
      return via === null ? null : get(via);
    },
  };
}

export const viaTransforms: TransformDef[] = [
  member('via.name', (v) => nonEmpty(v.protocol.split('/')[0])),
  member('via.version', (v) => nonEmpty(v.protocol.split('/')[1])),
  member('via.transport', (v) => nonEmpty(v.transport)),
  member('via.host', (v) => nonEmpty(v.host)),
  member('via.port', (v) => v.port),
  member('via.params', (v) => nonEmpty(tail(v).params)),
  member('via.comment', (v) => nonEmpty(tail(v).comment)),
  member('via.branch', (v) => nonEmpty(v.branch)),
  member('via.received', (v) => nonEmpty(v.received)),
  member('via.rport', (v) => (typeof v.rport === 'number' ? String(v.rport) : null)),
  {
    name: 'via.param',
    minArgs: 1,
    maxArgs: 1,
    args: ['str'],
    apply(v, a) {
      const via = viaOf(v);
      if (via === null) return null;
      const key = strArg(a[0]);
      if (key === undefined || via.params.length === 0) return null;
      const lower = key.toLowerCase();
      for (const p of via.params) if (p.name.toLowerCase() === lower) return p.value ?? '';
      return null;
    },
  },
];

export const viaAliases: Record<string, string> = { 'via.domain': 'via.host' };

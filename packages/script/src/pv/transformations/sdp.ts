/**
 * `sdp.*` (OpenSIPS tr_eval_sdp), working on the SDP text itself: lines are
 * found after a line feed (the value is treated as if preceded by CRLF, as
 * OpenSIPS does) and a line's content ends at the next carriage return. A
 * stream is the text from its `m=` line up to the next `m=` line or the
 * end of the body.
 */
import type { ScriptValue } from '../../values';
import { strToIntStrict } from '../../values';
import { checkIntLiteral, intArg, strOf } from './common';
import type { TransformDef } from './types';

/** Start offsets of every `X=` line of the body. */
function lineStarts(body: string, kind: string): number[] {
  const out: number[] = [];
  const text = '\r\n' + body;
  const needle = '\n' + kind + '=';
  let i = text.indexOf(needle);
  while (i >= 0) {
    out.push(i + 1 - 2); // offset in body
    i = text.indexOf(needle, i + 1);
  }
  return out;
}

interface Stream {
  start: number;
  end: number;
  media: string;
}

function streamsOf(body: string): Stream[] {
  const starts = lineStarts(body, 'm');
  return starts.map((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1] : body.length;
    const sp = body.indexOf(' ', s + 2);
    const eol = body.indexOf('\r', s + 2);
    const mediaEnd = [sp, eol, end].filter((x) => x >= 0).reduce((a, b) => Math.min(a, b));
    return { start: s, end, media: body.slice(s + 2, mediaEnd) };
  });
}

/** Stream selector: an index (also from text holding an integer) or a media type. */
function selector(arg: ScriptValue | undefined): { index: number } | { media: string } | null {
  if (arg === null || arg === undefined) return null;
  if (typeof arg === 'number') return { index: arg };
  const n = strToIntStrict(arg);
  if (n !== undefined) return { index: n };
  return arg.length > 0 ? { media: arg.toLowerCase() } : null;
}

function nonEmpty(v: ScriptValue): string | null {
  if (v === null) return null;
  const s = strOf(v);
  return s.length > 0 ? s : null;
}

export const sdpTransforms: TransformDef[] = [
  {
    name: 'sdp.line',
    minArgs: 1,
    maxArgs: 2,
    args: ['str-literal', 'int'],
    checkArgs(l) {
      const e = checkIntLiteral('sdp.line', l[1], 'line index');
      if (e) return e;
      if (l[1] !== undefined && Number(l[1]) < 0) return 'sdp.line: the line index must not be negative';
      return undefined;
    },
    apply(v, a) {
      const body = nonEmpty(v);
      const kind = typeof a[0] === 'string' ? a[0][0] : undefined;
      if (body === null || kind === undefined) return null;
      const n = a.length > 1 ? intArg(a[1]) : 0;
      if (n === undefined || n < 0) return null;
      const starts = lineStarts(body, kind);
      if (n >= starts.length) return null;
      const s = starts[n];
      const cr = body.indexOf('\r', s);
      return cr < 0 ? null : body.slice(s, cr); // OpenSIPS: no CR after the line is a malformed body
    },
  },
  {
    name: 'sdp.stream',
    minArgs: 1,
    maxArgs: 1,
    args: ['str'],
    apply(v, a) {
      const body = nonEmpty(v);
      const sel = selector(a[0]);
      if (body === null || sel === null) return null;
      const streams = streamsOf(body);
      let st: Stream | undefined;
      if ('index' in sel) st = streams[sel.index < 0 ? streams.length + sel.index : sel.index];
      else st = streams.find((s) => s.media.toLowerCase() === sel.media);
      return st === undefined ? null : body.slice(st.start, st.end);
    },
  },
  {
    name: 'sdp.stream-delete',
    minArgs: 1,
    maxArgs: 1,
    args: ['str'],
    apply(v, a) {
      const body = nonEmpty(v);
      const sel = selector(a[0]);
      if (body === null || sel === null) return null;
      const streams = streamsOf(body);
      let drop: Stream[];
      if ('index' in sel) {
        const st = streams[sel.index < 0 ? streams.length + sel.index : sel.index];
        drop = st ? [st] : [];
      } else drop = streams.filter((s) => s.media.toLowerCase() === sel.media);
      if (drop.length === 0) return null;
      let out = '';
      let last = 0;
      for (const s of drop) {
        out += body.slice(last, s.start);
        last = s.end;
      }
      return out + body.slice(last);
    },
  },
];

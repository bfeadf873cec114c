/**
 * Line-level SDP (RFC 4566) view for the codec_* and stream_* functions: the body as
 * lines, grouped into the session part and one block per m= line, with the payload types
 * each media line offers. Edits rewrite only the lines they touch; everything else is kept
 * byte for byte.
 */

/** Static RTP payload types (RFC 3551 section 6) OpenSIPS knows without an rtpmap line. */
const STATIC_PAYLOADS: Readonly<Record<string, [string, string]>> = {
  '0': ['PCMU', '8000'], '3': ['GSM', '8000'], '4': ['G723', '8000'], '5': ['DVI4', '8000'],
  '6': ['DVI4', '16000'], '7': ['LPC', '8000'], '8': ['PCMA', '8000'], '9': ['G722', '8000'],
  '10': ['L16', '44100'], '11': ['L16', '44100'], '12': ['QCELP', '8000'], '13': ['CN', '8000'],
  '14': ['MPA', '90000'], '15': ['G728', '8000'], '16': ['DVI4', '11025'], '17': ['DVI4', '22050'],
  '18': ['G729', '8000'], '25': ['CelB', '8000'], '26': ['JPEG', '90000'], '28': ['nv', '90000'],
  '31': ['H261', '90000'], '32': ['MPV', '90000'], '33': ['MP2T', '90000'], '34': ['H263', '90000'],
  t38: ['t38', ''],
};

export interface Codec {
  payload: string;
  name: string;
  clock: string;
}

export interface MediaBlock {
  /** Index of the m= line in `lines`; the block runs to the next m= line. */
  start: number;
  end: number;
  media: string;
  transport: string;
  codecs: Codec[];
}

export class SdpLines {
  readonly lines: string[];
  readonly eol: string;
  readonly blocks: MediaBlock[] = [];
  private readonly trailingEol: boolean;

  constructor(body: string) {
    this.eol = body.includes('\r\n') ? '\r\n' : '\n';
    this.trailingEol = body.endsWith(this.eol);
    this.lines = (this.trailingEol ? body.slice(0, -this.eol.length) : body).split(this.eol);
    this.index();
  }

  private index(): void {
    this.blocks.length = 0;
    for (let i = 0; i < this.lines.length; i++) {
      if (!this.lines[i]!.startsWith('m=')) continue;
      const prev = this.blocks[this.blocks.length - 1];
      if (prev !== undefined) prev.end = i;
      const f = this.lines[i]!.slice(2).trim().split(/\s+/);
      this.blocks.push({ start: i, end: this.lines.length, media: f[0] ?? '', transport: f[2] ?? '', codecs: [] });
    }
    for (const b of this.blocks) {
      const fmts = this.lines[b.start]!.slice(2).trim().split(/\s+/).slice(3);
      const maps = new Map<string, [string, string]>();
      for (let i = b.start + 1; i < b.end; i++) {
        const m = /^a=rtpmap:(\S+)\s+([^/\s]+)\/(\d+)/i.exec(this.lines[i]!);
        if (m !== null) maps.set(m[1]!, [m[2]!, m[3]!]);
      }
      for (const pt of fmts) {
        const [name, clock] = maps.get(pt) ?? STATIC_PAYLOADS[pt.toLowerCase()] ?? ['', ''];
        b.codecs.push({ payload: pt, name, clock });
      }
    }
  }

  /** Rewrites the payload list of a media block (m=<media> <port> <proto> <fmt>...). */
  setPayloads(b: MediaBlock, payloads: readonly string[]): void {
    const f = this.lines[b.start]!.slice(2).trim().split(/\s+/);
    this.lines[b.start] = `m=${[...f.slice(0, 3), ...payloads].join(' ')}`;
  }

  /** Drops the a=rtpmap/a=fmtp/a=rtcp-fb lines of a payload type inside a media block. */
  dropPayloadLines(b: MediaBlock, payload: string): void {
    const re = new RegExp(`^a=(?:rtpmap|fmtp|rtcp-fb):${payload.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`, 'i');
    for (let i = b.end - 1; i > b.start; i--) {
      if (re.test(this.lines[i]!)) this.lines[i] = '\u0000';
    }
  }

  /** Marks a whole media block deleted. */
  dropBlock(b: MediaBlock): void {
    for (let i = b.start; i < b.end; i++) this.lines[i] = '\u0000';
  }

  text(): string {
    const kept = this.lines.filter((l) => l !== '\u0000');
    return kept.join(this.eol) + (this.trailingEol ? this.eol : '');
  }
}

export type CodecMatch = (c: Codec) => boolean;

export function byNameAndClock(name: string, clock: string | null): CodecMatch {
  const n = name.toLowerCase();
  const k = clock?.toLowerCase() ?? null;
  return (c) => c.name.toLowerCase() === n && (k === null || c.clock.toLowerCase() === k);
}

export function byRegex(re: RegExp, complement = false): CodecMatch {
  return (c) => {
    re.lastIndex = 0;
    return re.test(c.name) !== complement;
  };
}

export type CodecOp = 'find' | 'delete' | 'up' | 'down';

/** Applies a codec operation to every media block; true when any codec matched (find) or moved/went. */
export function codecOp(sdp: SdpLines, match: CodecMatch, op: CodecOp): boolean {
  let done = false;
  for (const b of sdp.blocks) {
    const hits = b.codecs.filter(match);
    if (hits.length === 0) continue;
    if (op === 'find') return true;
    const rest = b.codecs.filter((c) => !match(c));
    if (op === 'delete') {
      sdp.setPayloads(b, rest.map((c) => c.payload));
      for (const c of hits) sdp.dropPayloadLines(b, c.payload);
      done = true;
    } else {
      // Matching codecs keep their relative order at the front (up) or the back (down).
      const order = op === 'up' ? [...hits, ...rest] : [...rest, ...hits];
      sdp.setPayloads(b, order.map((c) => c.payload));
      done = true;
    }
  }
  return done;
}

/** Whether an audio stream is put on hold: a=sendonly / a=inactive, or a 0.0.0.0 connection. */
export function audioOnHold(sdp: SdpLines): boolean {
  const sessionEnd = sdp.blocks[0]?.start ?? sdp.lines.length;
  const sessionLines = sdp.lines.slice(0, sessionEnd);
  const holdAttr = (l: string) => /^a=(sendonly|inactive)\s*$/i.test(l);
  const nullConn = (l: string) => /^c=IN\s+IP4\s+0\.0\.0\.0\b/i.test(l);
  const sessionHold = sessionLines.some(holdAttr);
  const sessionNull = sessionLines.some(nullConn);
  for (const b of sdp.blocks) {
    if (b.media.toLowerCase() !== 'audio') continue;
    const lines = sdp.lines.slice(b.start + 1, b.end);
    const dir = lines.find((l) => /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/i.test(l));
    if (dir !== undefined ? holdAttr(dir) : sessionHold) return true;
    const conn = lines.find((l) => l.startsWith('c='));
    if (conn !== undefined ? nullConn(conn) : sessionNull) return true;
  }
  return false;
}

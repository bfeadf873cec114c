/**
 * Call-detail records as CSV: the input of `tsips fraud replay` and the output of
 * `tsips fraud simulate`. Columns are found by name in the header row (any order):
 * start_time, caller, callee, duration_s, source_ip, and optionally answered (0/1; default
 * duration_s > 0), label (fraud/legit), episode. Fields may be quoted ("..." with "").
 * The reader is a hand-written line parser (no Date parsing per row) so that millions of
 * rows per minute are cheap; a bad row fails with `file:line: what is wrong`.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface CdrRecord {
  /** 1-based data row (the header is not counted), named in alerts and errors. */
  row: number;
  /** Call start, ms since the epoch. */
  startMs: number;
  caller: string;
  callee: string;
  /** Talk time of an answered call; ring time (or 0) of an unanswered one. */
  durationS: number;
  sourceIp: string;
  answered: boolean;
  /** Never read by the detectors: only the evaluation uses labels and episodes. */
  label?: 'fraud' | 'legit';
  /** Id of the fraud episode the row belongs to (fraud rows only). */
  episode?: string;
}

export const CDR_COLUMNS = ['start_time', 'caller', 'callee', 'duration_s', 'source_ip', 'answered', 'label', 'episode'] as const;
const REQUIRED = ['start_time', 'caller', 'callee', 'duration_s', 'source_ip'] as const;

/** Splits one CSV line into fields; `"..."` quoting with `""` escapes. */
export function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ',') throw new Error('text after a quoted field');
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(comma < 0 ? line.slice(i) : line.slice(i, comma));
      if (comma < 0) break;
      i = comma;
    }
    if (i >= line.length) break;
    i++; // past the comma
    if (i === line.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO 8601 date-time `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (a space for T is accepted) to
 * ms since the epoch; NaN when malformed. Without a zone the time is UTC.
 */
export function parseIsoTime(s: string): number {
  if (s.length < 19 || s[4] !== '-' || s[7] !== '-' || (s[10] !== 'T' && s[10] !== ' ') || s[13] !== ':' || s[16] !== ':') return NaN;
  const year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]! || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return NaN;
  let i = 19;
  let ms = 0;
  if (s[i] === '.') {
    let scale = 100;
    i++;
    const start = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      ms += (s.charCodeAt(i) - 48) * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return NaN;
    ms = Math.floor(ms);
  }
  let offsetMin = 0;
  if (i < s.length) {
    const sign = s[i];
    if (sign === 'Z' && i === s.length - 1) offsetMin = 0;
    else if ((sign === '+' || sign === '-') && s.length === i + 6 && s[i + 3] === ':') {
      const oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      offsetMin = (sign === '+' ? 1 : -1) * (oh * 60 + om);
    } else return NaN;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60000;
}

/** Column positions of a CDR file, from its header row. */
export class CdrParser {
  private readonly index: Record<(typeof CDR_COLUMNS)[number], number>;
  private row = 0;

  constructor(private readonly file: string, header: string) {
    const names = splitCsvLine(header.replace(/^\uFEFF/, '')).map((n) => n.trim().toLowerCase());
    const index = {} as Record<(typeof CDR_COLUMNS)[number], number>;
    for (const column of CDR_COLUMNS) index[column] = names.indexOf(column);
    const missing = REQUIRED.filter((c) => index[c] < 0);
    if (missing.length > 0) throw new Error(`${file}:1: header lacks column(s) ${missing.join(', ')}`);
    this.index = index;
  }

  /** Parses one data line (`line` is its 1-based line number in the file, for errors). */
  parse(text: string, line: number): CdrRecord {
    const fail = (what: string): never => {
      throw new Error(`${this.file}:${line}: ${what}`);
    };
    let f: string[];
    try {
      f = splitCsvLine(text);
    } catch (e) {
      return fail((e as Error).message);
    }
    const ix = this.index;
    const field = (name: (typeof CDR_COLUMNS)[number]): string | undefined => (ix[name] < 0 ? undefined : f[ix[name]]);
    for (const c of REQUIRED) if (f[ix[c]] === undefined) fail(`missing column ${c} (row has ${f.length} fields)`);
    const time = f[ix.start_time]!;
    const startMs = parseIsoTime(time);
    if (Number.isNaN(startMs)) fail(`bad start_time ${JSON.stringify(time)} (ISO 8601 expected, e.g. 2026-11-02T09:13:05Z)`);
    const duration = f[ix.duration_s]!;
    const durationS = duration === '' ? NaN : Number(duration);
    if (!Number.isFinite(durationS) || durationS < 0) fail(`bad duration_s ${JSON.stringify(duration)} (seconds >= 0 expected)`);
    const caller = f[ix.caller]!;
    const callee = f[ix.callee]!;
    if (caller === '') fail('empty caller');
    if (callee === '') fail('empty callee');
    const record: CdrRecord = { row: ++this.row, startMs, caller, callee, durationS, sourceIp: f[ix.source_ip]!, answered: durationS > 0 };
    const answered = field('answered');
    if (answered !== undefined && answered !== '') {
      if (answered !== '0' && answered !== '1') fail(`bad answered ${JSON.stringify(answered)} (0 or 1 expected)`);
      record.answered = answered === '1';
    }
    const label = field('label');
    if (label !== undefined && label !== '') {
      if (label !== 'fraud' && label !== 'legit') fail(`bad label ${JSON.stringify(label)} (fraud or legit expected)`);
      record.label = label === 'fraud' ? 'fraud' : 'legit';
    }
    const episode = field('episode');
    if (episode !== undefined && episode !== '') record.episode = episode;
    return record;
  }
}

/** Parses a whole CDR text (small files, tests). */
export function parseCdr(text: string, file = '<cdr>'): CdrRecord[] {
  const lines = text.split(/\r?\n/);
  if (lines.length === 0 || lines[0]!.trim() === '') throw new Error(`${file}:1: empty file (a header row is expected)`);
  const parser = new CdrParser(file, lines[0]!);
  const records: CdrRecord[] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i] !== '') records.push(parser.parse(lines[i]!, i + 1));
  return records;
}

/**
 * Streams the records of a CDR file (a path, or a readable stream named `file` in errors).
 * Lines are cut from the raw chunks, so no readline overhead per row.
 */
export async function* readCdr(source: string | Readable, file = typeof source === 'string' ? source : '<stream>'): AsyncGenerator<CdrRecord> {
  const stream = typeof source === 'string' ? fs.createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 20 }) : source;
  let parser: CdrParser | undefined;
  let lineNo = 0;
  let rest = '';
  // A byte stream may cut a UTF-8 character between chunks: the decoder keeps the pieces.
  const decoder = new StringDecoder('utf8');
  const take = (line: string): CdrRecord | undefined => {
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (parser === undefined) {
      if (line.trim() === '') throw new Error(`${file}:1: empty file (a header row is expected)`);
      parser = new CdrParser(file, line);
      return undefined;
    }
    return line === '' ? undefined : parser.parse(line, lineNo);
  };
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const record = take(text.slice(start, nl));
      if (record) yield record;
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') {
    const record = take(rest);
    if (record) yield record;
  }
  if (parser === undefined) throw new Error(`${file}:1: empty file (a header row is expected)`);
}

/** The header row `formatCdrRow` writes under. */
export function formatCdrHeader(): string {
  return `${CDR_COLUMNS.join(',')}\n`;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** ISO 8601 UTC, without milliseconds when there are none. */
export function formatIsoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** One CSV data row (with its newline) in the column order of `formatCdrHeader`. */
export function formatCdrRow(r: CdrRecord): string {
  return `${formatIsoTime(r.startMs)},${quote(r.caller)},${quote(r.callee)},${r.durationS},${quote(r.sourceIp)},${r.answered ? 1 : 0},${r.label ?? ''},${quote(r.episode ?? '')}\n`;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { formatCdrHeader, formatCdrRow, parseCdr, parseIsoTime, readCdr, splitCsvLine, type CdrRecord } from './cdr';

async function collect(source: Readable | string): Promise<CdrRecord[]> {
  const out: CdrRecord[] = [];
  for await (const r of readCdr(source, 'calls.csv')) out.push(r);
  return out;
}

describe('parseIsoTime', () => {
  it('agrees with Date for Z, offsets, fractions and a space separator', () => {
    for (const s of ['2026-11-02T09:13:05Z', '2026-11-02T09:13:05+01:00', '2026-11-02T09:13:05-05:30', '2024-02-29T23:59:59.250Z', '2026-01-01T00:00:00.5Z']) {
      expect(parseIsoTime(s)).toBe(new Date(s).getTime());
    }
    expect(parseIsoTime('2026-11-02 09:13:05')).toBe(Date.UTC(2026, 10, 2, 9, 13, 5));
  });

  it('rejects malformed and impossible times', () => {
    for (const s of ['2026-11-02', '2026-13-02T09:13:05Z', '2026-02-30T09:13:05Z', '2025-02-29T00:00:00Z', '2026-11-02T24:00:00Z', '2026-11-02T09:13:05+0100', '2026-11-02T09:13:05Zx', 'x026-11-02T09:13:05Z', '2026-11-02T09:13:05.Z']) {
      expect(parseIsoTime(s)).toBeNaN();
    }
  });
});

describe('splitCsvLine', () => {
  it('splits plain and quoted fields, with "" escapes and empty fields', () => {
    expect(splitCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsvLine('"a,1","say ""hi""",x,')).toEqual(['a,1', 'say "hi"', 'x', '']);
    expect(splitCsvLine('x,""')).toEqual(['x', '']);
    expect(() => splitCsvLine('"open,b')).toThrow(/unterminated/);
  });
});

describe('CDR reader', () => {
  const HEADER = 'caller,start_time,callee,source_ip,duration_s';

  it('finds columns by name in any order and defaults answered to duration > 0', async () => {
    const text = `${HEADER}\nu1,2026-11-02T09:13:05Z,+447911123456,10.0.0.1,42\nu2,2026-11-02T10:00:00+01:00,+441632960001,10.0.0.2,0\n`;
    const rows = await collect(Readable.from([text]));
    expect(rows).toEqual([
      { row: 1, startMs: Date.UTC(2026, 10, 2, 9, 13, 5), caller: 'u1', callee: '+447911123456', durationS: 42, sourceIp: '10.0.0.1', answered: true },
      { row: 2, startMs: Date.UTC(2026, 10, 2, 9, 0, 0), caller: 'u2', callee: '+441632960001', durationS: 0, sourceIp: '10.0.0.2', answered: false },
    ]);
    expect(parseCdr(text)).toEqual(rows);
  });

  it('reads lines split across chunks, CRLF endings and a last line without newline', async () => {
    const text = `${HEADER},answered,label,episode\r\nu1,2026-11-02T09:13:05Z,+447911123456,10.0.0.1,0,1,fraud,e7\r\nu2,2026-11-02T09:14:05Z,+447911123457,10.0.0.1,3,0,legit,`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    const rows = await collect(Readable.from(chunks));
    expect(rows.map((r) => [r.caller, r.answered, r.label, r.episode])).toEqual([
      ['u1', true, 'fraud', 'e7'],
      ['u2', false, 'legit', undefined],
    ]);
  });

  it('keeps UTF-8 characters whole when a byte stream cuts them between chunks', async () => {
    const bytes = Buffer.from(`${HEADER}\nJosé,2026-11-02T09:13:05Z,+447911123456,10.0.0.1,5`, 'utf8');
    const cut = bytes.indexOf(0xa9); // second byte of é
    const rows = await collect(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]));
    expect(rows.map((r) => r.caller)).toEqual(['José']);
  });

  it.each([
    ['u1,2026-11-02T09:13:05Z,+447911123456,10.0.0.1', /calls\.csv:3: missing column duration_s/],
    ['u1,yesterday,+447911123456,10.0.0.1,4', /calls\.csv:3: bad start_time "yesterday"/],
    ['u1,2026-11-02T09:13:05Z,+447911123456,10.0.0.1,abc', /calls\.csv:3: bad duration_s "abc"/],
    ['u1,2026-11-02T09:13:05Z,+447911123456,10.0.0.1,-1', /calls\.csv:3: bad duration_s/],
    ['u1,2026-11-02T09:13:05Z,,10.0.0.1,4', /calls\.csv:3: empty callee/],
  ])('names file and line of a bad row: %s', async (bad, message) => {
    const text = `${HEADER}\nu0,2026-11-02T09:00:00Z,+447911123456,10.0.0.1,1\n${bad}\n`;
    await expect(collect(Readable.from([text]))).rejects.toThrow(message);
  });

  it('rejects a header without the required columns, and bad optional values', async () => {
    await expect(collect(Readable.from(['caller,callee,duration_s\n']))).rejects.toThrow('calls.csv:1: header lacks column(s) start_time, source_ip');
    await expect(collect(Readable.from([`${HEADER},answered\nu1,2026-11-02T09:13:05Z,+44,ip,1,yes\n`]))).rejects.toThrow('calls.csv:2: bad answered "yes"');
    await expect(collect(Readable.from([`${HEADER},label\nu1,2026-11-02T09:13:05Z,+44,ip,1,bad\n`]))).rejects.toThrow('calls.csv:2: bad label "bad"');
    await expect(collect(Readable.from(['']))).rejects.toThrow('calls.csv:1: empty file');
  });

  it('round-trips what formatCdrRow writes, quoting what needs it, through a file', async () => {
    const records: CdrRecord[] = [
      { row: 1, startMs: Date.UTC(2026, 8, 7, 1, 2, 3), caller: 'u0001', callee: '+5372345678', durationS: 1200, sourceIp: '203.0.113.9', answered: true, label: 'fraud', episode: 'e01-irsf' },
      { row: 2, startMs: Date.UTC(2026, 8, 7, 1, 2, 3, 450), caller: 'odd,"name"', callee: '+447911123456', durationS: 0, sourceIp: '10.1.2.3', answered: false, label: 'legit' },
    ];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-')), 'x.csv');
    fs.writeFileSync(file, formatCdrHeader() + records.map(formatCdrRow).join(''));
    expect(await collect(file)).toEqual(records);
  });
});

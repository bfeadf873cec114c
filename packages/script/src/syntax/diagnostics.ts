/**
 * Diagnostics shared by every stage of script loading (lexer, parser, loader,
 * checker, compiler). A diagnostic points at a span of a source file; the
 * formatter prints `file:line:col: severity: message`, the source line and a
 * caret underline, then the expectation and the suggestion when known.
 */

export type Severity = 'error' | 'warning' | 'notice';

/** A span in a source file. `line` and `column` are 1-based; offsets are 0-based, endOffset exclusive. */
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
  offset: number;
  endOffset: number;
}

export interface Diagnostic {
  severity: Severity;
  message: string;
  loc: SourceLoc;
  /** What would have been valid here, in words ("a ';' or an operator"). */
  expected?: string;
  /** A near name the user probably meant ("sl_send_reply"). */
  suggestion?: string;
}

/** The text of every loaded file, so diagnostics can show the offending line. */
export class SourceFiles {
  private readonly texts = new Map<string, string>();
  private readonly lineStarts = new Map<string, number[]>();

  add(file: string, text: string): void {
    this.texts.set(file, text);
    this.lineStarts.delete(file);
  }

  has(file: string): boolean {
    return this.texts.has(file);
  }

  text(file: string): string | undefined {
    return this.texts.get(file);
  }

  files(): string[] {
    return [...this.texts.keys()];
  }

  /** The text of a 1-based line without its line terminator; '' if unknown. */
  lineText(file: string, line: number): string {
    const text = this.texts.get(file);
    if (text === undefined) return '';
    const starts = this.starts(file, text);
    if (line < 1 || line > starts.length) return '';
    const start = starts[line - 1]!;
    let end = line < starts.length ? starts[line]! - 1 : text.length;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // CRLF
    return text.slice(start, end);
  }

  /** Converts a 0-based offset into a location (1-based line and column). */
  locate(file: string, offset: number, endOffset: number = offset + 1): SourceLoc {
    const text = this.texts.get(file) ?? '';
    const starts = this.starts(file, text);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, column: offset - starts[lo]! + 1, offset, endOffset };
  }

  private starts(file: string, text: string): number[] {
    let starts = this.lineStarts.get(file);
    if (starts === undefined) {
      starts = [0];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts.set(file, starts);
    }
    return starts;
  }
}

/**
 * Formats one diagnostic:
 *   opensips.cfg:12:5: error: unknown function 'sl_send_replyy'
 *     sl_send_replyy(404, "x");
 *     ^~~~~~~~~~~~~~
 *     expected ...
 *     did you mean 'sl_send_reply'?
 */
export function formatDiagnostic(d: Diagnostic, files: SourceFiles): string {
  const { loc } = d;
  const out: string[] = [`${loc.file}:${loc.line}:${loc.column}: ${d.severity}: ${d.message}`];
  const line = files.lineText(loc.file, loc.line);
  if (line !== '' || files.has(loc.file)) {
    // Tabs are kept in the echoed line and mirrored in the caret line so the caret stays aligned.
    const col = Math.max(1, loc.column);
    const lead = line.slice(0, col - 1).replace(/[^\t]/g, ' ');
    const spanOnLine = Math.max(1, Math.min(loc.endOffset - loc.offset, line.length - (col - 1)));
    out.push(`  ${line}`);
    out.push(`  ${lead}^${'~'.repeat(Math.max(0, spanOnLine - 1))}`);
  }
  if (d.expected !== undefined) out.push(`  expected ${d.expected}`);
  if (d.suggestion !== undefined) out.push(`  did you mean '${d.suggestion}'?`);
  return out.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[], files: SourceFiles): string {
  return ds.map((d) => formatDiagnostic(d, files)).join('\n');
}

/** Thrown by the loader (and later stages) when a script has at least one error. */
export class ScriptLoadError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly files: SourceFiles;

  constructor(diagnostics: Diagnostic[], files: SourceFiles) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    super(
      `script has ${errors} error${errors === 1 ? '' : 's'}\n${formatDiagnostics(diagnostics, files)}`,
    );
    this.name = 'ScriptLoadError';
    this.diagnostics = diagnostics;
    this.files = files;
  }
}

/** Levenshtein distance, bounded: returns max+1 as soon as the distance surely exceeds max. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `name`, if it is near enough to be a plausible typo:
 * at most 1 edit for short names, up to a third of the length for longer ones.
 * A case-only difference always qualifies. Ties go to the longer shared prefix, then to
 * the first candidate seen.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDist = limit + 1;
  let bestPrefix = -1;
  for (const c of candidates) {
    if (c === name) continue;
    const cl = c.toLowerCase();
    if (cl === lower) return c;
    const d = editDistance(lower, cl, Math.min(bestDist, limit));
    if (d > limit || d > bestDist) continue;
    // On a tie, the name sharing the longer prefix wins (t_rely -> t_relay, not t_reply).
    const prefix = commonPrefix(lower, cl);
    if (d < bestDist || prefix > bestPrefix) {
      bestDist = d;
      best = c;
      bestPrefix = prefix;
    }
  }
  return best;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

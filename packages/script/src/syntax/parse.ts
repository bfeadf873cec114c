/**
 * Tokens -> AST + diagnostics, using the shared parser. Also runs the checks
 * that belong to syntax but not to the grammar proper (`break` placement).
 */
import type * as A from './ast';
import type { Diagnostic, SourceLoc } from './diagnostics';
import { tokenize, type ScriptToken } from './lexer';
import { quickParser, type ScriptParser, sharedParser } from './parser';
import { recognitionDiagnostic } from './parse-errors';

/** More errors than this from one parse are noise from a single root cause. */
const MAX_SYNTAX_ERRORS = 50;

export interface ParseResult {
  items: A.TopLevelItem[];
  diagnostics: Diagnostic[];
}

function run(parser: ScriptParser, tokens: ScriptToken[]): A.TopLevelItem[] {
  parser.notes = [];
  parser.input = tokens;
  return parser.script() ?? [];
}

export function parseTokens(tokens: ScriptToken[], file: string): ParseResult {
  // A clean text is parsed once, without recovery; a broken one again, with it.
  let parser = quickParser();
  let items = run(parser, tokens);
  if (parser.errors.length > 0) {
    parser = sharedParser();
    items = run(parser, tokens);
  }
  const diagnostics: Diagnostic[] = [];
  // Cascades: recovery often trips again on the rest of a broken line, and
  // "unexpected ... at top level" after an earlier error is the parser having
  // lost its place. Keep one error per line and drop those.
  const linesWithError = new Set<string>();
  let firstError: Diagnostic | undefined;
  for (const e of parser.errors) {
    if (e.name === 'NotAllInputParsedException' && firstError !== undefined) continue;
    const d = recognitionDiagnostic(e, file);
    const key = `${d.loc.file}:${d.loc.line}`;
    if (linesWithError.has(key)) continue;
    linesWithError.add(key);
    firstError ??= d;
    diagnostics.push(d);
    if (diagnostics.length >= MAX_SYNTAX_ERRORS) break;
  }
  for (const n of parser.notes) {
    // Tokens inserted by recovery have no position or file: notes about them are noise.
    if (!n.loc.file || !Number.isFinite(n.loc.offset) || !Number.isFinite(n.loc.line)) continue;
    // A line that already has a syntax error needs no second opinion.
    if (linesWithError.has(`${n.loc.file}:${n.loc.line}`)) continue;
    // A warning after a syntax error (a stray ';') is usually the same mistake seen again.
    if (n.severity === 'warning' && firstError !== undefined && (n.loc.file !== firstError.loc.file || n.loc.offset > firstError.loc.offset)) continue;
    diagnostics.push({ severity: n.severity, message: n.message, loc: n.loc, ...(n.expected !== undefined ? { expected: n.expected } : {}) });
  }
  // Only check a tree that parsed cleanly: recovery leaves holes.
  if (parser.errors.length === 0) {
    for (const item of items) if (item.kind === 'Route') checkBreaks(item.body, 0, diagnostics);
    return { items, diagnostics };
  }
  // After recovery some nodes miss children; later stages must never see those,
  // so only the complete items survive (their problems are already reported).
  return { items: items.filter(isComplete), diagnostics };
}

/** Parses one text with no include handling (include directives are reported). */
export function parseText(file: string, text: string): ParseResult & { tokens: ScriptToken[] } {
  const lexed = tokenize(file, text);
  const parsed = parseTokens(lexed.tokens, file);
  return { items: parsed.items, diagnostics: sortDiagnostics([...lexed.diagnostics, ...parsed.diagnostics]), tokens: lexed.tokens };
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => (a.loc.file === b.loc.file ? a.loc.offset - b.loc.offset : 0));
}

/**
 * True when no property or array element anywhere in the node is undefined.
 * The AST writes "absent" as null, so undefined only ever means a hole left
 * by error recovery.
 */
export function isComplete(node: unknown): boolean {
  if (node === undefined) return false;
  if (node === null || typeof node !== 'object') return true;
  if (Array.isArray(node)) return node.every(isComplete);
  for (const v of Object.values(node as Record<string, unknown>)) if (!isComplete(v)) return false;
  return true;
}

/** OpenSIPS accepts `break` only inside switch cases and loop bodies. */
function checkBreaks(body: A.Stmt[], depth: number, out: Diagnostic[]): void {
  for (const s of body) checkBreak(s, depth, out);
}

function checkBreak(s: A.Stmt, depth: number, out: Diagnostic[]): void {
  switch (s.kind) {
    case 'Break':
      if (depth === 0) out.push(breakOutside(s.loc));
      return;
    case 'Block':
      checkBreaks(s.body, depth, out);
      return;
    case 'If':
      checkBreak(s.then, depth, out);
      if (s.else) checkBreak(s.else, depth, out);
      return;
    case 'While':
    case 'ForEach':
      checkBreak(s.body, depth + 1, out);
      return;
    case 'Switch':
      for (const c of s.cases) checkBreaks(c.body, depth + 1, out);
      return;
    default:
      return;
  }
}

function breakOutside(loc: SourceLoc): Diagnostic {
  return {
    severity: 'error',
    message: "'break' outside of a switch or loop",
    loc: { ...loc, endOffset: loc.offset + 5 },
    expected: "'break' only inside switch cases, while and for loops (use 'exit' or 'return' to leave a route)",
  };
}

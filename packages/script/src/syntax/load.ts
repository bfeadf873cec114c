/**
 * Loading a script from files: include_file / import_file are spliced in at
 * token level (so, as in OpenSIPS, they may appear anywhere, even inside a
 * route), every token keeps its own file so diagnostics name the included
 * file and line. import_file includes a file once; include cycles and a depth
 * over 50 are errors.
 *
 * Relative paths are resolved against the directory of the including file
 * first, then against the working directory (where OpenSIPS looks first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as A from './ast';
import { ScriptLoadError, SourceFiles, type Diagnostic, type SourceLoc } from './diagnostics';
import { tokenize, tokenLoc, type ScriptToken } from './lexer';
import { parseTokens, sortDiagnostics } from './parse';
import { checkCoreParams } from './core-params';
import { stringValue } from './parser';
import * as T from './tokens';

export interface LoadOptions {
  /** Reads a file (default: fs.readFileSync as UTF-8). Throwing means "cannot read". */
  readFile?: (absPath: string) => string;
  /** Whether a path exists (default: fs.existsSync); used to pick the include directory. */
  exists?: (absPath: string) => boolean;
  /** Working directory for the fallback lookup of relative includes (default: process.cwd()). */
  cwd?: string;
  /** Maximum include nesting (default 50, as OpenSIPS). */
  maxIncludeDepth?: number;
}

export interface LoadResult {
  script: A.Script;
  /** Every problem found, errors and warnings, in file order. */
  diagnostics: Diagnostic[];
  files: SourceFiles;
  /** Milliseconds spent lexing + parsing (for the load budget). */
  parseMs: number;
}

const defaultRead = (p: string): string => fs.readFileSync(p, 'utf8');

interface Ctx {
  opts: Required<Omit<LoadOptions, 'readFile' | 'exists'>> & { readFile: (p: string) => string; exists: (p: string) => boolean };
  files: SourceFiles;
  diagnostics: Diagnostic[];
  includes: A.IncludeRecord[];
  loaded: Set<string>;
  stack: string[];
}

/** Loads a script file and everything it includes. Never throws for script errors: see `diagnostics`. */
export function loadScript(file: string, options: LoadOptions = {}): LoadResult {
  const started = performance.now();
  const ctx = makeCtx(options);
  const abs = path.resolve(ctx.opts.cwd, file);
  let text: string;
  try {
    text = ctx.opts.readFile(abs);
  } catch (err) {
    const loc: SourceLoc = { file, line: 1, column: 1, offset: 0, endOffset: 0 };
    ctx.diagnostics.push({ severity: 'error', message: `cannot read script: ${errText(err)}`, loc });
    return { script: emptyScript(file, loc), diagnostics: ctx.diagnostics, files: ctx.files, parseMs: performance.now() - started };
  }
  return finish(ctx, file, abs, text, started);
}

/** Parses script text held in memory; includes resolve relative to `file`'s directory. */
export function parseScript(text: string, file = 'script.cfg', options: LoadOptions = {}): LoadResult {
  const started = performance.now();
  const ctx = makeCtx(options);
  return finish(ctx, file, path.resolve(ctx.opts.cwd, file), text, started);
}

/** loadScript that throws ScriptLoadError when any diagnostic is an error. */
export function loadScriptOrThrow(file: string, options: LoadOptions = {}): LoadResult {
  const r = loadScript(file, options);
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new ScriptLoadError(r.diagnostics, r.files);
  return r;
}

/** parseScript that throws ScriptLoadError when any diagnostic is an error. */
export function parseScriptOrThrow(text: string, file = 'script.cfg', options: LoadOptions = {}): LoadResult {
  const r = parseScript(text, file, options);
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new ScriptLoadError(r.diagnostics, r.files);
  return r;
}

function makeCtx(options: LoadOptions): Ctx {
  return {
    opts: {
      readFile: options.readFile ?? defaultRead,
      exists: options.exists ?? (options.readFile ? () => true : fs.existsSync),
      cwd: options.cwd ?? process.cwd(),
      maxIncludeDepth: options.maxIncludeDepth ?? 50,
    },
    files: new SourceFiles(),
    diagnostics: [],
    includes: [],
    loaded: new Set(),
    stack: [],
  };
}

function finish(ctx: Ctx, file: string, abs: string, text: string, started: number): LoadResult {
  const tokens: ScriptToken[] = [];
  expandFile(ctx, file, abs, text, tokens);
  const parsed = parseTokens(tokens, file);
  ctx.diagnostics.push(...pruneCascades(ctx.diagnostics, parsed.diagnostics));
  ctx.diagnostics.push(...checkCoreParams(parsed.items));
  const end = text.length;
  const loc: SourceLoc = { ...ctx.files.locate(file, 0, end), endOffset: end };
  const script: A.Script = { kind: 'Script', file, items: parsed.items, includes: ctx.includes, loc };
  return { script, diagnostics: sortByFileOrder(ctx), files: ctx.files, parseMs: performance.now() - started };
}

/** Lexes `text` and appends its tokens to `out`, replacing include directives with the included tokens. */
function expandFile(ctx: Ctx, display: string, abs: string, text: string, out: ScriptToken[]): void {
  ctx.files.add(display, text);
  ctx.loaded.add(abs);
  ctx.stack.push(abs);
  const lexed = tokenize(display, text);
  ctx.diagnostics.push(...lexed.diagnostics);
  const toks = lexed.tokens;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.tokenType !== T.Include) {
      out.push(t);
      continue;
    }
    const directive = t.image as A.IncludeRecord['directive'];
    const pathTok = toks[i + 1];
    if (pathTok === undefined || pathTok.tokenType !== T.StringLiteral) {
      ctx.diagnostics.push({
        severity: 'error',
        message: `${directive} needs a file name`,
        loc: pathTok ? tokenLoc(pathTok) : tokenLoc(t),
        expected: `a quoted path, e.g. ${directive} "routes/auth.cfg"`,
      });
      continue;
    }
    i++;
    const written = stringValue(pathTok).value;
    const loc: SourceLoc = { ...tokenLoc(t), endOffset: pathTok.endOffset! + 1 };
    const target = resolveInclude(ctx, written, path.dirname(abs));
    const record: A.IncludeRecord = { directive, path: written, resolved: target, loc, skipped: false };
    ctx.includes.push(record);
    if (ctx.stack.includes(target)) {
      const chain = [...ctx.stack.slice(ctx.stack.indexOf(target)), target].map((p) => path.basename(p)).join(' -> ');
      ctx.diagnostics.push({ severity: 'error', message: `include cycle: ${chain}`, loc, expected: 'files that do not include themselves, directly or indirectly' });
      continue;
    }
    if (directive === 'import_file' && ctx.loaded.has(target)) {
      record.skipped = true;
      continue;
    }
    if (ctx.stack.length >= ctx.opts.maxIncludeDepth) {
      ctx.diagnostics.push({ severity: 'error', message: `includes nested deeper than ${ctx.opts.maxIncludeDepth} files`, loc });
      continue;
    }
    let included: string;
    try {
      included = ctx.opts.readFile(target);
    } catch (err) {
      ctx.diagnostics.push({ severity: 'error', message: `cannot read included file '${written}': ${errText(err)}`, loc, expected: `a readable file at ${target}` });
      continue;
    }
    expandFile(ctx, displayName(ctx, target), target, included, out);
  }
  ctx.stack.pop();
}

/**
 * Parser errors caused by lexical errors are noise: after an unterminated
 * string or comment the rest of that file is gone, and a line with a bad
 * character already has its error.
 */
function pruneCascades(lexical: Diagnostic[], syntax: Diagnostic[]): Diagnostic[] {
  if (lexical.length === 0) return syntax;
  const swallowedFrom = new Map<string, number>();
  const lines = new Set<string>();
  for (const d of lexical) {
    lines.add(`${d.loc.file}:${d.loc.line}`);
    if (d.message.startsWith('unterminated string') || d.message.startsWith('unterminated comment')) {
      const prev = swallowedFrom.get(d.loc.file);
      if (prev === undefined || d.loc.offset < prev) swallowedFrom.set(d.loc.file, d.loc.offset);
    }
  }
  return syntax.filter((d) => {
    if (lines.has(`${d.loc.file}:${d.loc.line}`)) return false;
    const from = swallowedFrom.get(d.loc.file);
    return from === undefined || d.loc.offset < from;
  });
}

function resolveInclude(ctx: Ctx, written: string, fromDir: string): string {
  if (path.isAbsolute(written)) return path.normalize(written);
  const beside = path.resolve(fromDir, written);
  if (ctx.opts.exists(beside)) return beside;
  const inCwd = path.resolve(ctx.opts.cwd, written);
  return ctx.opts.exists(inCwd) ? inCwd : beside;
}

/** Included files are named relative to the working directory when inside it, else absolute. */
function displayName(ctx: Ctx, abs: string): string {
  const rel = path.relative(ctx.opts.cwd, abs);
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
}

function sortByFileOrder(ctx: Ctx): Diagnostic[] {
  const order = new Map(ctx.files.files().map((f, i) => [f, i]));
  return sortDiagnostics(ctx.diagnostics).sort(
    (a, b) => (order.get(a.loc.file) ?? 0) - (order.get(b.loc.file) ?? 0) || a.loc.offset - b.loc.offset,
  );
}

function emptyScript(file: string, loc: SourceLoc): A.Script {
  return { kind: 'Script', file, items: [], includes: [], loc };
}

function errText(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    const code = (err as { code: string }).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
  }
  return err instanceof Error ? err.message : String(err);
}

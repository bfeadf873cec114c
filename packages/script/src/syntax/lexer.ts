/**
 * Lexer: text -> tokens tagged with their file, plus lexical diagnostics
 * (unterminated string or comment, bad pseudo-variable, stray character).
 * The scanner (scanner.ts) does the work; chevrotain's Lexer is kept as its reference.
 */
import type { IToken, Lexer as ChevrotainLexer } from 'chevrotain';
import { Lexer } from './chevrotain';
import { allTokens, BadPvar, SlashComment, UnterminatedComment, UnterminatedString } from './tokens';
import type { Diagnostic, SourceLoc } from './diagnostics';
import { scan } from './scanner';

/** A chevrotain token that also knows which file it came from (includes splice files together). */
export interface ScriptToken extends IToken {
  file: string;
}

/**
 * chevrotain's lexer for `allTokens`. Production tokenizes with the equivalent hand-written
 * scanner (`scanner.ts`, no per-process analysis); this one is the reference the tests compare
 * it with. `validate` runs chevrotain's checks of the token patterns.
 */
export function createLexer(options: { validate?: boolean } = {}): ChevrotainLexer {
  return new Lexer(allTokens, {
    positionTracking: 'full',
    ensureOptimizations: true,
    skipValidations: options.validate !== true,
  });
}

export interface LexResult {
  tokens: ScriptToken[];
  diagnostics: Diagnostic[];
}

export function tokenLoc(t: IToken & { file?: string }, file?: string): SourceLoc {
  return {
    file: t.file ?? file ?? '',
    line: t.startLine ?? 1,
    column: t.startColumn ?? 1,
    offset: t.startOffset,
    endOffset: (t.endOffset ?? t.startOffset) + 1,
  };
}

export function tokenize(file: string, text: string): LexResult {
  const result = scan(text, file);
  const tokens = result.tokens as ScriptToken[];
  const diagnostics: Diagnostic[] = [];
  for (const e of result.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    diagnostics.push({
      severity: 'error',
      message: `unexpected character${e.length > 1 ? 's' : ''} '${ch.length > 20 ? ch.slice(0, 20) + '...' : ch}'`,
      loc: {
        file,
        line: e.line ?? 1,
        column: e.column ?? 1,
        offset: e.offset,
        endOffset: e.offset + e.length,
      },
      expected: 'an operator, a value or a name',
    });
  }
  const errs = result.errorTokens;
  for (const t of errs) {
    const loc = tokenLoc(t, file);
    if (t.tokenType === UnterminatedString) {
      diagnostics.push({
        severity: 'error',
        message: 'unterminated string',
        loc: { ...loc, endOffset: loc.offset + 1 },
        expected: `a closing ${t.image[0]} before the end of the file`,
      });
    } else if (t.tokenType === UnterminatedComment) {
      diagnostics.push({
        severity: 'error',
        message: 'unterminated comment',
        loc: { ...loc, endOffset: loc.offset + 2 },
        expected: "'*/' to close the comment (comments nest: every '/*' needs its own '*/')",
      });
    } else if (t.tokenType === SlashComment) {
      diagnostics.push({
        severity: 'error',
        message: "'//' does not start a comment in OpenSIPS scripts",
        loc: { ...loc, endOffset: loc.offset + 2 },
        expected: "'#' for a line comment or '/* */' for a block",
      });
    } else if (t.tokenType === BadPvar) {
      diagnostics.push(badPvarDiagnostic(t.image, loc));
    }
  }
  if (diagnostics.length > 1) diagnostics.sort((a, b) => a.loc.offset - b.loc.offset);
  return { tokens, diagnostics };
}

function badPvarDiagnostic(image: string, loc: SourceLoc): Diagnostic {
  const opens = (image.match(/\(/g) ?? []).length;
  const closes = (image.match(/\)/g) ?? []).length;
  if (image === '$') {
    return {
      severity: 'error',
      message: "'$' without a pseudo-variable name",
      loc,
      expected: 'a name after $, such as $ru or $var(name)',
    };
  }
  if (opens > closes) {
    return {
      severity: 'error',
      message: `unterminated pseudo-variable '${image}'`,
      loc,
      expected: "')' to close it on the same line",
    };
  }
  return {
    severity: 'error',
    message: `malformed pseudo-variable '${image}'`,
    loc,
    expected: 'a pseudo-variable such as $ru, $var(name), $hdr(From)[0] or $(avp(x){s.int})',
  };
}

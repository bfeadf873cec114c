/**
 * A hand-written scanner producing exactly the tokens chevrotain's Lexer produces for
 * `allTokens` (same token types, images, offsets, lines and columns, same error groups,
 * same recovery after a stray character), without chevrotain's per-process lexer
 * analysis and its regex-per-candidate matching. Loading a script in a cold process is
 * dominated by one-time costs; this one was about a fifth of it.
 *
 * The rules it follows are chevrotain's: token types are tried in `allTokens` order and
 * the first match wins; a keyword gives way to a longer Identifier (`longer_alt`); line
 * numbers advance on `\n`, `\r\n` and `\r` inside tokens that may contain line breaks.
 * `lexer.test.ts` checks the two lexers token for token on every script in the repository
 * and on generated noise, so a change to `tokens.ts` that this file misses fails there.
 */
import type { IToken, TokenType } from 'chevrotain';
import * as T from './tokens';

export interface ScanError {
  offset: number;
  length: number;
  line: number;
  column: number;
}

export interface ScanResult {
  tokens: IToken[];
  /** Tokens of the `errors` group (unterminated strings and comments, `//`, bad `$`). */
  errorTokens: IToken[];
  /** Characters no token matches (each run of them is one error). */
  errors: ScanError[];
}

const WHITESPACE = /(?:[ \t\r\n\f\b\uFEFF]|\\\r?\n)+/y;
const LINE_COMMENT = /#[^\n]*/y;
const UNTERMINATED_COMMENT = /\/\*[\s\S]*/y;
const SLASH_COMMENT = /\/\/[^\n]*/y;
const STRING = /"(?:[^"\\]|\\[\s\S])*"|'[^']*'/y;
const UNTERMINATED_STRING = /"(?:[^"\\]|\\[\s\S])*|'[^']*/y;
const BAD_PVAR = /\$[^\s;,]*/y;
const NUMBER = /0[xX][0-9a-fA-F]+|0[0-7]+|0|[1-9][0-9]*/y;
const IDENTIFIER = /[A-Za-z][A-Za-z0-9_]*/y;
const LINE_TERMINATOR = /\n|\r\n?/g;

/** Token types chevrotain lets span lines (explicit `line_breaks`, or a pattern able to match \r or \n). */
const MULTI_LINE = new Set<TokenType>([T.WhiteSpace, T.BlockComment, T.UnterminatedComment, T.StringLiteral, T.UnterminatedString]);

const KEYWORDS: TokenType[] = [
  T.OnReplyRoute, T.FailureRoute, T.BranchRoute, T.ErrorRoute, T.LocalRoute, T.StartupRoute, T.TimerRoute,
  T.EventRoute, T.Route, T.If, T.Else, T.Switch, T.Case, T.Default, T.Break, T.While, T.For, T.Include, T.In,
  T.Return, T.Exit, T.Drop, T.Async, T.Launch, T.LoadModule, T.ModParam, T.Mpath, T.SocketKw, T.AliasKw,
  T.DstBlacklist, T.AutoScalingProfile, T.Null, T.NotWord, T.BoolLiteral, T.AndWord, T.OrWord,
];

const OPERATORS: TokenType[] = [
  T.AndAnd, T.OrOr, T.EqEq, T.NotEq, T.Match, T.NotMatch, T.LtEq, T.GtEq, T.ShiftLeft, T.ShiftRight, T.ColonEq,
  T.PlusEq, T.MinusEq, T.StarEq, T.SlashEq, T.PercentEq, T.AmpEq, T.PipeEq, T.CaretEq, T.Equal, T.Lt, T.Gt,
  T.Bang, T.Amp, T.Pipe, T.Caret, T.Tilde, T.Plus, T.Minus, T.Star, T.Slash, T.Percent, T.Colon, T.Semicolon,
  T.Comma, T.Dot, T.LParen, T.RParen, T.LBrace, T.RBrace, T.LBracket, T.RBracket,
];

function patternOf(t: TokenType): RegExp {
  const p = t.PATTERN;
  if (!(p instanceof RegExp)) throw new Error(`token ${t.name} has no plain pattern`);
  return p;
}

/**
 * The token type chevrotain gives a whole word: the first keyword (in `allTokens` order)
 * matching at its start wins if it covers the word, else the longer Identifier does.
 * Keywords are alternations of plain words, so only those words can become keywords.
 */
function keywordTable(): Map<string, TokenType> {
  const sticky = KEYWORDS.map((k) => ({ type: k, re: new RegExp(patternOf(k).source, 'y') }));
  const table = new Map<string, TokenType>();
  for (const k of KEYWORDS) {
    for (const word of patternOf(k).source.split('|')) {
      for (const { type, re } of sticky) {
        re.lastIndex = 0;
        const m = re.exec(word);
        if (m === null) continue;
        if (m[0].length === word.length) table.set(word, type);
        break;
      }
    }
  }
  return table;
}

/** Operators grouped by first character, in `allTokens` order (longest first already). */
function operatorTable(): Map<number, Array<{ text: string; type: TokenType }>> {
  const byChar = new Map<number, Array<{ text: string; type: TokenType }>>();
  for (const t of OPERATORS) {
    const text = patternOf(t).source.replace(/\\(.)/g, '$1');
    const c = text.charCodeAt(0);
    let list = byChar.get(c);
    if (list === undefined) byChar.set(c, (list = []));
    list.push({ text, type: t });
  }
  return byChar;
}

let keywords: Map<string, TokenType> | undefined;
let operators: Map<number, Array<{ text: string; type: TokenType }>> | undefined;

function sticky(re: RegExp, text: string, offset: number): string | null {
  re.lastIndex = offset;
  const m = re.exec(text);
  return m === null ? null : m[0];
}

function isHexOrColon(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isWhitespaceStart(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10 || c === 12 || c === 8 || c === 0xfeff || c === 92;
}

// The match found by matchAt: its image and type (module state avoids an object per token).
let matchedImage = '';
let matchedType: TokenType = T.Identifier;

/** The first token type matching at `offset` (sets matchedImage/matchedType), or false. */
function matchAt(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset);
  let m: string | null;
  if (isWhitespaceStart(c)) {
    if ((m = sticky(WHITESPACE, text, offset)) !== null) return found(m, T.WhiteSpace);
    if (c === 92) return false; // a backslash not before a newline
  }
  switch (c) {
    case 35: // #
      return found(sticky(LINE_COMMENT, text, offset)!, T.LineComment);
    case 47: // /
      if ((m = T.matchBlockComment(text, offset)) !== null) return found(m, T.BlockComment);
      if ((m = sticky(UNTERMINATED_COMMENT, text, offset)) !== null) return found(m, T.UnterminatedComment);
      if ((m = sticky(SLASH_COMMENT, text, offset)) !== null) return found(m, T.SlashComment);
      break;
    case 34: // "
    case 39: // '
      if ((m = sticky(STRING, text, offset)) !== null) return found(m, T.StringLiteral);
      return found(sticky(UNTERMINATED_STRING, text, offset)!, T.UnterminatedString);
    case 36: // $
      if ((m = T.matchPvar(text, offset)) !== null) return found(m, T.Pvar);
      return found(sticky(BAD_PVAR, text, offset)!, T.BadPvar);
    default:
      break;
  }
  if (isHexOrColon(c) && (m = T.matchIp(text, offset)) !== null) return found(m, T.IpLiteral);
  if (c >= 48 && c <= 57) return found(sticky(NUMBER, text, offset)!, T.NumberLiteral);
  if (isLetter(c)) {
    if (c === 109 && text.startsWith('mem-group', offset)) return found('mem-group', T.MemGroup);
    const word = sticky(IDENTIFIER, text, offset)!;
    keywords ??= keywordTable();
    return found(word, keywords.get(word) ?? T.Identifier);
  }
  operators ??= operatorTable();
  const ops = operators.get(c);
  if (ops !== undefined) {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.text.length === 1 || text.startsWith(op.text, offset)) return found(op.text, op.type);
    }
  }
  return false;
}

function found(image: string, type: TokenType): true {
  matchedImage = image;
  matchedType = type;
  return true;
}

/**
 * Tokenizes a whole text the way `new Lexer(allTokens, { positionTracking: 'full' })`
 * does. `file` is stored on every token (the loader splices files together).
 */
export function scan(text: string, file: string): ScanResult {
  const tokens: IToken[] = [];
  const errorTokens: IToken[] = [];
  const errors: ScanError[] = [];
  const n = text.length;
  let offset = 0;
  let line = 1;
  let column = 1;
  while (offset < n) {
    if (!matchAt(text, offset)) {
      // Drop characters until one starts a token; chevrotain leaves the column where the
      // error began, so the rest of the line is reported with the same (short) columns.
      const start = offset;
      offset++;
      while (offset < n && !matchAt(text, offset)) offset++;
      errors.push({ offset: start, length: offset - start, line, column });
      continue;
    }
    const image = matchedImage;
    const type = matchedType;
    const len = image.length;
    let token: (IToken & { file: string }) | null = null;
    if (type !== T.WhiteSpace && type !== T.LineComment && type !== T.BlockComment) {
      token = {
        image,
        startOffset: offset,
        endOffset: offset + len - 1,
        startLine: line,
        endLine: line,
        startColumn: column,
        endColumn: column + len - 1,
        tokenTypeIdx: type.tokenTypeIdx!,
        tokenType: type,
        file,
      };
      if (type === T.UnterminatedComment || type === T.SlashComment || type === T.UnterminatedString || type === T.BadPvar) {
        errorTokens.push(token);
      } else tokens.push(token);
    }
    offset += len;
    column += len;
    if (MULTI_LINE.has(type)) {
      let count = 0;
      let lastEnd = 0;
      LINE_TERMINATOR.lastIndex = 0;
      while (LINE_TERMINATOR.test(image)) {
        lastEnd = LINE_TERMINATOR.lastIndex - 1;
        count++;
      }
      if (count !== 0) {
        line += count;
        column = len - lastEnd;
        if (token !== null) {
          const endsInTerminator = lastEnd === len - 1;
          if (!(count === 1 && endsInTerminator)) {
            token.endLine = line + (endsInTerminator ? -1 : 0);
            token.endColumn = column - 1 + (endsInTerminator ? 1 : 0);
          }
        }
      }
    }
  }
  return { tokens, errorTokens, errors };
}

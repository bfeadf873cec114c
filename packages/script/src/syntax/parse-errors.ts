/**
 * Turns chevrotain's recognition exceptions into diagnostics written for
 * people: "unexpected 'exit'", "expected ';'", never token type names.
 */
import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EOF, tokenMatcher } from './chevrotain';
import type { Diagnostic, SourceLoc } from './diagnostics';
import { tokenLoc } from './lexer';
import * as T from './tokens';

/** What a rule stands for, when listing its first tokens would be noise. */
const RULE_WORDS: Record<string, string> = {
  script: 'a core parameter, loadmodule, modparam, mpath or a route block',
  topItem: 'a core parameter (name = value), loadmodule, modparam, mpath or a route block',
  coreParam: 'a value for this parameter',
  statement: 'a statement',
  simpleStmt: 'a statement',
  bodyStatement: 'a statement or a { block }',
  expression: 'an expression',
  notExpr: 'an expression',
  comparison: 'an expression',
  bitExpr: 'an expression',
  arithExpr: 'an expression',
  unaryExpr: 'an expression',
  primary: 'an expression (pseudo-variable, number, string, NULL, function call or parenthesis)',
  scalarValue: 'a value (number, yes/no, string, IP address or name)',
  routeName: 'a route name (a name, number or string)',
  routeBlock: 'a route block',
  socketValue: "a socket such as udp:127.0.0.1:5060",
  socketAddress: "an address such as udp:127.0.0.1:5060",
  ipValue: 'an IP address',
  blacklistEntry: 'a blacklist entry such as (udp, 10.0.0.1, 5060, "") or 10.0.0.0/8',
  switchCase: "'case', 'default' or '}'",
  numberLit: 'a number',
  signedNumber: 'a number',
  stringLit: 'a string',
};

export function tokenLabel(tt: TokenType): string {
  if (tt === EOF) return 'end of file';
  return tt.LABEL ?? tt.name;
}

function joinWords(words: string[]): string {
  const uniq = [...new Set(words)];
  if (uniq.length <= 1) return uniq[0] ?? 'something else';
  return `${uniq.slice(0, -1).join(', ')} or ${uniq[uniq.length - 1]}`;
}

function firstTokens(paths: TokenType[][]): string[] {
  return paths.filter((p) => p.length > 0).map((p) => tokenLabel(p[0]!));
}

/** The provider only says what was expected; the diagnostic adds what was found. */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected }) {
    return tokenLabel(expected);
  },
  buildNotAllInputParsedMessage() {
    return RULE_WORDS['topItem']!;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, ruleName, customUserDescription }) {
    if (customUserDescription !== undefined) return customUserDescription;
    const words = firstTokens(expectedPathsPerAlt.flat());
    const described = RULE_WORDS[ruleName];
    if (described !== undefined && (words.length > 4 || words.length === 0)) return described;
    return joinWords(words);
  },
  buildEarlyExitMessage({ expectedIterationPaths, ruleName, customUserDescription }) {
    if (customUserDescription !== undefined) return customUserDescription;
    const described = RULE_WORDS[ruleName];
    const words = firstTokens(expectedIterationPaths);
    if (described !== undefined && (words.length > 4 || words.length === 0)) return described;
    return joinWords(words);
  },
};

export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  const img = t.image.length > 30 ? t.image.slice(0, 27) + '...' : t.image;
  switch (t.tokenType) {
    case T.Identifier:
      return `name '${img}'`;
    case T.StringLiteral:
      return `string ${img.replace(/\n/g, '\\n')}`;
    case T.Pvar:
      return `pseudo-variable '${img}'`;
    case T.NumberLiteral:
      return `number ${img}`;
    case T.IpLiteral:
      return `IP address ${img}`;
    default:
      return `'${img}'`;
  }
}

function isEof(t: IToken | undefined): boolean {
  return t === undefined || t.tokenType === EOF || !Number.isFinite(t.startOffset);
}

/** Location just after a token (for "missing ';'" reported where the ';' belongs). */
function afterToken(t: IToken & { file?: string }): SourceLoc {
  const l = tokenLoc(t);
  const end = (t.endOffset ?? t.startOffset) + 1;
  return {
    file: l.file,
    line: t.endLine ?? l.line,
    column: (t.endColumn ?? l.column) + 1,
    offset: end,
    endOffset: end + 1,
  };
}

/** Tokens that cannot end a line: something must follow them. */
const CONTINUED_BY: TokenType[] = [T.Colon, T.Comma, T.LParen, T.LBracket, T.AssignOp, T.CompareOp, T.ArithOp, T.BitOp, T.LogicOp, T.NotOp, T.Tilde];

/** Tokens that start a statement: out of place at top level. */
const STATEMENT_STARTS = new Set<TokenType>([T.Pvar, T.If, T.Switch, T.While, T.For, T.Return, T.Exit, T.Drop, T.Break, T.Async, T.Launch]);

/** Expected tokens that belong at the end of what came before, rather than where the next token is. */
const CLOSERS = new Set<TokenType>([T.Semicolon, T.RParen, T.RBracket]);

export function recognitionDiagnostic(e: IRecognitionException & { previousToken?: IToken }, file: string): Diagnostic {
  const token = e.token as IToken & { file?: string };
  const prev = e.previousToken as (IToken & { file?: string }) | undefined;
  const expected = e.message;
  const isMismatch = e.name === 'MismatchedTokenException';
  const closer = isMismatch && [...CLOSERS].some((c) => tokenLabel(c) === expected);

  if (isEof(token)) {
    const l = prev && !isEof(prev) ? afterToken(prev) : { file, line: 1, column: 1, offset: 0, endOffset: 1 };
    return { severity: 'error', message: 'unexpected end of file', loc: l, expected };
  }
  if (prev && !isEof(prev) && prev.endLine !== undefined && prev.endLine < (token.startLine ?? 0) && CONTINUED_BY.some((c) => tokenMatcher(prev, c))) {
    // `socket = udp:` or `$var(x) = $var(y) +` at the end of a line: the line is incomplete.
    return {
      severity: 'error',
      message: `unexpected end of line after '${prev.image}'`,
      loc: afterToken(prev),
      expected,
    };
  }
  if (closer && prev && !isEof(prev) && prev.endLine !== undefined && prev.endLine < (token.startLine ?? 0)) {
    // `xlog("x")` at the end of a line followed by the next statement: point where the ';' is missing.
    return {
      severity: 'error',
      message: `missing ${expected} before ${describeToken(token)}`,
      loc: afterToken(prev),
      expected,
    };
  }
  const d: Diagnostic = {
    severity: 'error',
    message: `unexpected ${describeToken(token)}`,
    loc: tokenLoc(token, file),
    expected,
  };
  if (token.tokenType === T.Else) {
    d.message = "'else' without an 'if'";
    d.expected = `${expected} ('else' must directly follow the statement or block of an 'if')`;
  } else if (isMismatch && expected === tokenLabel(T.LParen) && tokenMatcher(token, T.AssignOp) && prev?.tokenType === T.Identifier) {
    // `counter = 1;`
    d.message = `unexpected ${describeToken(token)} after name '${prev.image}'`;
    d.expected = `'(' to call a function; to assign a value, write a pseudo-variable such as $var(${prev.image})`;
  } else if (isMismatch && expected === tokenLabel(EOF)) {
    // The top-level loop stopped at something that cannot start an item.
    d.message = `unexpected ${describeToken(token)} at top level`;
    d.expected = RULE_WORDS['topItem']!;
    if (STATEMENT_STARTS.has(token.tokenType)) d.expected += '; statements belong inside a route { ... } block';
    if (token.tokenType === T.RBrace) d.expected += " (this '}' has no matching '{')";
  }
  if (e.name === 'NotAllInputParsedException') {
    d.message = `unexpected ${describeToken(token)} at top level`;
    if (token.tokenType === T.RBrace) d.expected = `${expected} (this '}' has no matching '{')`;
  }
  return d;
}

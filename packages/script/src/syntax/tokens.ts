/**
 * Token types of the OpenSIPS script language (see grammar/README.md).
 *
 * Ordering matters: chevrotain tries patterns in array order and takes the
 * first match, so longer operators come before their prefixes and IP
 * literals before numbers. Keywords use `longer_alt: Identifier` so that
 * `routes` or `if_ok` stay identifiers. Every token has a human label used in
 * error messages ("expected ';'" rather than a token type name).
 */
import type { TokenType, CustomPatternMatcherReturn } from 'chevrotain';
import { createToken, Lexer } from './chevrotain';
import { isIP } from 'node:net';

// ------------------------------------------------------------ custom matchers

/** Letters, digits, '_' and '.': the characters of a pseudo-variable name. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46;
}

/**
 * Pseudo-variable, lexed as ONE token and kept raw:
 *   $name  $name(inner)  $name(inner)[index]  $<ctx>name(...)  $(anything balanced)
 * Parentheses are balanced the way OpenSIPS's lexer does (only '(' and ')'
 * count); an index after `$name(...)` is balanced on '[' ']'. None of these
 * spans a line break.
 */
export function matchPvar(text: string, offset: number): string | null {
  if (text.charCodeAt(offset) !== 36 /* $ */) return null;
  const n = text.length;
  let i = offset + 1;
  if (text.charCodeAt(i) === 40 /* ( */) {
    const end = closeParen(text, i);
    return end < 0 ? null : text.slice(offset, end + 1);
  }
  if (text.charCodeAt(i) === 60 /* < */) {
    i++;
    const start = i;
    while (i < n && isNameChar(text.charCodeAt(i))) i++;
    if (i === start || text.charCodeAt(i) !== 62 /* > */) return null;
    i++;
  }
  const nameStart = i;
  while (i < n && isNameChar(text.charCodeAt(i))) i++;
  if (i === nameStart) return null;
  if (text.charCodeAt(i) === 40) {
    const end = closeParen(text, i);
    if (end < 0) return null;
    i = end + 1;
    if (text.charCodeAt(i) === 91 /* [ */) {
      const close = closeBracket(text, i);
      if (close < 0) return null;
      i = close + 1;
    }
  }
  return text.slice(offset, i);
}

/** Index of the ')' matching the '(' at `open`, or -1 (end of line or input first). */
function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) {
      if (--depth === 0) return i;
    } else if (c === 10) return -1;
  }
  return -1;
}

function closeBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91) depth++;
    else if (c === 93) {
      if (--depth === 0) return i;
    } else if (c === 10) return -1;
  }
  return -1;
}

/** `/* ... *\/` comments nest, as in OpenSIPS. Returns null when unterminated (see UnterminatedComment). */
export function matchBlockComment(text: string, offset: number): string | null {
  if (!text.startsWith('/*', offset)) return null;
  let depth = 0;
  let i = offset;
  const n = text.length;
  while (i < n) {
    if (text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else if (text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47) {
      i += 2;
      if (--depth === 0) return text.slice(offset, i);
    } else i++;
  }
  return null;
}

/** Hex digits, ':' and '.': the characters an IPv4 or IPv6 address is made of. */
function isAddrChar(c: number): boolean {
  return (c >= 48 && c <= 58) /* 0-9 : */ || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46;
}

function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

const DOTTED_QUAD = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*)){3}$/;

/**
 * IPv4/IPv6 address, optionally followed by `/prefix` or `/mask` (a network).
 * IPv6 needs at least one ':' and must be a valid address; the longest valid
 * prefix of the run of address characters wins (so `::1]` stops before ']').
 * Runs on every token starting with a hex digit, so names bail out early.
 */
export function matchIp(text: string, offset: number): string | null {
  const n = text.length;
  let end = offset;
  let separators = 0;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (!isAddrChar(c)) break;
    if (c === 58 || c === 46) separators++;
    end++;
  }
  // `exit`, `5060`, `deadbeef`: no ':' or '.', not an address
  if (separators === 0) return null;
  let best = -1;
  for (let stop = end; stop > offset; stop--) {
    const cand = text.slice(offset, stop);
    const family = isIP(cand);
    if ((family === 4 && DOTTED_QUAD.test(cand)) || family === 6) {
      best = stop;
      break;
    }
  }
  if (best < 0) return null;
  // An address glued to name characters (`1.2.3.4abc`, `abc::def_x`) is not an address.
  if (best < n && isIdentChar(text.charCodeAt(best))) return null;
  let stop = best;
  if (text.charCodeAt(stop) === 47 /* / */) {
    let m = stop + 1;
    while (m < n && isAddrChar(text.charCodeAt(m))) m++;
    const mask = text.slice(stop + 1, m);
    if (/^\d+$/.test(mask) || isIP(mask) !== 0) stop = m;
  }
  return text.slice(offset, stop);
}

function custom(fn: (text: string, offset: number) => string | null) {
  return {
    exec: (text: string, offset: number): CustomPatternMatcherReturn | null => {
      const m = fn(text, offset);
      return m === null ? null : ([m] as unknown as CustomPatternMatcherReturn);
    },
  };
}

// ----------------------------------------------------------------- skipped

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  // `\` before a newline continues the line (OpenSIPS eats the escaped newline);
  // a byte-order mark some editors write at the start of a file is blank too.
  pattern: /(?:[ \t\r\n\f\b\uFEFF]|\\\r?\n)+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = createToken({ name: 'LineComment', pattern: /#[^\n]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: custom(matchBlockComment),
  start_chars_hint: ['/'],
  line_breaks: true,
  group: Lexer.SKIPPED,
});

// ------------------------------------------------ lexical errors (group 'errors')

export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  group: 'errors',
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\]|\\[\s\S])*|'[^']*/,
  line_breaks: true,
  group: 'errors',
});
// `//` is not a comment in OpenSIPS; taking the whole line keeps the parser from tripping over it.
export const SlashComment = createToken({ name: 'SlashComment', pattern: /\/\/[^\n]*/, group: 'errors' });
export const BadPvar = createToken({ name: 'BadPvar', pattern: /\$[^\s;,]*/, group: 'errors' });

// ------------------------------------------------------------------- values

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\]|\\[\s\S])*"|'[^']*'/,
  line_breaks: true,
  label: 'a string',
});
export const Pvar = createToken({
  name: 'Pvar',
  pattern: custom(matchPvar),
  start_chars_hint: ['$'],
  line_breaks: false,
  label: 'a pseudo-variable',
});
export const IpLiteral = createToken({
  name: 'IpLiteral',
  pattern: custom(matchIp),
  start_chars_hint: [...'0123456789abcdefABCDEF:'],
  line_breaks: false,
  label: 'an IP address',
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /0[xX][0-9a-fA-F]+|0[0-7]+|0|[1-9][0-9]*/,
  label: 'a number',
});

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z][A-Za-z0-9_]*/, label: 'a name' });

// ---------------------------------------------------------- operator categories

// Categories group the operators of one precedence level for the parser.
export const LogicOp = createToken({ name: 'LogicOp', pattern: Lexer.NA, label: "'&&' or '||'" });
export const NotOp = createToken({ name: 'NotOp', pattern: Lexer.NA, label: "'!'" });
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison operator' });
export const BitOp = createToken({ name: 'BitOp', pattern: Lexer.NA, label: 'a bitwise operator' });
export const ArithOp = createToken({ name: 'ArithOp', pattern: Lexer.NA, label: 'an arithmetic operator' });
export const AssignOp = createToken({ name: 'AssignOp', pattern: Lexer.NA, label: "'=' or another assignment operator" });

// ------------------------------------------------------------------ keywords

function keyword(name: string, pattern: RegExp, label: string, categories?: TokenType[]): TokenType {
  return createToken({ name, pattern, longer_alt: Identifier, label, ...(categories ? { categories } : {}) });
}

export const Route = keyword('Route', /route/, "'route'");
export const OnReplyRoute = keyword('OnReplyRoute', /onreply_route/, "'onreply_route'");
export const FailureRoute = keyword('FailureRoute', /failure_route/, "'failure_route'");
export const BranchRoute = keyword('BranchRoute', /branch_route/, "'branch_route'");
export const ErrorRoute = keyword('ErrorRoute', /error_route/, "'error_route'");
export const LocalRoute = keyword('LocalRoute', /local_route/, "'local_route'");
export const StartupRoute = keyword('StartupRoute', /startup_route/, "'startup_route'");
export const TimerRoute = keyword('TimerRoute', /timer_route/, "'timer_route'");
export const EventRoute = keyword('EventRoute', /event_route/, "'event_route'");
export const If = keyword('If', /if/, "'if'");
export const Else = keyword('Else', /else/, "'else'");
export const Switch = keyword('Switch', /switch/, "'switch'");
export const Case = keyword('Case', /case/, "'case'");
export const Default = keyword('Default', /default/, "'default'");
export const Break = keyword('Break', /break/, "'break'");
export const While = keyword('While', /while/, "'while'");
export const For = keyword('For', /for/, "'for'");
export const In = keyword('In', /in/, "'in'");
export const Return = keyword('Return', /return/, "'return'");
export const Exit = keyword('Exit', /exit/, "'exit'");
export const Drop = keyword('Drop', /drop/, "'drop'");
export const Async = keyword('Async', /async/, "'async'");
export const Launch = keyword('Launch', /launch/, "'launch'");
export const LoadModule = keyword('LoadModule', /loadmodule/, "'loadmodule'");
export const ModParam = keyword('ModParam', /modparam/, "'modparam'");
export const Mpath = keyword('Mpath', /mpath/, "'mpath'");
export const Include = keyword('Include', /include_file|import_file/, "'include_file'");
export const SocketKw = keyword('SocketKw', /socket|listen/, "'socket'");
export const AliasKw = keyword('AliasKw', /alias/, "'alias'");
export const DstBlacklist = keyword('DstBlacklist', /dst_blacklist/, "'dst_blacklist'");
export const AutoScalingProfile = keyword('AutoScalingProfile', /auto_scaling_profile/, "'auto_scaling_profile'");
// `mem-group` contains a '-', so it cannot be an identifier; no longer_alt needed beyond the name.
export const MemGroup = createToken({ name: 'MemGroup', pattern: /mem-group/, label: "'mem-group'" });
export const Null = keyword('Null', /NULL|null/, "'NULL'");
export const BoolLiteral = keyword('BoolLiteral', /yes|true|on|enable|no|false|off|disable/, 'yes/no');
export const AndWord = keyword('AndWord', /and/, "'and'", [LogicOp]);
export const OrWord = keyword('OrWord', /or/, "'or'", [LogicOp]);
export const NotWord = keyword('NotWord', /not/, "'not'", [NotOp]);

// ------------------------------------------------------------------ operators

function op(name: string, pattern: RegExp, label: string, categories?: TokenType[]): TokenType {
  return createToken({ name, pattern, label, ...(categories ? { categories } : {}) });
}


export const AndAnd = op('AndAnd', /&&/, "'&&'", [LogicOp]);
export const OrOr = op('OrOr', /\|\|/, "'||'", [LogicOp]);
export const EqEq = op('EqEq', /==/, "'=='", [CompareOp]);
export const NotEq = op('NotEq', /!=/, "'!='", [CompareOp]);
export const Match = op('Match', /=~/, "'=~'", [CompareOp]);
export const NotMatch = op('NotMatch', /!~/, "'!~'", [CompareOp]);
export const LtEq = op('LtEq', /<=/, "'<='", [CompareOp]);
export const GtEq = op('GtEq', />=/, "'>='", [CompareOp]);
export const ShiftLeft = op('ShiftLeft', /<</, "'<<'", [BitOp]);
export const ShiftRight = op('ShiftRight', />>/, "'>>'", [BitOp]);
export const ColonEq = op('ColonEq', /:=/, "':='", [AssignOp]);
export const PlusEq = op('PlusEq', /\+=/, "'+='", [AssignOp]);
export const MinusEq = op('MinusEq', /-=/, "'-='", [AssignOp]);
export const StarEq = op('StarEq', /\*=/, "'*='", [AssignOp]);
export const SlashEq = op('SlashEq', /\/=/, "'/='", [AssignOp]);
export const PercentEq = op('PercentEq', /%=/, "'%='", [AssignOp]);
export const AmpEq = op('AmpEq', /&=/, "'&='", [AssignOp]);
export const PipeEq = op('PipeEq', /\|=/, "'|='", [AssignOp]);
export const CaretEq = op('CaretEq', /\^=/, "'^='", [AssignOp]);
export const Equal = op('Equal', /=/, "'='", [AssignOp]);
export const Lt = op('Lt', /</, "'<'", [CompareOp]);
export const Gt = op('Gt', />/, "'>'", [CompareOp]);
export const Bang = op('Bang', /!/, "'!'", [NotOp]);
export const Amp = op('Amp', /&/, "'&'", [BitOp]);
export const Pipe = op('Pipe', /\|/, "'|'", [BitOp]);
export const Caret = op('Caret', /\^/, "'^'", [BitOp]);
export const Tilde = op('Tilde', /~/, "'~'");
export const Plus = op('Plus', /\+/, "'+'", [ArithOp]);
export const Minus = op('Minus', /-/, "'-'", [ArithOp]);
export const Star = op('Star', /\*/, "'*'", [ArithOp]);
export const Slash = op('Slash', /\//, "'/'", [ArithOp]);
export const Percent = op('Percent', /%/, "'%'", [ArithOp]);

export const Colon = op('Colon', /:/, "':'");
export const Semicolon = op('Semicolon', /;/, "';'");
export const Comma = op('Comma', /,/, "','");
export const Dot = op('Dot', /\./, "'.'");
export const LParen = op('LParen', /\(/, "'('");
export const RParen = op('RParen', /\)/, "')'");
export const LBrace = op('LBrace', /\{/, "'{'");
export const RBrace = op('RBrace', /\}/, "'}'");
export const LBracket = op('LBracket', /\[/, "'['");
export const RBracket = op('RBracket', /\]/, "']'");


/** Every token type in lexing order. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  SlashComment,
  StringLiteral,
  UnterminatedString,
  Pvar,
  BadPvar,
  IpLiteral,
  NumberLiteral,
  MemGroup,
  // keywords (before Identifier; longer_alt keeps longer names identifiers)
  OnReplyRoute,
  FailureRoute,
  BranchRoute,
  ErrorRoute,
  LocalRoute,
  StartupRoute,
  TimerRoute,
  EventRoute,
  Route,
  If,
  Else,
  Switch,
  Case,
  Default,
  Break,
  While,
  For,
  Include, // before In: 'in' is a prefix of 'include_file'
  In,
  Return,
  Exit,
  Drop,
  Async,
  Launch,
  LoadModule,
  ModParam,
  Mpath,
  SocketKw,
  AliasKw,
  DstBlacklist,
  AutoScalingProfile,
  Null,
  NotWord, // before BoolLiteral: 'no' is a prefix of 'not'
  BoolLiteral,
  AndWord,
  OrWord,
  Identifier,
  // categories
  LogicOp,
  NotOp,
  CompareOp,
  BitOp,
  ArithOp,
  AssignOp,
  // operators, longest first
  AndAnd,
  OrOr,
  EqEq,
  NotEq,
  Match,
  NotMatch,
  LtEq,
  GtEq,
  ShiftLeft,
  ShiftRight,
  ColonEq,
  PlusEq,
  MinusEq,
  StarEq,
  SlashEq,
  PercentEq,
  AmpEq,
  PipeEq,
  CaretEq,
  Equal,
  Lt,
  Gt,
  Bang,
  Amp,
  Pipe,
  Caret,
  Tilde,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Colon,
  Semicolon,
  Comma,
  Dot,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
];

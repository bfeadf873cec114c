import { createLexer, tokenize } from './lexer';
import { matchIp, matchPvar, matchBlockComment } from './tokens';
import { unescapeDoubleQuoted } from './parser';

const kinds = (src: string) => tokenize('t.cfg', src).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

describe('comments', () => {
  it('skips # to end of line and /* */ blocks', () => {
    expect(kinds('a # b c\n/* x\n y */ d')).toEqual(['Identifier:a', 'Identifier:d']);
  });
  it('nests /* */ comments as OpenSIPS does', () => {
    expect(kinds('/* outer /* inner */ still comment */ x')).toEqual(['Identifier:x']);
    expect(matchBlockComment('/* a /* b */ c */ d', 0)).toBe('/* a /* b */ c */');
  });
  it('does not treat // as a comment: the line is reported and skipped', () => {
    const r = tokenize('t.cfg', 'a // b c\nd');
    expect(r.tokens.map((t) => t.image)).toEqual(['a', 'd']);
    expect(r.diagnostics).toEqual([expect.objectContaining({ message: "'//' does not start a comment in OpenSIPS scripts", loc: expect.objectContaining({ line: 1, column: 3 }) })]);
    // a single slash is still division
    expect(kinds('4 / 2')).toEqual(['NumberLiteral:4', 'Slash:/', 'NumberLiteral:2']);
  });
  it('reports an unterminated comment at its start', () => {
    const r = tokenize('t.cfg', 'a\n /* open /* nested */ never closed');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ message: 'unterminated comment', loc: { line: 2, column: 2 } });
  });
  it('keeps line numbers right after multi-line comments and strings', () => {
    const r = tokenize('t.cfg', '/*\n\n*/ "a\nb"\n  x');
    const x = r.tokens[r.tokens.length - 1]!;
    expect([x.image, x.startLine, x.startColumn]).toEqual(['x', 5, 3]);
  });
});

describe('strings', () => {
  it('lexes double- and single-quoted strings, multi-line included', () => {
    expect(kinds(`"a b" 'c "d"' "x\ny"`)).toEqual(['StringLiteral:"a b"', `StringLiteral:'c "d"'`, 'StringLiteral:"x\ny"']);
  });
  it('an escaped quote does not end a double-quoted string', () => {
    expect(kinds('"say \\"hi\\"" z')).toEqual(['StringLiteral:"say \\"hi\\""', 'Identifier:z']);
  });
  it('processes the escapes OpenSIPS knows and keeps the others', () => {
    expect(unescapeDoubleQuoted('a\\nb\\tc\\r\\a')).toBe('a\nb\tc\r\x07');
    expect(unescapeDoubleQuoted('q\\"\\\\')).toBe('q"\\');
    expect(unescapeDoubleQuoted('\\x41\\x4a\\101')).toBe('AJA');
    // one octal digit is not an escape: regex back-references survive
    expect(unescapeDoubleQuoted('\\1\\d')).toBe('\\1\\d');
    // escaped newline is a line continuation
    expect(unescapeDoubleQuoted('ab\\\ncd')).toBe('abcd');
  });
  it('reports an unterminated string where it starts', () => {
    const r = tokenize('t.cfg', 'x = 1\nxlog("oops);\n');
    expect(r.diagnostics.map((d) => [d.message, d.loc.line, d.loc.column])).toEqual([['unterminated string', 2, 6]]);
    expect(r.diagnostics[0]!.expected).toContain('closing "');
  });
});

describe('numbers and addresses', () => {
  it('lexes decimal, hex and octal numbers', () => {
    expect(kinds('0 42 0x1F 017')).toEqual(['NumberLiteral:0', 'NumberLiteral:42', 'NumberLiteral:0x1F', 'NumberLiteral:017']);
  });
  it('lexes IPv4, IPv6 and networks as one token', () => {
    expect(kinds('10.0.0.1 ::1 fe80::1:2 10.0.0.0/8 10.0.0.0/255.0.0.0 2001:db8::/32')).toEqual([
      'IpLiteral:10.0.0.1',
      'IpLiteral:::1',
      'IpLiteral:fe80::1:2',
      'IpLiteral:10.0.0.0/8',
      'IpLiteral:10.0.0.0/255.0.0.0',
      'IpLiteral:2001:db8::/32',
    ]);
  });
  it('does not take names, case labels or socket specs for IPv6', () => {
    expect(kinds('case 1: default: deadbeef')).toEqual(['Case:case', 'NumberLiteral:1', 'Colon::', 'Default:default', 'Colon::', 'Identifier:deadbeef']);
    expect(kinds('udp:1.2.3.4:5060')).toEqual(['Identifier:udp', 'Colon::', 'IpLiteral:1.2.3.4', 'Colon::', 'NumberLiteral:5060']);
    expect(kinds('udp:[::1]:5060')).toEqual(['Identifier:udp', 'Colon::', 'LBracket:[', 'IpLiteral:::1', 'RBracket:]', 'Colon::', 'NumberLiteral:5060']);
    expect(matchIp('1.2.3.4x', 0)).toBeNull();
  });
});

describe('pseudo-variables', () => {
  it.each([
    ['$si', '$si'],
    ['$ru;', '$ru'],
    ['$var(x)=1', '$var(x)'],
    ['$avp(failed_no))', '$avp(failed_no)'],
    ['$(avp(failed_no){s.int}) >= 20', '$(avp(failed_no){s.int})'],
    ['$(ct[$var(i)]{nameaddr.uri}{uri.host});', '$(ct[$var(i)]{nameaddr.uri}{uri.host})'],
    ['$hdr(From)[-1] ', '$hdr(From)[-1]'],
    ['$param(1),', '$param(1)'],
    ['$DLG_status==NULL', '$DLG_status'],
    ['$T_reply_code!=200', '$T_reply_code'],
    ['$err.class ', '$err.class'],
    ['$<reply>hdr(X) ', '$<reply>hdr(X)'],
    ['$(hdr(X){re.subst,/(a)(b)/\\2\\1/})x', '$(hdr(X){re.subst,/(a)(b)/\\2\\1/})'],
  ])('%s -> %s', (src, raw) => {
    expect(matchPvar(src, 0)).toBe(raw);
  });
  it('is one token even with operators and brackets inside', () => {
    expect(kinds('$(ct[$var(i)]{s.select,1,;}) != NULL')).toEqual(['Pvar:$(ct[$var(i)]{s.select,1,;})', 'NotEq:!=', 'Null:NULL']);
  });
  it('reports an unclosed pseudo-variable and a bare $', () => {
    const r = tokenize('t.cfg', '$var(x = 1;\n$ = 2;');
    expect(r.diagnostics.map((d) => [d.message, d.loc.line, d.loc.column])).toEqual([
      ["unterminated pseudo-variable '$var(x'", 1, 1],
      ["'$' without a pseudo-variable name", 2, 1],
    ]);
  });
});

describe('keywords, operators and errors', () => {
  it('keeps longer names identifiers (longer_alt) and orders prefix keywords', () => {
    expect(kinds('route routes include_file in not nobody or order')).toEqual([
      'Route:route',
      'Identifier:routes',
      'Include:include_file',
      'In:in',
      'NotWord:not',
      'Identifier:nobody',
      'OrWord:or',
      'Identifier:order',
    ]);
  });
  it('lexes the longest operator', () => {
    expect(kinds('== != =~ !~ <= >= << >> := += -= = ! && || & | ^ ~')).toEqual(
      ['EqEq', 'NotEq', 'Match', 'NotMatch', 'LtEq', 'GtEq', 'ShiftLeft', 'ShiftRight', 'ColonEq', 'PlusEq', 'MinusEq', 'Equal', 'Bang', 'AndAnd', 'OrOr', 'Amp', 'Pipe', 'Caret', 'Tilde'].map(
        (k, i) => `${k}:${'== != =~ !~ <= >= << >> := += -= = ! && || & | ^ ~'.split(' ')[i]}`,
      ),
    );
  });
  it('reports a stray character with its position', () => {
    const r = tokenize('t.cfg', 'route {\n  `x;\n}');
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', message: "unexpected character '`'", loc: expect.objectContaining({ line: 2, column: 3 }) }),
    ]);
  });
  it('treats a byte-order mark and CRLF line ends as blanks', () => {
    const r = tokenize('t.cfg', '\uFEFFlog_level = 3\r\nroute {\r\n}\r\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.tokens.map((t) => [t.image, t.startLine, t.startColumn])).toEqual([
      ['log_level', 1, 2],
      ['=', 1, 12],
      ['3', 1, 14],
      ['route', 2, 1],
      ['{', 2, 7],
      ['}', 3, 1],
    ]);
  });
  it('tags every token with its file', () => {
    expect(new Set(tokenize('inc/a.cfg', 'a b').tokens.map((t) => t.file))).toEqual(new Set(['inc/a.cfg']));
  });
});

it('the token definitions pass chevrotain validation and keep the first-character optimization', () => {
  const lexer = createLexer({ validate: true });
  expect(lexer.lexerDefinitionErrors).toEqual([]);
  expect(lexer.tokenize('route { exit; }').tokens.map((t) => t.image)).toEqual(['route', '{', 'exit', ';', '}']);
});

import fc from 'fast-check';
import { parseFormat, parsePvSpec, parsePvSpecAt, PvSpec, PvSyntaxError } from './pv-syntax';

function err(text: string, fn: (t: string) => unknown = parsePvSpec): PvSyntaxError {
  try {
    fn(text);
  } catch (e) {
    if (e instanceof PvSyntaxError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
}

/** Compact view of a spec for exact comparisons. */
function show(s: PvSpec): unknown {
  return {
    name: s.name,
    param: s.param === null ? null : s.param.kind === 'static' ? s.param.text : s.param.kind === 'dynamic' ? { pv: s.param.spec.raw } : { format: s.param.parts.map((p) => (p.kind === 'text' ? p.text : p.spec.raw)) },
    index: s.index === null ? null : s.index.kind === 'int' ? s.index.value : s.index.kind === 'pv' ? { pv: s.index.spec.raw } : s.index.kind,
    tr: s.transforms.map((t) => [t.name, ...t.args.map((a) => (a.kind === 'literal' ? a.text : { pv: a.spec.raw }))]),
    ctx: s.context,
  };
}

describe('parsePvSpec: shapes', () => {
  const cases: Array<[string, unknown]> = [
    ['$si', { name: 'si', param: null, index: null, tr: [], ctx: null }],
    ['$ru', { name: 'ru', param: null, index: null, tr: [], ctx: null }],
    ['$var(x)', { name: 'var', param: 'x', index: null, tr: [], ctx: null }],
    ['$avp(name)', { name: 'avp', param: 'name', index: null, tr: [], ctx: null }],
    ['$hdr(From)', { name: 'hdr', param: 'From', index: null, tr: [], ctx: null }],
    ['$(hdr(From)[-1])', { name: 'hdr', param: 'From', index: -1, tr: [], ctx: null }],
    ['$(hdr(Via)[*])', { name: 'hdr', param: 'Via', index: 'all', tr: [], ctx: null }],
    ['$(ct[2])', { name: 'ct', param: null, index: 2, tr: [], ctx: null }],
    ['$(avp(x)[append])', { name: 'avp', param: 'x', index: 'append', tr: [], ctx: null }],
    [
      '$(ct[$var(i)]{nameaddr.uri}{uri.host})',
      { name: 'ct', param: null, index: { pv: '$var(i)' }, tr: [['nameaddr.uri'], ['uri.host']], ctx: null },
    ],
    ['$(avp(failed_no){s.int})', { name: 'avp', param: 'failed_no', index: null, tr: [['s.int']], ctx: null }],
    ['$param(1)', { name: 'param', param: '1', index: null, tr: [], ctx: null }],
    ['$DLG_status', { name: 'DLG_status', param: null, index: null, tr: [], ctx: null }],
    ['$T_reply_code', { name: 'T_reply_code', param: null, index: null, tr: [], ctx: null }],
    ['$socket_in(port)', { name: 'socket_in', param: 'port', index: null, tr: [], ctx: null }],
    ['$err.class', { name: 'err.class', param: null, index: null, tr: [], ctx: null }],
    ['$rl_count(name)', { name: 'rl_count', param: 'name', index: null, tr: [], ctx: null }],
    ['$avp($var(n))', { name: 'avp', param: { pv: '$var(n)' }, index: null, tr: [], ctx: null }],
    ['$avp($(var(n){s.tolower}))', { name: 'avp', param: { pv: '$(var(n){s.tolower})' }, index: null, tr: [], ctx: null }],
    ['$avp($var(n)_x)', { name: 'avp', param: { format: ['$var(n)', '_x'] }, index: null, tr: [], ctx: null }],
    ['$(ct.fields(uri)[1])', { name: 'ct.fields', param: 'uri', index: 1, tr: [], ctx: null }],
    ['$(isup_param(Forward Call Indicators)[1])', { name: 'isup_param', param: 'Forward Call Indicators', index: 1, tr: [], ctx: null }],
    ['$hdr(X-(a)b)', { name: 'hdr', param: 'X-(a)b', index: null, tr: [], ctx: null }],
    ['$(<request>ru)', { name: 'ru', param: null, index: null, tr: [], ctx: 'request' }],
    ['$(<reply>hdr(Contact))', { name: 'hdr', param: 'Contact', index: null, tr: [], ctx: 'reply' }],
    ['$$', { name: '$', param: null, index: null, tr: [], ctx: null }],
    ['$($)', { name: '$', param: null, index: null, tr: [], ctx: null }],
    ['$(var(x){s.substr,0,$var(x)})', { name: 'var', param: 'x', index: null, tr: [['s.substr', '0', { pv: '$var(x)' }]], ctx: null }],
    ['$(var(x){s.substr, -3 , + 2})', { name: 'var', param: 'x', index: null, tr: [['s.substr', '-3', '2']], ctx: null }],
    ['$(var(x){re.subst,/a/b/g})', { name: 'var', param: 'x', index: null, tr: [['re.subst', '/a/b/g']], ctx: null }],
    ['$(var(x){re.subst,/^([0-9]{3})(.*)$/\\2\\,\\1/})', { name: 'var', param: 'x', index: null, tr: [['re.subst', '/^([0-9]{3})(.*)$/\\2\\,\\1/']], ctx: null }],
    ['$(var(x){re.subst,$var(expr)})', { name: 'var', param: 'x', index: null, tr: [['re.subst', { pv: '$var(expr)' }]], ctx: null }],
    ['$(var(x){param.value,tag})', { name: 'var', param: 'x', index: null, tr: [['param.value', 'tag']], ctx: null }],
    ['$(var(x){param.value,$var(k)})', { name: 'var', param: 'x', index: null, tr: [['param.value', { pv: '$var(k)' }]], ctx: null }],
    ['$(var(x){s.select,1,,})', { name: 'var', param: 'x', index: null, tr: [['s.select', '1', ',']], ctx: null }],
    ['$(var(x){s.select,-1,;})', { name: 'var', param: 'x', index: null, tr: [['s.select', '-1', ';']], ctx: null }],
    ['$(var(x){s.fill.left, "ab" ,5})', { name: 'var', param: 'x', index: null, tr: [['s.fill.left', 'ab', '5']], ctx: null }],
    ["$(var(x){s.fill.right,' ',8})", { name: 'var', param: 'x', index: null, tr: [['s.fill.right', ' ', '8']], ctx: null }],
    ['$(var(x){s.fill.left,0,8})', { name: 'var', param: 'x', index: null, tr: [['s.fill.left', '0', '8']], ctx: null }],
    ['$(var(x){s.index,@})', { name: 'var', param: 'x', index: null, tr: [['s.index', '@']], ctx: null }],
    ['$(var(x){s.rindex,ab,-2})', { name: 'var', param: 'x', index: null, tr: [['s.rindex', 'ab', '-2']], ctx: null }],
    ['$(var(x){nameaddr.1.uri})', { name: 'var', param: 'x', index: null, tr: [['nameaddr.uri', '1']], ctx: null }],
    ['$(var(x){nameaddr.-1.name})', { name: 'var', param: 'x', index: null, tr: [['nameaddr.name', '-1']], ctx: null }],
    ['$(var(x){nameaddr.$var(i).param,tag})', { name: 'var', param: 'x', index: null, tr: [['nameaddr.param', { pv: '$var(i)' }, 'tag']], ctx: null }],
    ['$(var(x){nameaddr.param,tag})', { name: 'var', param: 'x', index: null, tr: [['nameaddr.param', 'tag']], ctx: null }],
    ['$(var(x){URI.Host})', { name: 'var', param: 'x', index: null, tr: [['uri.host']], ctx: null }],
    ['$(var(x){s.int} {s.len})', { name: 'var', param: 'x', index: null, tr: [['s.int'], ['s.len']], ctx: null }],
    ['$(var(x){ip.matches,10.0.0.0/8})', { name: 'var', param: 'x', index: null, tr: [['ip.matches', '10.0.0.0/8']], ctx: null }],
    ['$(var(x){csv.value,-1})', { name: 'var', param: 'x', index: null, tr: [['csv.value', '-1']], ctx: null }],
    ['$(var(x){json.path,/a/b})', { name: 'var', param: 'x', index: null, tr: [['json.path', '/a/b']], ctx: null }],
    ['$(var(x){s.substr,0,$(var(n){s.int})})', { name: 'var', param: 'x', index: null, tr: [['s.substr', '0', { pv: '$(var(n){s.int})' }]], ctx: null }],
  ];
  it.each(cases)('%s', (text, expected) => {
    const spec = parsePvSpec(text);
    expect(show(spec)).toEqual(expected);
    expect(spec.raw).toBe(text);
    expect(spec.offset).toBe(0);
  });

  it('gives nested specs absolute offsets and raw text', () => {
    const s = parsePvSpec('$(ct[$var(i)]{nameaddr.uri}{uri.host})');
    expect(s.index).toEqual({ kind: 'pv', spec: expect.objectContaining({ raw: '$var(i)', offset: 5 }) });
    expect(s.transforms.map((t) => t.offset)).toEqual([13, 27]);
  });
});

describe('parsePvSpec: errors with offsets', () => {
  const cases: Array<[string, string, number]> = [
    ['$', "unterminated pseudo-variable: expected a name after '$'", 1],
    ['$ x', "unknown pseudo-variable syntax at ' ': expected a name after '$' (write '$$' for a literal dollar sign)", 1],
    ['$(', "unterminated pseudo-variable: expected a name after '$('", 2],
    ['$(ct', "unterminated '$(': expected ')' to close the pseudo-variable opened at offset 0", 4],
    ['$(ct[2]', "unterminated '$(': expected ')' to close the pseudo-variable opened at offset 0", 7],
    ['$(ct[2', "unterminated '[' in $(ct...): expected ']'", 4],
    ['$(ct[])', 'empty index in $(ct[])', 4],
    ['$(ct[x])', "invalid index 'x': expected an integer, '*' or a pseudo-variable", 5],
    ['$(ct[-])', "invalid index '-': expected digits after '-'", 5],
    ['$(ct[1x])', "invalid index '1x': expected an integer, '*' or a pseudo-variable", 6],
    ['$hdr(From', "unterminated '(' after $hdr: expected ')'", 4],
    ['$hdr()', 'empty name in $hdr(): write a name between the parentheses', 4],
    ['$hdr(From)[-1]', 'an index needs the long form: write $(hdr(From)[-1]) (OpenSIPS ends the short form at the closing parenthesis)', 10],
    ['$si x', "unexpected ' ' after pseudo-variable $si", 3],
    ['$(ct{s.int', "unterminated '{': expected '}' to close the transformation", 4],
    ['$(ct{s.int)', "unterminated '{': expected '}' to close the transformation", 4],
    ['$(ct{sint})', "invalid transformation 'sint': expected 'class.name' such as 's.int' or 'uri.host'", 5],
    ['$(ct{.int})', "invalid transformation: missing class before '.'", 5],
    ['$(ct{s.})', "invalid transformation 's.': missing name after '.'", 7],
    ['$(ct{s.int}x)', "unexpected 'x' in pseudo-variable: expected '{' or ')'", 11],
    ['$(ct x)', "unexpected ' ' in pseudo-variable: expected '(', '[', '{' or ')'", 4],
    ['$(var(x){s.substr,1})', 's.substr needs 2 arguments, got 1', 19],
    ['$(var(x){s.substr,a,1})', "s.substr: expected an integer or a pseudo-variable, found 'a'", 18],
    ['$(var(x){s.substr,1,2,3})', 'too many arguments for s.substr (at most 2)', 21],
    ['$(var(x){s.int,1})', 'transformation s.int takes no arguments', 14],
    ['$(var(x){s.select,1,ab})', "s.select: the separator must be a single character, found more after 'a'", 21],
    ['$(var(x){s.fill.left,$var(p),3})', 's.fill.left does not accept a pseudo-variable as padding', 21],
    ['$(var(x){s.fill.left,"",3})', 's.fill.left: empty padding (quotes with nothing inside)', 21],
    ['$(var(x){s.fill.left,a,$var(n)})', 's.fill.left does not accept a pseudo-variable here', 23],
    ['$(var(x){uri.param,a b})', "unexpected 'b' in uri.param: expected ',' or '}'", 21],
    ['$(var(x){uri.param,})', 'uri.param: empty argument', 19],
    ['$(var(x){re.subst,/a,b/c/})', "re.subst: unescaped ',' inside the expression; write '\\,'", 20],
    ['$(var(x){nameaddr.param,$var(p)})', 'nameaddr.param does not accept a pseudo-variable here', 24],
    ['$(var(x){nameaddr.1x.uri})', "expected '.' after the nameaddr index, found 'x'", 19],
    ['$(var(x){s.substr,0,$var(y})', "unterminated '{': expected '}' to close s.substr", 8],
    ['$(var(x){s.substr,0,$var(y}))', "unexpected ')' in s.substr: expected ',' or '}'", 28],
    ['$(<request', "expected '>' to close the context name, found end of text", 10],
    ['$(<>ru)', 'empty context name in <>', 3],
    ['$($x)', "expected ')' after '$($', found 'x'", 3],
    ['si', "a pseudo-variable starts with '$', found 's'", 0],
    ['$(ct[99999999999])', "index '99999999999' is out of range", 5],
  ];
  it.each(cases)('%s', (text, message, offset) => {
    const e = err(text);
    expect(e.message).toBe(message);
    expect(e.offset).toBe(offset);
  });
});

describe('parseFormat', () => {
  const view = (t: string): unknown => parseFormat(t).map((p) => (p.kind === 'text' ? p.text : { pv: p.spec.raw, at: p.spec.offset }));
  it('splits text and pseudo-variables', () => {
    expect(view('authF_$si')).toEqual(['authF_', { pv: '$si', at: 6 }]);
    expect(view('$si\n')).toEqual([{ pv: '$si', at: 0 }, '\n']);
    expect(view('retcode=$retcode)')).toEqual(['retcode=', { pv: '$retcode', at: 8 }, ')']);
    expect(view('host is $var(host)\n')).toEqual(['host is ', { pv: '$var(host)', at: 8 }, '\n']);
    expect(view('$rm from $fu to $(tu{uri.user})!')).toEqual([
      { pv: '$rm', at: 0 },
      ' from ',
      { pv: '$fu', at: 9 },
      ' to ',
      { pv: '$(tu{uri.user})', at: 16 },
      '!',
    ]);
  });
  it('treats $$ as a literal dollar spec', () => {
    expect(view('cost: 5$$')).toEqual(['cost: 5', { pv: '$$', at: 7 }]);
  });
  it('ends a short form at the closing parenthesis, as OpenSIPS', () => {
    expect(view('$hdr(From)[-1]')).toEqual([{ pv: '$hdr(From)', at: 0 }, '[-1]']);
  });
  it('returns no parts for empty text and one text part without $', () => {
    expect(parseFormat('')).toEqual([]);
    expect(parseFormat('plain text')).toEqual([{ kind: 'text', text: 'plain text' }]);
  });
  it('reports a bad spec with its offset in the whole format', () => {
    const e = err('abc $ def', parseFormat);
    expect(e.offset).toBe(5);
    expect(e.message).toBe("unknown pseudo-variable syntax at ' ': expected a name after '$' (write '$$' for a literal dollar sign)");
    expect(err('x $(ct{s.int}', parseFormat).message).toBe("unterminated '$(': expected ')' to close the pseudo-variable opened at offset 2");
  });
  it('keeps a trailing dot in the name (OpenSIPS reads it as part of the name)', () => {
    expect(view('from $si.')).toEqual(['from ', { pv: '$si.', at: 5 }]);
  });
});

describe('parsePvSpecAt', () => {
  it('parses from an offset and reports the end', () => {
    const r = parsePvSpecAt('xx $var(a)yy', 3);
    expect(r.end).toBe(10);
    expect(r.spec.raw).toBe('$var(a)');
    expect(r.spec.offset).toBe(3);
  });
});

describe('robustness', () => {
  it('throws only PvSyntaxError on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const text = '$' + s;
        for (const f of [parsePvSpec, parseFormat]) {
          try {
            f(text);
          } catch (e) {
            if (!(e instanceof PvSyntaxError)) throw e;
            expect(e.offset).toBeGreaterThanOrEqual(0);
            expect(e.offset).toBeLessThanOrEqual(text.length);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('throws only PvSyntaxError on random mixes of the syntax characters', () => {
    const alphabet = fc.constantFrom('$', '(', ')', '[', ']', '{', '}', ',', '.', 's', 'i', 'n', 't', 'v', 'a', 'r', '1', '-', '*', '\\', ' ', '/', '<', '>');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        const text = '$' + chars.join('');
        try {
          parsePvSpec(text);
        } catch (e) {
          if (!(e instanceof PvSyntaxError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });
  it('parses long inputs (nested names are parsed in place, never copied)', () => {
    const many = 'x$avp($var(n))'.repeat(20000);
    const parts = parseFormat(many);
    expect(parts.length).toBe(40000);
    const last = parts[39999];
    expect(last.kind === 'pv' && last.spec.param).toEqual({ kind: 'dynamic', spec: expect.objectContaining({ raw: '$var(n)', offset: 14 * 19999 + 6 }) });
    const deep = '$(var(x)' + '{s.int}'.repeat(20000) + ')';
    expect(parsePvSpec(deep).transforms.length).toBe(20000);
  });
  it('refuses absurd nesting with a PvSyntaxError instead of exhausting the stack', () => {
    const nested = '$avp('.repeat(5000) + 'x' + ')'.repeat(5000);
    const e = err(nested);
    expect(e.message).toBe('pseudo-variables nested more than 32 levels deep');
    expect(e.offset).toBe(32 * 5);
    const ok = '$avp('.repeat(10) + 'x' + ')'.repeat(10);
    expect(parsePvSpec(ok).raw).toBe(ok);
  });
});

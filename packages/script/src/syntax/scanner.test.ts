/**
 * The hand-written scanner must tokenize exactly as chevrotain's Lexer does for the same
 * token definitions: same types, images, positions, error-group tokens and stray-character
 * errors. Compared on every script in the repository, the talk's snippets, the broken
 * corpus, and generated noise built from the language's own fragments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { ILexingResult, IToken } from 'chevrotain';
import { sharedDir } from '@tsips/test-support';
import { createLexer } from './lexer';
import { scan } from './scanner';

const reference = createLexer();

interface Shape {
  tokens: unknown[];
  errorTokens: unknown[];
  errors: unknown[];
}

const tokenShape = (t: IToken): unknown[] => [
  t.tokenType.name, t.image, t.startOffset, t.endOffset, t.startLine, t.endLine, t.startColumn, t.endColumn, t.tokenTypeIdx,
];

function viaChevrotain(text: string): Shape {
  const r: ILexingResult = reference.tokenize(text);
  return {
    tokens: r.tokens.map(tokenShape),
    errorTokens: ((r.groups['errors'] ?? []) as IToken[]).map(tokenShape),
    errors: r.errors.map((e) => [e.offset, e.length, e.line, e.column]),
  };
}

function viaScanner(text: string): Shape {
  const r = scan(text, 'x.cfg');
  return {
    tokens: r.tokens.map(tokenShape),
    errorTokens: r.errorTokens.map(tokenShape),
    errors: r.errors.map((e) => [e.offset, e.length, e.line, e.column]),
  };
}

function cfgFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...cfgFiles(p));
    else if (/\.(cfg|inc)$/.test(e.name)) out.push(p);
  }
  return out;
}

const repo = path.join(__dirname, '..', '..', '..', '..');
const files = [
  ...cfgFiles(path.join(repo, 'examples')),
  ...cfgFiles(path.join(__dirname, 'fixtures')),
  ...cfgFiles(path.join(__dirname, '..', 'testkit', 'fixtures')),
  ...cfgFiles(sharedDir('seed', 'snippets')),
];

describe('scanner agrees with chevrotain', () => {
  it('finds the scripts it compares on', () => {
    expect(files.length).toBeGreaterThan(25);
  });

  it.each(files.map((f) => [path.relative(repo, f), f]))('%s', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8');
    const mine = viaScanner(text);
    expect(mine).toEqual(viaChevrotain(text));
    expect(mine.tokens.length).toBeGreaterThan(0);
  });

  it.each([
    ['CRLF line ends and a comment ending in \\r', 'route {\r\n  # note\r\n  $var(a) = "x\r\ny";\r\n}\r\n'],
    ['lone \\r line ends', 'a\rb\r\r"c\rd"\re'],
    ['stray characters shift nothing but the error', 'x = @@ 1; `y` ?\n$var(a) ~ b'],
    ['unterminated things', '"abc\n\'x\n/* a /* b */\n// c\n$(a\n$\n'],
    ['keywords and their longer identifiers', 'route routes if ifx in int include_file import_file no not nothing on one off null NULL Null mem-group mem-groupx'],
    ['addresses and numbers', '10.0.0.1/8 ::1 fe80::1/64 1.2.3.4abc 0x1F 017 09 0 5060 dead:beef deadbeef 1.2.3'],
    ['operators longest first', 'a&&b||c==d!=e=~f!~g<=h>=i<<j>>k:=l+=m-=n*=o/=p%=q&=r|=s^=t=u<v>w!x&y|z^a~b+c-d*e/f%g:h;i,j.k(l)m{n}o[p]'],
    ['line continuation and odd whitespace', 'a \\\n b \\\r\n c \\ d \f\b\uFEFF e'],
  ])('%s', (_name, text) => {
    expect(viaScanner(text)).toEqual(viaChevrotain(text));
  });

  it('on generated noise made of script fragments', () => {
    const fragment = fc.constantFrom(
      ' ', '\n', '\r\n', '\r', '\t', '#c\n', '/*', '*/', '//', '"', "'", '\\', '\\\n', '$', '$var(x)', '$(ct[0])', '$hdr(a)[1]',
      '(', ')', '[', ']', '{', '}', ';', ',', '.', ':', '=', '==', '!', '~', '&', '|', '^', '<', '>', '+', '-', '*', '/', '%',
      'route', 'if', 'in', 'no', 'not', 'on', 'null', 'NULL', 'mem-group', 'abc', 'x1_', 'fe80', '::', '1', '0', '09', '0x',
      '10.0.0.1', '1.2', '@', '`', '?', 'é', '\u00a0',
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(viaScanner(text)).toEqual(viaChevrotain(text));
      }),
      { numRuns: 1500 },
    );
  });
});

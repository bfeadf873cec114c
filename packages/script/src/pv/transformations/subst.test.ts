import { parsePvSpec } from '../pv-syntax';
import { compilePosixEre, posixEreToJsSource, PosixRegexError } from './posix-regex';
import { findTransform } from './registry';
import { parseSubst, runSubst, SubstError } from './subst';
import { chain, tr } from './test-helpers';

describe('re.subst', () => {
  it('replaces the first match, or every match with g', () => {
    expect(tr('re.subst', 'aXbXc', '/X/-/')).toBe('a-bXc');
    expect(tr('re.subst', 'aXbXc', '/X/-/g')).toBe('a-b-c');
    expect(tr('re.subst', 'aXbxc', '/x/-/gi')).toBe('a-b-c');
  });
  it('uses back-references and \\0 for the whole match', () => {
    expect(tr('re.subst', '12345678', '/^([0-9]{3})(.*)$/\\2-\\1/')).toBe('45678-123');
    expect(tr('re.subst', 'abc', '/b/[\\0]/')).toBe('a[b]c');
    expect(chain('$(var(x){re.subst,/^\\+?([0-9]+)$/00\\1/})', '+4930123')).toBe('004930123');
  });
  it('leaves the value unchanged when nothing matches', () => {
    expect(tr('re.subst', 'abc', '/x/y/')).toBe('abc');
    expect(tr('re.subst', 42, '/x/y/')).toBe(42);
  });
  it('supports any separator, escaped separators and POSIX classes', () => {
    expect(tr('re.subst', 'a/b', '#/#:#')).toBe('a:b');
    expect(tr('re.subst', 'a/b', '/\\//:/')).toBe('a:b');
    expect(tr('re.subst', 'ab12cd', '/[[:digit:]]+/#/')).toBe('ab#cd');
    expect(tr('re.subst', 'a b\tc', '/[[:space:]]/_/g')).toBe('a_b_c');
  });
  it('expands \\n \\t, \\u (Request-URI) and pseudo-variables in the replacement', () => {
    const def = findTransform('re.subst')!;
    const env = {
      requestUri: () => 'sip:r@example.com',
      evalPv: (s: { raw: string }) => (s.raw === '$var(d)' ? 'example.net' : null),
    };
    expect(def.apply('user@host', ['/@.*$/@$var(d)/'], env as never)).toBe('user@example.net');
    expect(def.apply('x', ['/x/\\u/'], env as never)).toBe('sip:r@example.com');
    expect(def.apply('a', ['/a/1\\t2/'], env as never)).toBe('1\t2');
    expect(def.apply('a', ['/a/\\$x/'], env as never)).toBe('$x');
    expect(def.apply('a', ['/a/[$var(none)]/'], env as never)).toBe('[]');
  });
  it('parses {} inside the expression and drops the backslash of \\{ \\}', () => {
    const s = parsePvSpec('$(var(x){re.subst,/[0-9]{2}/N/g})');
    expect(s.transforms[0].args).toEqual([{ kind: 'literal', text: '/[0-9]{2}/N/g' }]);
    expect(chain('$(var(x){re.subst,/[0-9]{2}/N/g})', 'a123b4567')).toBe('aN3bNN');
    expect(chain('$(var(x){re.subst,/[0-9]\\{3\\}/N/})', 'a1234')).toBe('aN4');
    expect(chain('$(var(x){re.subst,/a\\,b/X/})', 'za,bz')).toBe('zXz');
  });
  it('handles empty matches with g without looping', () => {
    expect(tr('re.subst', 'abc', '/x*/-/g')).toBe('-a-b-c-');
  });
  it('bad expressions give NULL at run time and a message at load', () => {
    expect(tr('re.subst', 'abc', '/(/x/')).toBeNull();
    expect(tr('re.subst', 'abc', '/a/b')).toBeNull();
    expect(tr('re.subst', 'abc', 'ab')).toBeNull();
    expect(tr('re.subst', 'abc', '/a/b/q')).toBeNull();
    expect(tr('re.subst', '', '/a/b/')).toBeNull();
    expect(tr('re.subst', null, '/a/b/')).toBeNull();
    const check = findTransform('re.subst')!.checkArgs!;
    expect(check(['/a/b/'])).toBeUndefined();
    expect(check([undefined])).toBeUndefined();
    expect(check(['/a/b/q'])).toBe("re.subst: unknown flag 'q'");
    expect(check(['/a/b'])).toBe("re.subst: no closing '/' after the replacement");
    expect(check(['/(/x/'])).toBe("re.subst: bad regular expression '(': unmatched '('");
    expect(check(['/a/\\1/'])).toBe('re.subst: replacement uses \\1 but the expression has 0 group(s)');
    expect(check(['\\a\\b\\'])).toBe("re.subst: '\\' cannot be the separator");
  });
  it('parseSubst / runSubst can be used directly', () => {
    const se = parseSubst('/(a)(b)?/<\\1\\2>/g');
    expect(se.global).toBe(true);
    expect(runSubst(se, 'xaabz')).toBe('x<a><ab>z');
    expect(runSubst(se, 'zzz')).toBeNull();
    expect(() => parseSubst('/a/$/')).toThrow(SubstError);
  });
});

describe('POSIX ERE translation', () => {
  it('translates classes and GNU escapes', () => {
    expect(posixEreToJsSource('[[:alpha:]_][[:alnum:]]*')).toBe('[A-Za-z_][0-9A-Za-z]*');
    expect(posixEreToJsSource('[]a]')).toBe('[\\]a]');
    expect(posixEreToJsSource('[^]a]')).toBe('[^\\]a]');
    expect(posixEreToJsSource('[a\\]')).toBe('[a\\\\]');
    expect(posixEreToJsSource('\\<w\\>')).toBe('\\b(?=\\w)w\\b(?<=\\w)');
    expect(posixEreToJsSource('a{2,3}b{x')).toBe('a{2,3}b\\{x');
    expect(posixEreToJsSource('a)b')).toBe('a\\)b');
  });
  it('matches case-insensitively and per line like regcomp flags', () => {
    expect(compilePosixEre('friendly-scanner', { icase: true }).test('Friendly-Scanner')).toBe(true);
    expect(compilePosixEre('^b', { newline: true }).test('a\nb')).toBe(true);
    expect(compilePosixEre('^b').test('a\nb')).toBe(false);
    expect(compilePosixEre('a.b').test('a\nb')).toBe(true);
    expect(compilePosixEre('a.b', { newline: true }).test('a\nb')).toBe(false);
  });
  it('refuses what regcomp refuses', () => {
    expect(() => posixEreToJsSource('[[:nope:]]')).toThrow(new PosixRegexError("unknown character class '[:nope:]'", 1));
    expect(() => posixEreToJsSource('[abc')).toThrow(PosixRegexError);
    expect(() => posixEreToJsSource('(a')).toThrow(PosixRegexError);
    expect(() => posixEreToJsSource('a\\')).toThrow(PosixRegexError);
    expect(() => posixEreToJsSource('a{3,1}')).toThrow(PosixRegexError);
  });
});

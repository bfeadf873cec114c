import { chain, tr } from './test-helpers';
import { findTransform } from './registry';

describe('NULL input stays NULL for every s.* transformation', () => {
  const names = [
    's.len', 's.int', 's.md5', 's.crc32', 's.reverse', 's.tolower', 's.toupper', 's.encode.hexa', 's.decode.hexa',
    's.hex2dec', 's.dec2hex', 's.date2unix', 's.escape.common', 's.unescape.common', 's.escape.user', 's.unescape.user',
    's.escape.param', 's.unescape.param', 's.b64encode', 's.b64decode', 's.trim', 's.trimr', 's.triml', 's.sha1',
    's.sha224', 's.sha256', 's.sha384', 's.sha512', 's.eval',
  ];
  it.each(names)('%s', (n) => expect(tr(n, null)).toBeNull());
  it('with arguments too', () => {
    expect(tr('s.substr', null, '0', '1')).toBeNull();
    expect(tr('s.select', null, '0', ',')).toBeNull();
    expect(tr('s.index', null, 'a')).toBeNull();
    expect(tr('s.fill.left', null, '0', '5')).toBeNull();
    expect(tr('s.width', null, '5')).toBeNull();
    expect(tr('s.xor', null, 'k')).toBeNull();
    expect(tr('s.sha1_hmac', null, 'k')).toBeNull();
  });
});

describe('s.len / s.int', () => {
  it.each([
    ['abc', 3],
    ['', 0],
    [12345, 5],
    [-7, 2],
    ['\u00e9', 1],
    ['\u20ac', 3],
  ])('s.len %p -> %p', (v, r) => expect(tr('s.len', v)).toBe(r));
  it.each([
    ['12abc', 12],
    ['abc', 0],
    ['', 0],
    ['-5x', -5],
    ['+8', 8],
    [' 3', 0],
    [42, 42],
  ])('s.int %p -> %p', (v, r) => expect(tr('s.int', v)).toBe(r));
});

describe('hashes', () => {
  it('s.md5', () => {
    expect(tr('s.md5', 'abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(tr('s.md5', '')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(tr('s.md5', 1)).toBe('c4ca4238a0b923820dcc509a6f75849b');
  });
  it('s.crc32 is the CRC-32 register without the final inversion, in decimal', () => {
    // standard CRC-32("abc") = 0x352441c2; OpenSIPS returns its complement
    expect(tr('s.crc32', 'abc')).toBe(String(~0x352441c2 >>> 0));
    expect(tr('s.crc32', '')).toBe('4294967295');
  });
  it('s.sha*', () => {
    expect(tr('s.sha1', 'abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(tr('s.sha256', 'abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(tr('s.sha224', 'abc')).toBe('23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7');
    expect((tr('s.sha384', 'abc') as string).slice(0, 16)).toBe('cb00753f45a35e8b');
    expect((tr('s.sha512', 'abc') as string).slice(0, 16)).toBe('ddaf35a193617aba');
  });
  it('s.sha*_hmac', () => {
    expect(tr('s.sha256_hmac', 'The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
    expect(tr('s.sha1_hmac', 'The quick brown fox jumps over the lazy dog', 'key')).toBe('de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9');
    expect(tr('s.sha256_hmac', 'x', '')).toBeNull(); // empty key from a variable: OpenSIPS refuses it
    expect(chain('$(var(x){s.md5}{s.len})', 'anything')).toBe(32);
  });
});

describe('case, reverse, trim', () => {
  it('s.tolower / s.toupper touch ASCII letters only and leave integers alone', () => {
    expect(tr('s.tolower', 'AbC-\u00c4')).toBe('abc-\u00c4');
    expect(tr('s.toupper', 'abc-z9')).toBe('ABC-Z9');
    expect(tr('s.toupper', 'stra\u00dfe \u00e9')).toBe('STRA\u00dfE \u00e9'); // latin1 letters untouched, no 'SS' expansion
    expect(tr('s.tolower', 'K\u212a')).toBe('k\u212a'); // Kelvin sign is not ASCII
    expect(tr('s.tolower', 5)).toBe('5'); // an integer's decimal text, now a string
    expect(tr('s.toupper', '')).toBe('');
  });
  it('s.reverse', () => {
    expect(tr('s.reverse', 'abc')).toBe('cba');
    expect(tr('s.reverse', 123)).toBe('321');
    expect(tr('s.reverse', '')).toBe('');
  });
  it('s.trim / s.trimr / s.triml strip space, tab, CR and LF', () => {
    expect(tr('s.trim', ' \t a b \r\n')).toBe('a b');
    expect(tr('s.trimr', '  a b \r\n')).toBe('  a b');
    expect(tr('s.triml', ' \ta b ')).toBe('a b ');
    expect(tr('s.trim', '   ')).toBe('');
    expect(tr('s.trim', 7)).toBe(7);
  });
});

describe('hexa, base64, dec2hex, hex2dec', () => {
  it('s.encode.hexa / s.decode.hexa', () => {
    expect(tr('s.encode.hexa', 'a\u0001\u00ff')).toBe('6101ff');
    expect(tr('s.encode.hexa', '')).toBe('');
    expect(tr('s.encode.hexa', 10)).toBe('3130');
    expect(tr('s.decode.hexa', '6101FF')).toBe('a\u0001\u00ff');
    expect(tr('s.decode.hexa', '616')).toBe('a'); // odd trailing digit ignored
    expect(tr('s.decode.hexa', '61zz')).toBeNull();
    expect(tr('s.decode.hexa', '')).toBe('');
  });
  it('s.b64encode / s.b64decode', () => {
    expect(tr('s.b64encode', 'abc')).toBe('YWJj');
    expect(tr('s.b64encode', 'ab')).toBe('YWI=');
    expect(tr('s.b64encode', 'a')).toBe('YQ==');
    expect(tr('s.b64encode', '')).toBe('');
    expect(tr('s.b64decode', 'YWJj')).toBe('abc');
    expect(tr('s.b64decode', 'YQ==')).toBe('a');
    expect(tr('s.b64decode', 'YW Jj')).toBe('abc'); // characters outside the alphabet are skipped
    expect(tr('s.b64decode', 'YQ')).toBe('a');
    expect(tr('s.b64decode', '!!!')).toBe('');
    expect(tr('s.b64encode', 12)).toBe('MTI='); // the decimal text of an integer
    expect(tr('s.b64decode', 1234)).toBe('\u00d7m\u00f8');
  });
  it('s.hex2dec', () => {
    expect(tr('s.hex2dec', 'ff')).toBe(255);
    expect(tr('s.hex2dec', 'FFFFFFFF')).toBe(-1);
    expect(tr('s.hex2dec', '0x10')).toBeNull();
    expect(tr('s.hex2dec', '')).toBe(0);
    expect(tr('s.hex2dec', 17)).toBe(17);
  });
  it('s.dec2hex', () => {
    expect(tr('s.dec2hex', '255')).toBe('ff');
    expect(tr('s.dec2hex', 255)).toBe('ff');
    expect(tr('s.dec2hex', -1)).toBe('ffffffff');
    expect(tr('s.dec2hex', 'abc')).toBeNull();
    expect(tr('s.dec2hex', '12x')).toBeNull();
    expect(tr('s.dec2hex', '')).toBeNull();
  });
});

describe('escapes', () => {
  it('s.escape.common / s.unescape.common', () => {
    expect(tr('s.escape.common', 'a\'b"c\\d\0')).toBe('a\\\'b\\"c\\\\d\\0');
    expect(tr('s.unescape.common', 'a\\\'b\\"c\\\\d\\0\\x')).toBe('a\'b"c\\d\0\\x');
    expect(tr('s.unescape.common', 'end\\')).toBe('end\\');
  });
  it('s.escape.user / s.unescape.user', () => {
    expect(tr('s.escape.user', 'a b@c:d')).toBe('a%20b%40c%3ad');
    expect(tr('s.escape.user', "-_.!~*'()&=+$,;?/")).toBe("-_.!~*'()&=+$,;?/");
    expect(tr('s.escape.user', 'bad\u0001')).toBeNull();
    expect(tr('s.unescape.user', 'a%20b%40C')).toBe('a b@C');
    expect(tr('s.unescape.user', '%4')).toBeNull();
    expect(tr('s.unescape.user', '%zz')).toBeNull();
    expect(tr('s.unescape.user', '%0A')).toBeNull();
    expect(tr('s.unescape.user', '')).toBe('');
  });
  it('s.escape.param / s.unescape.param', () => {
    expect(tr('s.escape.param', 'a b;c=d')).toBe('a%20b%3bc%3dd');
    expect(tr('s.escape.param', '[]/:&+$')).toBe('[]/:&+$');
    expect(tr('s.unescape.param', 'a%3bb')).toBe('a;b');
  });
});

describe('s.substr', () => {
  it.each([
    [1, 2, 'bc'],
    [0, 0, 'abcdef'],
    [2, 0, 'cdef'],
    [-2, 0, 'ef'],
    [-3, 1, 'd'],
    [1, -2, 'bcd'],
    [4, 10, 'ef'],
    [1, -5, ''],
    [5, -3, ''],
    [6, 1, null],
    [10, 1, null],
    [-7, 1, null],
  ])('abcdef{s.substr,%d,%d} -> %p', (i, j, r) => expect(tr('s.substr', 'abcdef', String(i), String(j))).toBe(r));
  it('works on integers and refuses non-integer arguments', () => {
    expect(tr('s.substr', 12345, '1', '2')).toBe('23');
    expect(tr('s.substr', '', '0', '1')).toBeNull();
    expect(tr('s.substr', 'abc', 'x', '1')).toBeNull();
    expect(chain('$(var(x){s.substr,1,$var(n)})', 'abcdef', { '$var(n)': 3 })).toBe('bcd');
    expect(chain('$(var(x){s.substr,1,$var(n)})', 'abcdef', { '$var(n)': null })).toBeNull();
  });
  it('checks literal arguments at load', () => {
    expect(findTransform('s.substr')!.checkArgs!(['1', 'x'])).toBe("s.substr: length must be an integer, got 'x'");
    expect(findTransform('s.substr')!.checkArgs!(['1', undefined])).toBeUndefined();
  });
});

describe('s.select', () => {
  it.each([
    ['a,b,c', 0, 'a'],
    ['a,b,c', 1, 'b'],
    ['a,b,c', 2, 'c'],
    ['a,b,c', 3, null],
    ['a,b,c', -1, 'c'],
    ['a,b,c', -3, 'a'],
    ['a,b,c', -4, null],
    ['abc', 0, 'abc'],
    ['', 0, ''],
    ['a,,c', 1, ''],
  ])('%j index %d -> %p', (v, i, r) => expect(tr('s.select', v, String(i), ',')).toBe(r));
  it('parses a comma separator', () => {
    expect(chain('$(var(x){s.select,1,,})', 'x,y')).toBe('y');
    expect(chain('$(var(x){s.select,-1,;})', 'a;b;c')).toBe('c');
  });
});

describe('s.index / s.rindex', () => {
  it('finds forward', () => {
    expect(tr('s.index', 'abcabc', 'bc')).toBe(1);
    expect(tr('s.index', 'abcabc', 'bc', '2')).toBe(4);
    expect(tr('s.index', 'abcabc', 'bc', '-2')).toBe(4);
    expect(tr('s.index', 'abcabc', 'bc', '-8')).toBe(4); // wraps modulo the length
    expect(tr('s.index', 'abcabc', 'x')).toBeNull();
    expect(tr('s.index', 'abcabc', 'bc', '10')).toBeNull();
    expect(tr('s.index', '', 'a')).toBeNull();
    expect(tr('s.index', 'ab', 'abc')).toBeNull();
  });
  it('finds backward', () => {
    expect(tr('s.rindex', 'abcabc', 'bc')).toBe(4);
    expect(tr('s.rindex', 'abcabc', 'bc', '3')).toBe(1);
    expect(tr('s.rindex', 'abcabc', 'bc', '100')).toBe(4);
    expect(tr('s.rindex', 'abcabc', 'x')).toBeNull();
    expect(tr('s.rindex', 'ab', 'abc')).toBeNull();
  });
  it('takes the needle from a variable', () => {
    expect(chain('$(var(x){s.index,$var(n)})', 'user@host', { '$var(n)': '@' })).toBe(4);
    expect(chain('$(var(x){s.index,$var(n)})', 'user@host', { '$var(n)': '' })).toBeNull();
  });
});

describe('s.fill.* and s.width', () => {
  it('pads left', () => {
    expect(tr('s.fill.left', '5', '0', '3')).toBe('005');
    expect(tr('s.fill.left', 5, '0', '3')).toBe('005');
    expect(tr('s.fill.left', 'abc', '0', '2')).toBe('abc');
    expect(tr('s.fill.left', '7', 'ab', '6')).toBe('babab7');
    expect(chain('$(var(x){s.fill.left," ",4})', 'ab')).toBe('  ab');
  });
  it('pads right', () => {
    expect(tr('s.fill.right', '7', 'ab', '6')).toBe('7ababa');
    expect(tr('s.fill.right', 'x', '-', '3')).toBe('x--');
    expect(chain("$(var(x){s.fill.right,' ',3})", 'a')).toBe('a  ');
  });
  it('sets a width', () => {
    expect(tr('s.width', 'abc', '5')).toBe('abc  ');
    expect(tr('s.width', 'abcdef', '3')).toBe('abc');
    expect(tr('s.width', 'abc', '0')).toBeNull();
    expect(findTransform('s.width')!.checkArgs!(['-1'])).toBe('s.width: width must not be negative');
  });
});

describe('s.xor, s.date2unix, s.eval', () => {
  it('s.xor cycles the key', () => {
    expect(tr('s.xor', 'abc', '  ')).toBe('ABC');
    expect(tr('s.xor', tr('s.xor', 'secret', 'k1'), 'k1')).toBe('secret');
  });
  it('s.date2unix reads RFC 1123 GMT dates', () => {
    expect(tr('s.date2unix', 'Thu, 01 Jan 1970 00:00:10 GMT')).toBe('10');
    expect(tr('s.date2unix', 'Tue, 15 Nov 1994 08:12:31 GMT')).toBe('784887151');
    expect(tr('s.date2unix', 'yesterday')).toBeNull();
  });
  it('s.eval expands pseudo-variables in the value', () => {
    const env = { evalPv: (s: { raw: string }) => (s.raw === '$var(a)' ? 'A' : null) };
    expect(findTransform('s.eval')!.apply('x=$var(a) y=$var(b)', [], env as never)).toBe('x=A y=<null>');
    expect(tr('s.eval', 'plain')).toBe('plain');
    expect(tr('s.eval', 'bad $')).toBeNull();
  });
});

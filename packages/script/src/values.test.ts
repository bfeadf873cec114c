import {
  arith,
  bitNot,
  compareStrings,
  compareValues,
  intToStr,
  isTruthy,
  strCaseCompare,
  strToIntPrefix,
  strToIntStrict,
  strToUintStrict,
  valueToFormatString,
  valueToString,
} from './values';

describe('string to integer', () => {
  it.each([
    ['123', 123],
    ['-42', -42],
    ['+7', 7],
    ['12abc', 12],
    ['-5x', -5],
    ['abc', 0],
    ['', 0],
    ['-', 0],
    [' 5', 0],
    ['0x1f', 0],
    ['007', 7],
    ['2147483648', -2147483648],
  ])('prefix %j -> %d', (s, n) => expect(strToIntPrefix(s)).toBe(n));

  it.each([
    ['123', 123],
    ['-42', -42],
    ['+7', 7],
    ['12abc', undefined],
    ['', undefined],
    ['-', undefined],
    ['+', undefined],
    [' 1', undefined],
  ])('strict %j -> %p', (s, n) => expect(strToIntStrict(s)).toBe(n));

  it('unsigned strict refuses signs', () => {
    expect(strToUintStrict('42')).toBe(42);
    expect(strToUintStrict('-1')).toBeUndefined();
    expect(strToUintStrict('')).toBeUndefined();
  });

  it('renders integers in decimal', () => {
    expect(intToStr(-12)).toBe('-12');
    expect(intToStr(0)).toBe('0');
  });
});

describe('value views', () => {
  it('prints NULL as <null> in formats and as empty elsewhere', () => {
    expect(valueToFormatString(null)).toBe('<null>');
    expect(valueToString(null)).toBe('');
    expect(valueToFormatString(5)).toBe('5');
    expect(valueToString('x')).toBe('x');
  });
});

describe('truthiness', () => {
  it.each([
    [null, false],
    ['', false],
    [0, false],
    [1, true],
    [-1, true],
    ['0', true],
    ['abc', true],
  ])('%p -> %p', (v, t) => expect(isTruthy(v)).toBe(t));
});

describe('comparisons', () => {
  it('compares strings case-insensitively', () => {
    expect(compareStrings('==', 'ABC', 'abc')).toBe(1);
    expect(compareStrings('!=', 'ABC', 'abd')).toBe(1);
    expect(compareStrings('<', 'abc', 'ABD')).toBe(1);
    expect(compareStrings('<', 'ab', 'abc')).toBe(1);
    expect(compareStrings('>=', 'abc', 'ABC')).toBe(1);
    expect(compareStrings('>', 'abc', 'ABC')).toBe(0);
    expect(strCaseCompare('a', 'B')).toBe(-1);
  });

  it('compares integers numerically', () => {
    expect(compareValues('<', 9, 10, 'constant')).toBe(1);
    expect(compareValues('==', 10, 10, 'variable')).toBe(1);
    expect(compareValues('>=', -1, 0, 'variable')).toBe(0);
  });

  it('compares an integer value with a string as strings', () => {
    expect(compareValues('==', 5, '5', 'constant')).toBe(1);
    expect(compareValues('==', 5, '05', 'variable')).toBe(0);
    expect(compareValues('<', 10, '9', 'constant')).toBe(1); // "10" < "9" as text
  });

  it('refuses a string value against an integer constant (OpenSIPS: invalid operation)', () => {
    expect(compareValues('==', '5', 5, 'constant')).toBe(-1);
    expect(compareValues('!=', 'abc', 5, 'constant')).toBe(-1);
  });

  it('compares a string variable and an integer variable as strings', () => {
    expect(compareValues('==', '5', 5, 'variable')).toBe(1);
  });

  it('handles NULL like OpenSIPS', () => {
    expect(compareValues('==', null, null, 'constant')).toBe(1);
    expect(compareValues('!=', null, null, 'constant')).toBe(0);
    expect(compareValues('==', 'x', null, 'constant')).toBe(0);
    expect(compareValues('!=', 'x', null, 'constant')).toBe(1);
    expect(compareValues('>', 'x', null, 'constant')).toBe(1);
    expect(compareValues('==', null, null, 'variable')).toBe(1);
    expect(compareValues('<', null, null, 'variable')).toBe(0);
    expect(compareValues('==', null, 'x', 'variable')).toBe(0);
    expect(compareValues('!=', null, 'x', 'variable')).toBe(1);
    expect(compareValues('!=', null, 'x', 'constant')).toBe(1);
    expect(compareValues('<', null, 3, 'constant')).toBe(0);
    expect(compareValues('!=', 'x', null, 'variable')).toBe(1);
  });
});

describe('arithmetic and concatenation', () => {
  it('does 32-bit integer arithmetic', () => {
    expect(arith('+', 2, 3)).toBe(5);
    expect(arith('-', 2, 3)).toBe(-1);
    expect(arith('*', 65536, 65536)).toBe(0);
    expect(arith('+', 2147483647, 1)).toBe(-2147483648);
    expect(arith('/', 7, 2)).toBe(3);
    expect(arith('/', -7, 2)).toBe(-3);
    expect(arith('%', -7, 2)).toBe(-1);
    expect(arith('&', 6, 3)).toBe(2);
    expect(arith('|', 6, 3)).toBe(7);
    expect(arith('^', 6, 3)).toBe(5);
    expect(arith('<<', 1, 4)).toBe(16);
    expect(arith('>>', -16, 2)).toBe(-4);
  });
  it('treats a NULL right operand as 0 and refuses strings and division by zero', () => {
    expect(arith('+', 5, null)).toBe(5);
    expect(arith('+', 5, '1')).toBeUndefined();
    expect(arith('/', 5, 0)).toBeUndefined();
    expect(arith('%', 5, 0)).toBeUndefined();
  });
  it('concatenates when the left side is not an integer', () => {
    expect(arith('+', 'a', 'b')).toBe('ab');
    expect(arith('+', 'a', 1)).toBe('a1');
    expect(arith('+', 'a', null)).toBe('a');
    expect(arith('+', null, 'b')).toBe('b');
    expect(arith('-', 'a', 'b')).toBeUndefined();
  });
  it('combines equal-length strings bytewise for & | ^', () => {
    expect(arith('|', 'AB', '  ')).toBe('ab');
    expect(arith('&', 'ab', '__')).toBe('AB');
    expect(arith('^', 'a', 'a')).toBe('\0');
    expect(arith('&', 'abc', 'ab')).toBeUndefined();
  });
  it('applies ~ to integers only', () => {
    expect(bitNot(0)).toBe(-1);
    expect(bitNot('1')).toBeUndefined();
    expect(bitNot(null)).toBeUndefined();
  });
});

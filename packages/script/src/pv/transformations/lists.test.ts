import { parseCsvRecord } from './csv';
import { parseLooseParams } from './param-list';
import { chain, tr } from './test-helpers';

describe('param.*', () => {
  const s = 'a=1;b=2;c=3';
  it('value by name (case-insensitive), missing is NULL', () => {
    expect(tr('param.value', s, 'c')).toBe('3');
    expect(tr('param.value', s, 'B')).toBe('2');
    expect(tr('param.value', s, 'x')).toBeNull();
    expect(tr('param.value', 'a=0;b=2;ob;c=3', 'ob')).toBe('');
    expect(tr('param.value', 'a="x y";b=2', 'a')).toBe('x y');
    expect(chain('$(var(x){param.value,$var(k)})', s, { '$var(k)': 'a' })).toBe('1');
    expect(chain('$(var(x){param.value,$var(k)})', s, { '$var(k)': '' })).toBeNull();
  });
  it('valueat / name by position, negative from the end', () => {
    expect(tr('param.valueat', s, '1')).toBe('2');
    expect(tr('param.valueat', s, '-1')).toBe('3');
    expect(tr('param.valueat', s, '5')).toBeNull();
    expect(tr('param.valueat', s, '-4')).toBeNull();
    expect(tr('param.valueat', 'a;b=2', '0')).toBe('');
    expect(tr('param.name', s, '1')).toBe('b');
    expect(tr('param.name', s, '-1')).toBe('c');
    expect(tr('param.name', s, '3')).toBeNull();
  });
  it('count and exist return integers', () => {
    expect(tr('param.count', s)).toBe(3);
    expect(tr('param.exist', 'a=0;b=2;ob;c=3', 'ob')).toBe(1);
    expect(tr('param.exist', 'a=0;b=2;ob;c=3', 'foo')).toBe(0);
    expect(tr('param.exists', 'a', 'A')).toBe(1);
    expect(chain('$(var(x){param.count}{s.len})', s)).toBe(1);
  });
  it('OpenSIPS parser quirks', () => {
    expect(tr('param.count', ';a=1')).toBe(2); // a leading ';' makes an empty first name
    expect(tr('param.name', ';a=1', '0')).toBe('');
    expect(tr('param.count', 'a=1, b=2')).toBe(1); // ',' ends the list
    expect(tr('param.count', 'a = 1 ; b ')).toBe(2);
    expect(tr('param.count', ' a=1')).toBeNull(); // OpenSIPS does not skip leading white space
  });
  it('bad lists, empty input and NULL give NULL', () => {
    expect(tr('param.count', 'a=')).toBeNull();
    expect(tr('param.count', 'a;')).toBeNull();
    expect(tr('param.count', 'a=1 b')).toBeNull();
    expect(tr('param.value', 'a="x', 'a')).toBeNull();
    expect(tr('param.count', '')).toBeNull();
    expect(tr('param.count', null)).toBeNull();
    expect(tr('param.exist', null, 'a')).toBeNull();
  });
  it('parseLooseParams keeps flags apart from empty values', () => {
    expect(parseLooseParams('lr;transport=tcp')).toEqual([
      { name: 'lr', value: null },
      { name: 'transport', value: 'tcp' },
    ]);
  });
});

describe('csv.*', () => {
  it('counts and indexes fields', () => {
    expect(tr('csv.count', 'a,b,c')).toBe(3);
    expect(tr('csv.value', 'a,b,c', '1')).toBe('b');
    expect(tr('csv.value', 'a,b,c', '-1')).toBe('c');
    expect(tr('csv.value', 'a,b,c', '3')).toBeNull();
    expect(tr('csv.value', 'a,b,c', '-4')).toBeNull();
    expect(chain('$(var(x){csv.value,$var(i)})', 'a,b', { '$var(i)': 0 })).toBe('a');
  });
  it('follows RFC 4180 quoting', () => {
    expect(parseCsvRecord('"x,y",z')).toEqual(['x,y', 'z']);
    expect(parseCsvRecord('"a""b"')).toEqual(['a"b']);
    expect(parseCsvRecord('a"b,c')).toEqual(['a"b', 'c']);
    expect(parseCsvRecord('a,b\r\n')).toEqual(['a', 'b']);
    expect(parseCsvRecord('a,')).toEqual(['a', '']);
    expect(parseCsvRecord(',')).toEqual(['', '']);
    expect(parseCsvRecord('"a",')).toEqual(['a']); // OpenSIPS quirk: no empty last field after a quoted one
    expect(parseCsvRecord('"a","b"')).toEqual(['a', 'b']);
  });
  it('invalid records, empty input and NULL give NULL', () => {
    expect(tr('csv.count', 'a,"b"c')).toBeNull();
    expect(tr('csv.count', '"open')).toBeNull();
    expect(tr('csv.count', 'a\tb')).toBeNull();
    expect(tr('csv.count', '')).toBeNull();
    expect(tr('csv.count', null)).toBeNull();
  });
});

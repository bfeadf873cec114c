import { globToRegExp } from './glob';
import { strToSint } from './collection';
import { parseCollections, parseLocalUrl } from './config';

describe('globToRegExp (fnmatch without flags)', () => {
  const m = (g: string, s: string) => globToRegExp(g).test(s);
  it.each([
    ['authF_*', 'authF_1.2.3.4', true],
    ['authF_*', 'xauthF_1', false],
    ['*', '', true],
    ['*', 'a/b/.c', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[abc]x', 'bx', true],
    ['[!abc]x', 'bx', false],
    ['[^abc]x', 'dx', true],
    ['k[0-9][0-9]', 'k42', true],
    ['k[0-9]', 'ka', false],
    ['[]]', ']', true],
    ['[[:digit:]]*', '7up', true],
    ['[[:alpha:]]', '1', false],
    ['a[', 'a[', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['a.b', 'aXb', false],
    ['(x)+', '(x)+', true],
    ['a-b', 'a-b', true],
  ])('%s vs %s -> %s', (g, s, want) => {
    expect(m(g, s)).toBe(want);
  });
});

describe('strToSint (OpenSIPS str2sint)', () => {
  it.each([
    ['42', 42], ['-7', -7], ['+5', 5], ['-', 0], ['0', 0], ['', undefined], ['12abc', undefined], [' 1', undefined], ['1.5', undefined],
    ['2147483648', -2147483648],
  ])('%s -> %s', (s, want) => {
    expect(strToSint(s)).toBe(want);
  });
});

describe('cachedb_local configuration', () => {
  it('parses cache_collections as OpenSIPS does', () => {
    expect(parseCollections('collection1/r; collection2/r = 5; default = 4')).toEqual([
      { name: 'collection1', hashSize: 9, replicated: true },
      { name: 'collection2', hashSize: 5, replicated: true },
      { name: 'default', hashSize: 4, replicated: false },
    ]);
    expect(parseCollections('col1=10; col2;')).toEqual([
      { name: 'col1', hashSize: 10, replicated: false },
      { name: 'col2', hashSize: 9, replicated: false },
    ]);
    expect(() => parseCollections('a=1=2')).toThrow("more than one '='");
    expect(() => parseCollections('a=40')).toThrow('invalid hash size <40>');
    expect(() => parseCollections('=4')).toThrow('without a collection name');
  });

  it('parses local URLs: group and collection', () => {
    expect(parseLocalUrl('local://')).toMatchObject({ group: null, collection: 'default' });
    expect(parseLocalUrl('local:///collection1')).toMatchObject({ group: null, collection: 'collection1' });
    expect(parseLocalUrl('local:group2:///collection2')).toMatchObject({ group: 'group2', collection: 'collection2' });
    expect(parseLocalUrl('local:g://')).toMatchObject({ group: 'g', collection: 'default' });
    expect(() => parseLocalUrl('local:/x')).toThrow('bad cachedb_url');
    expect(() => parseLocalUrl('redis:g://127.0.0.1:6379/')).toThrow('not a local:// URL');
  });
});

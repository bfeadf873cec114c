import fc from 'fast-check';
import { ParseError } from '../errors';
import { parseFromTo } from './from-to';

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('parseFromTo', () => {
  it('picks out the tag', () => {
    expect(parseFromTo('Alice <sip:alice@atlanta.com>;tag=1928301774')).toEqual({
      displayName: 'Alice',
      uri: 'sip:alice@atlanta.com',
      params: [{ name: 'tag', value: '1928301774' }],
      raw: 'Alice <sip:alice@atlanta.com>;tag=1928301774',
      tag: '1928301774',
    });
    expect(parseFromTo('sip:caller@example.net;TAG=93334').tag).toBe('93334');
    expect(parseFromTo('<sip:bob@biloxi.com>').tag).toBeNull();
  });

  it('handles RFC 4475 From/To values (wsinv, esc01, esc02, intmeth)', () => {
    expect(parseFromTo('"J Rosenberg \\\\\\""       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8')).toMatchObject({
      displayName: 'J Rosenberg \\"',
      tag: '98asjd8',
    });
    expect(parseFromTo('sip:%75se%72@example.com', 'To')).toMatchObject({ uri: 'sip:%75se%72@example.com', tag: null });
    expect(parseFromTo('"%Z%45" <sip:resource@example.com>;tag=f232jadfj23')).toMatchObject({ displayName: '%Z%45', tag: 'f232jadfj23' });
    expect(parseFromTo("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.").tag).toBe(
      "_token~1'+`*%!-.",
    );
  });

  it('rejects bad values with the header name', () => {
    let e = parseError(() => parseFromTo('Bell, Alexander <sip:a.g.bell@example.com>;tag=43'));
    expect([e.header, e.offset]).toEqual(['From', 4]);
    e = parseError(() => parseFromTo('"Watson, Thomas" < sip:t.watson@example.org >', 'To'));
    expect([e.header, e.offset]).toEqual(['To', 18]);
    e = parseError(() => parseFromTo('<sip:a@b.example>;tag'));
    expect(e.message).toBe('From: tag parameter without a value (at offset 21)');
  });

  it('throws nothing but ParseError on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          parseFromTo(s);
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import { ParseError, isParseError } from './errors';

describe('ParseError', () => {
  it('names the header and the offset in its message', () => {
    const e = new ParseError('missing branch', 'Via', 42);
    expect(e.message).toBe('Via: missing branch (at offset 42)');
    expect(e.code).toBe('SIP_PARSE_ERROR');
    expect(isParseError(e)).toBe(true);
    expect(isParseError(new Error('x'))).toBe(false);
  });
});

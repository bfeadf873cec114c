import { editDistance, formatDiagnostic, ScriptLoadError, SourceFiles, suggest, type Diagnostic } from './diagnostics';

const files = new SourceFiles();
files.add('opensips.cfg', 'route {\n    sl_send_replyy(404, "x");\n\tif ($x) {\r\n}\n');

function diag(line: number, column: number, length: number, extra: Partial<Diagnostic> = {}): Diagnostic {
  return {
    severity: 'error',
    message: "unknown function 'sl_send_replyy'",
    loc: { file: 'opensips.cfg', line, column, offset: 100, endOffset: 100 + length },
    ...extra,
  };
}

describe('formatDiagnostic', () => {
  it('prints file:line:col, the source line, a caret underline, expectation and suggestion', () => {
    expect(formatDiagnostic(diag(2, 5, 14, { expected: 'a function exported by a loaded module', suggestion: 'sl_send_reply' }), files)).toBe(
      [
        "opensips.cfg:2:5: error: unknown function 'sl_send_replyy'",
        '      sl_send_replyy(404, "x");',
        '      ^~~~~~~~~~~~~~',
        '  expected a function exported by a loaded module',
        "  did you mean 'sl_send_reply'?",
      ].join('\n'),
    );
  });
  it('keeps tabs so the caret lines up, and strips CR', () => {
    expect(formatDiagnostic(diag(3, 5, 2, { message: 'x' }), files).split('\n').slice(1)).toEqual(['  \tif ($x) {', '  \t   ^~']);
  });
  it('clips the underline at the end of the line', () => {
    expect(formatDiagnostic(diag(4, 1, 50, { message: 'x' }), files).split('\n')[2]).toBe('  ^');
  });
  it('omits the source lines for unknown files', () => {
    expect(formatDiagnostic({ severity: 'warning', message: 'w', loc: { file: 'other.cfg', line: 1, column: 1, offset: 0, endOffset: 1 } }, files)).toBe('other.cfg:1:1: warning: w');
  });
});

describe('SourceFiles', () => {
  it('maps offsets to 1-based line and column', () => {
    expect(files.locate('opensips.cfg', 0)).toMatchObject({ line: 1, column: 1 });
    expect(files.locate('opensips.cfg', 12)).toMatchObject({ line: 2, column: 5 });
    expect(files.lineText('opensips.cfg', 9)).toBe('');
  });
});

describe('suggest', () => {
  const fns = ['sl_send_reply', 'send_reply', 't_reply', 't_relay', 'xlog', 'www_authorize'];
  it.each([
    ['sl_send_replyy', 'sl_send_reply'],
    ['t_rely', 't_relay'],
    ['XLOG', 'xlog'],
    ['www_authorise', 'www_authorize'],
    ['completely_else', undefined],
    ['xl', undefined],
  ])('%s -> %s', (name, want) => {
    expect(suggest(name, fns)).toBe(want);
  });
  it('suggests pseudo-variable names too', () => {
    expect(suggest('varv', ['var', 'avp', 'hdr'])).toBe('var');
  });
  it('edit distance is bounded and exact below the bound', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'abcdefgh', 2)).toBe(3);
  });
});

it('ScriptLoadError counts errors in its message', () => {
  const e = new ScriptLoadError([diag(2, 5, 1), diag(2, 5, 1, { severity: 'warning' })], files);
  expect(e.message.split('\n')[0]).toBe('script has 1 error');
  expect(e.name).toBe('ScriptLoadError');
});

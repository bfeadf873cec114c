/**
 * The broken-script corpus: every fixtures/broken/*.cfg declares the errors it
 * must produce in header comments,
 *   # expect: [file:]line:col severity message
 *   #   expected: text          (optional: part of what the error says was expected)
 * and the loader must report exactly those (same positions, messages that
 * start with the given text), no more and no fewer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScript } from './load';
import { formatDiagnostic } from './diagnostics';

const pkgRoot = path.resolve(__dirname, '..', '..');
const dir = path.join(__dirname, 'fixtures', 'broken');
const cases = fs.readdirSync(dir).filter((f) => f.endsWith('.cfg')).sort();

interface Expectation {
  file: string;
  line: number;
  column: number;
  severity: string;
  message: string;
  hint?: string;
}

function expectations(file: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  for (const m of text.matchAll(/^# expect: (?:(\S+\.\w+):)?(\d+):(\d+) (error|warning|notice) (.+)$(?:\n#   expected: (.+)$)?/gm)) {
    const e: Expectation = { file: m[1] ?? file, line: Number(m[2]), column: Number(m[3]), severity: m[4]!, message: m[5]! };
    if (m[6] !== undefined) e.hint = m[6];
    out.push(e);
  }
  return out;
}

it('the corpus is not empty', () => {
  expect(cases.length).toBeGreaterThanOrEqual(25);
});

describe.each(cases)('%s', (name) => {
  const rel = path.join('fixtures', 'broken', name);
  const text = fs.readFileSync(path.join(dir, name), 'utf8');
  const expected = expectations(rel, text);

  it('declares at least one expected diagnostic', () => {
    expect(expected.length).toBeGreaterThan(0);
  });

  it('reports exactly the expected diagnostics at the expected positions', () => {
    const r = loadScript(rel, { cwd: path.join(pkgRoot, 'src', 'syntax') });
    const got = r.diagnostics.map((d) => ({
      file: d.loc.file,
      line: d.loc.line,
      column: d.loc.column,
      severity: d.severity,
      message: d.message,
    }));
    const shown = r.diagnostics.map((d) => formatDiagnostic(d, r.files)).join('\n');
    expect({ shown, got: got.map((g, i) => ({ ...g, message: g.message.startsWith(expected[i]?.message ?? '\0') ? expected[i]!.message : g.message })) }).toEqual({
      shown,
      got: expected.map(({ hint, ...rest }) => rest),
    });
    expected.forEach((e, i) => {
      if (e.hint !== undefined) expect(r.diagnostics[i]!.expected).toContain(e.hint);
    });
  });

  it('formats every diagnostic with the source line, a caret and what was expected', () => {
    const r = loadScript(rel, { cwd: path.join(pkgRoot, 'src', 'syntax') });
    for (const d of r.diagnostics) {
      const lines = formatDiagnostic(d, r.files).split('\n');
      expect(lines[0]).toBe(`${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`);
      expect(lines[1]).toBe(`  ${r.files.lineText(d.loc.file, d.loc.line)}`);
      expect(lines[2]!.replace(/\t/g, ' ').indexOf('^')).toBe(d.loc.column + 1);
      if (d.severity === 'error' && !d.message.startsWith('include cycle')) expect(d.expected).toBeTruthy();
    }
  });
});

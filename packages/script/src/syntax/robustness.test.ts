/**
 * Whatever the input, loading never throws, every diagnostic points at a
 * real place in a real file, the AST never has holes, and a clean parse
 * yields nodes with sane locations. FC_RUNS=5000 for a longer hunt.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseScript } from './load';
import { isComplete } from './parse';
import type { Diagnostic, SourceFiles } from './diagnostics';

const example = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'examples', 'trunking.cfg'), 'utf8');
const noIncludes = { readFile: () => { throw Object.assign(new Error('no includes here'), { code: 'ENOENT' }); } };

function checkLocations(ds: Diagnostic[], files: SourceFiles): void {
  for (const d of ds) {
    const text = files.text(d.loc.file);
    expect(text).toBeDefined();
    const lines = text!.split('\n');
    expect(d.loc.line).toBeGreaterThanOrEqual(1);
    expect(d.loc.line).toBeLessThanOrEqual(lines.length);
    expect(d.loc.column).toBeGreaterThanOrEqual(1);
    expect(d.loc.column).toBeLessThanOrEqual(lines[d.loc.line - 1]!.length + 2);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

const alphabet = [...'route{}()[];,=!<>&|+-*/%~$"\'#:. \n\tabcxyz019@'];

it('random text: no throw, diagnostics inside the file', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 200 }).map((cs) => cs.join('')), (text) => {
      const r = parseScript(text, 'r.cfg', noIncludes);
      checkLocations(r.diagnostics, r.files);
      expect(r.script.items.every(isComplete)).toBe(true);
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 400) },
  );
});

it('mutated example script: no throw, diagnostics inside the file', () => {
  const mutation = fc.record({
    at: fc.integer({ min: 0, max: example.length - 1 }),
    del: fc.integer({ min: 0, max: 8 }),
    ins: fc.array(fc.constantFrom(...alphabet), { maxLength: 6 }).map((cs) => cs.join('')),
  });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
      let text = example;
      for (const m of muts) {
        const at = Math.min(m.at, text.length);
        text = text.slice(0, at) + m.ins + text.slice(at + m.del);
      }
      const r = parseScript(text, 'm.cfg', noIncludes);
      checkLocations(r.diagnostics, r.files);
      expect(r.script.items.every(isComplete)).toBe(true);
      if (!r.diagnostics.some((d) => d.severity === 'error')) {
        for (const item of r.script.items) {
          expect(item.loc.file).toBe('m.cfg');
          expect(item.loc.endOffset).toBeGreaterThan(item.loc.offset);
        }
      }
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

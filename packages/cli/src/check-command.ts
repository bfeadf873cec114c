import {
  checkScript,
  createModuleRegistry,
  formatDiagnostic,
  loadScript,
  type CheckResult,
  type Diagnostic,
  type ModuleExports,
  type SourceFiles,
} from '@tsips/script';

export interface CheckOutcome {
  /** Every diagnostic of loading and checking, errors first within each file order. */
  diagnostics: Diagnostic[];
  files: SourceFiles;
  errors: number;
  warnings: number;
  compiled: CheckResult['compiled'];
  /** Milliseconds for the whole load: read, lex, parse, check, compile. */
  loadMs: number;
}

/**
 * Loads, checks and compiles a script the way `tsips -c` and the server start do: syntax
 * errors and semantic errors are all reported; nothing is compiled when any is an error.
 */
export function checkScriptFile(file: string, modules: readonly ModuleExports[]): CheckOutcome {
  const started = performance.now();
  const loaded = loadScript(file);
  const diagnostics = [...loaded.diagnostics];
  let compiled: CheckResult['compiled'] = null;
  if (!diagnostics.some((d) => d.severity === 'error')) {
    const checked = checkScript(loaded.script, createModuleRegistry(modules));
    diagnostics.push(...checked.diagnostics);
    compiled = checked.compiled;
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return { diagnostics, files: loaded.files, errors, warnings, compiled, loadMs: performance.now() - started };
}

/** Human report of a check, one formatted diagnostic per problem, then a summary line. */
export function formatCheckReport(file: string, outcome: CheckOutcome): string {
  const parts = outcome.diagnostics.map((d) => formatDiagnostic(d, outcome.files));
  const summary =
    outcome.errors > 0
      ? `${file}: ${outcome.errors} error(s), ${outcome.warnings} warning(s); the script was not loaded`
      : `${file}: configuration OK (${outcome.warnings} warning(s), loaded in ${outcome.loadMs.toFixed(1)} ms)`;
  parts.push(summary);
  return parts.join('\n') + '\n';
}

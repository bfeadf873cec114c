import * as path from 'node:path';

/**
 * The read-only project inputs (the talk's snippets, RFC 4475 messages, bench
 * files) live in `../shared/` beside the checkout, in development and in CI.
 * TSIPS_SHARED overrides that for unusual layouts.
 */
export function sharedDir(...parts: string[]): string {
  // packages/test-support/{src,dist} -> repository root -> its sibling shared/
  const base = process.env.TSIPS_SHARED ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
  return path.join(base, ...parts);
}

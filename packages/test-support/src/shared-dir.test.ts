import * as fs from 'node:fs';
import { sharedDir } from './shared-dir';

it('finds the shared inputs beside the checkout', () => {
  expect(fs.existsSync(sharedDir('seed', 'snippets', 'auth-failures.cfg'))).toBe(true);
  expect(fs.readdirSync(sharedDir('conformance', 'rfc4475')).length).toBeGreaterThanOrEqual(49);
});

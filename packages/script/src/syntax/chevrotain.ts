/**
 * chevrotain, loaded from its single-file build (`lib/chevrotain.js`, shipped in the same
 * package, same version and API) instead of its package entry, which pulls in some three
 * hundred small CommonJS modules (lodash): about 20 ms less in every cold process that
 * loads a script. The package's `exports` map does not list the bundle, so it is located
 * beside the resolved entry; if that ever fails, the regular entry is used.
 *
 * Everything in the script package takes chevrotain's runtime values from here, so token
 * types and parsers always come from one copy of the library.
 */
import * as path from 'node:path';

type Chevrotain = typeof import('chevrotain');

function load(): Chevrotain {
  try {
    const entry = require.resolve('chevrotain'); // .../chevrotain/lib/src/api.js
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(path.dirname(entry), '..', 'chevrotain.js')) as Chevrotain;
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('chevrotain') as Chevrotain;
  }
}

const chevrotain = load();

export const { createToken, Lexer, EmbeddedActionsParser, EOF, tokenMatcher } = chevrotain;

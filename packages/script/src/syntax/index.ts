// Public API of the script syntax layer: AST, diagnostics, loading and parsing.
export * from './ast';
export * from './diagnostics';
export {
  loadScript,
  loadScriptOrThrow,
  parseScript,
  parseScriptOrThrow,
  type LoadOptions,
  type LoadResult,
} from './load';
export { tokenize, type ScriptToken, type LexResult } from './lexer';
export { parseText, parseTokens, type ParseResult } from './parse';
export { sharedParser, ScriptParser, unescapeDoubleQuoted } from './parser';
export * as tokens from './tokens';
export { CORE_PARAMS, checkCoreParams, type CoreParamInfo, type CoreParamKind } from './core-params';

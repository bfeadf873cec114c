// Public API of @tsips/script.
export {};
export * from './values';
export * from './pv/pv-syntax';
export * from './pv/transformations';
export * from './syntax';
export * from './exports/types';
export * from './exports/registry';
export * from './exports/not-implemented';
export * from './runtime/context';
export * from './runtime/message';
export { AvpStore } from './runtime/avp-store';
export { cacheDbProviders, createCoreModule, createModuleRegistry, CORE_MODULE, type CoreModuleOptions } from './runtime/core-module';
export * from './cachedb/engine';
export { parseLogLevel } from './runtime/core-functions';
export { compilePosixRegex } from './compile/posix-regex';
export { CompiledScript, type ModparamSetting, type RunResult } from './compile/compiled-script';
export { checkScript, checkFile, type CheckOptions, type CheckResult } from './check/checker';
export * from './testkit/testkit';

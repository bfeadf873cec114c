export * from './shared-dir';

export * from './shared-dir';
export * from './capture-io';

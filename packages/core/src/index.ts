// Public API of @tsips/core.
export * from './api';
export { EventSubscriptions, EVENTS, type EventSubscription, type EventTransport } from './events';
export { SipServer, ServerStartError, type ServerOptions, type ReloadResult } from './server';
export { SipCore, ScriptRuntime } from './sip-core';
export { Logger, RateLimitedLog } from './logger';
export { Stats } from './stats';
export { Resolver, ResolveError, type DnsBackend } from './resolver';
export { readCoreConfig, ConfigError, type CoreConfig, type SocketSpec } from './config';
export { blacklistRefusal, BLACKLISTS, type BlacklistsService } from './blacklists';
export { statelessBranch, isLoop, spliceVia, viaAnnotation } from './via';
export type { CoreReceiveInfo, StreamConnectionRef, Transport, MessageHandler } from './transport/types';
export * from './db';
export * as coreTesting from './testing/harness';

// Public API of @tsips/modules: one export table per OpenSIPS module, and a registry of
// all of them together with the core table of @tsips/script.
import { createModuleRegistry, type ModuleExports, type ModuleRegistry } from '@tsips/script';
import { acc } from './acc';
import { alias_db } from './alias_db';
import { auth, createAuth } from './auth';
import { auth_db, createAuthDb } from './auth_db';
import { cachedb_local, createCachedbLocal } from './cachedb_local';
import { createDbSqlite, db_sqlite } from './db_sqlite';
import { createDialog, dialog } from './dialog';
import { dispatcher } from './dispatcher';
import { domain } from './domain';
import { createDrouting, drouting } from './drouting';
import { createFraudDetection, fraud_detection } from './fraud_detection';
import { load_balancer } from './load_balancer';
import { createMaxfwd, maxfwd } from './maxfwd';
import { nathelper } from './nathelper';
import { createPermissions, permissions } from './permissions';
import { createPike, pike } from './pike';
import { proto_tcp } from './proto_tcp';
import { proto_tls } from './proto_tls';
import { proto_udp } from './proto_udp';
import { createRatelimit, ratelimit } from './ratelimit';
import { createScanner, scanner } from './scanner';
import { createRegistrar, registrar } from './registrar';
import { createRr, rr } from './rr';
import { createSignaling, signaling } from './signaling';
import { sipmsgops } from './sipmsgops';
import { createSl, sl } from './sl';
import { textops } from './textops';
import { tls_mgm } from './tls_mgm';
import { createTm, tm } from './tm';
import { createUserblacklist, userblacklist } from './userblacklist';
import { createUsrloc, usrloc } from './usrloc';

export {
  acc, alias_db, auth, auth_db, cachedb_local, db_sqlite, dialog, dispatcher, domain, drouting,
  fraud_detection, load_balancer, maxfwd, nathelper, permissions, pike, proto_tcp, proto_tls,
  proto_udp, ratelimit, registrar, rr, scanner, signaling, sipmsgops, sl, textops, tls_mgm, tm,
  userblacklist, usrloc,
};

/** Every module tsips knows, in OpenSIPS's usual load order (transports and core SIP first). */
export const allModules: readonly ModuleExports[] = [
  proto_udp, proto_tcp, tls_mgm, proto_tls, db_sqlite,
  sl, signaling, tm, rr, maxfwd, sipmsgops, textops,
  usrloc, registrar, auth, auth_db, cachedb_local,
  pike, scanner, ratelimit, dialog, drouting, permissions, userblacklist, fraud_detection,
  dispatcher, load_balancer, acc, nathelper, domain, alias_db,
];

/**
 * Factories of modules that keep state (transactions, contacts, counters): a server
 * instance needs its own copy. A stateful module folder exports `createNAME()` and adds
 * one line here; the static table (`NAME`) stays for checking scripts.
 */
const factories: Partial<Record<string, () => ModuleExports>> = {
  db_sqlite: createDbSqlite,
  usrloc: createUsrloc,
  registrar: createRegistrar,
  sl: createSl,
  signaling: createSignaling,
  maxfwd: createMaxfwd,
  rr: createRr,
  tm: createTm,
  ratelimit: createRatelimit,
  cachedb_local: createCachedbLocal,
  pike: createPike,
  auth: createAuth,
  auth_db: createAuthDb,
  scanner: createScanner,
  permissions: createPermissions,
  userblacklist: createUserblacklist,
  dialog: createDialog,
  fraud_detection: createFraudDetection,
  drouting: createDrouting,
};

/** Fresh instances of every module for one server: factories where a module has state. */
export function createAllModules(): ModuleExports[] {
  return allModules.map((m) => factories[m.name]?.() ?? m);
}

/**
 * The registry of the core table plus every module (loaded by a script or not, so the
 * checker can name the missing loadmodule). Options go to the core table (random source
 * and initial probability of the rand_* functions).
 */
export function createRegistry(coreOpts?: Parameters<typeof createModuleRegistry>[1]): ModuleRegistry {
  return createModuleRegistry(allModules, coreOpts);
}

export { MiNotImplementedError } from './shared/declare';
export { ISSUE } from './shared/issues';
export { FlagSyntaxError, parseFlagString, type FlagSetSpec, type ParsedFlags } from './shared/flags';
export { LOOKUP_FLAGS, SAVE_FLAGS } from './registrar/flags';
export { T_RELAY_FLAGS, TM, type TmApi, type TmRelayOptions, type TmTransactionInfo } from './tm';
export { CREATE_DIALOG_FLAGS } from './dialog';
export { parseQop, parseAlgorithms, type ParsedQop } from './auth/qop';
export { parseValidateFlags, VALIDATE_FLAGS } from './sipmsgops/validate-flags';
export {
  DEFAULT_LEARNED_THRESHOLD, evaluateReplay, formatEvaluation, FRAUD_RULE_COLUMNS, FRD, replay, ReplayEvaluator, ReplayRun,
  RuleSet, rulesFromRows, StaticFraudChecker, staticReason,
  LearnedDetector, localUtcOffset, DEFAULT_RISK_RANGES, readRiskRanges, FRD_LEARNED, type LearnedOptions, type RiskRange,
  type AlertKind, type FraudColumnParam, type LearnedDetectorApi, type ReplayAlert, type ReplayEvaluation, type ReplayOptions,
  type ReplayRecord, type ReplayResult, type StaticFraudEvent,
} from './fraud_detection';
// Offline fraud tools (tsips fraud ...): CDR CSV I/O and the seeded CDR simulator.
export { formatCdrHeader, formatCdrRow, formatIsoTime, parseCdr, parseIsoTime, readCdr, splitCsvLine, CdrParser, CDR_COLUMNS, type CdrRecord } from './fraud_detection/cdr';
export { formatSimulateSummary, simulate, SIMULATE_DEFAULTS, writeCdr, type SimulateOptions, type SimulateResult, type SimulateSummary } from './fraud_detection/simulate';
export { FRAUD_KINDS, type FraudEpisode, type FraudKind } from './fraud_detection/sim-fraud';
export { USER_KINDS, type UserKind } from './fraud_detection/sim-users';

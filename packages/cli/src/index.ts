// Public API of @tsips/cli.
export { main, type CliIo } from './tsips';
export { checkScriptFile, formatCheckReport, type CheckOutcome } from './check-command';
export { VERSION } from './version';
export { runServer, type RunOptions, type SignalSource } from './run-command';
export { addReplayCommand, type ReplayCommandDeps } from './fraud-replay-command';
export {
  DEFAULT_FRAUD_SETTINGS, fraudSettingsOf, rulesFromCsv, rulesFromDatabase, RulesSourceError, type FraudSettings,
} from './fraud-rules-source';

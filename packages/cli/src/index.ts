// Public API of @tsips/cli.
export { main, type CliIo } from './tsips';
export { checkScriptFile, formatCheckReport, type CheckOutcome } from './check-command';
export { VERSION } from './version';
export { runServer, type RunOptions, type SignalSource } from './run-command';

/**
 * `tsips -f FILE`: runs the server in the foreground until SIGTERM/SIGINT (clean shutdown:
 * stop listening, let transactions finish, close the database) and reloads the script on
 * SIGHUP (a bad script leaves the running one in place).
 */
import { SipServer, ServerStartError } from '@tsips/core';
import { createAllModules } from '@tsips/modules';
import type { CliIo } from './tsips';

/** Where the process signals come from (the process itself; tests may pass an emitter). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', fn: () => void): unknown;
  removeListener(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', fn: () => void): unknown;
}

export interface RunOptions {
  logLevel?: number;
  signals?: SignalSource;
  /** Called once the server listens (tests). */
  onListening?: (server: SipServer) => void;
}

export async function runServer(file: string, io: CliIo, opts: RunOptions = {}): Promise<number> {
  let server: SipServer;
  try {
    const so: Parameters<typeof SipServer.start>[1] = { modules: createAllModules(), logWriter: io.err };
    if (opts.logLevel !== undefined) so.logLevel = opts.logLevel;
    server = await SipServer.start(file, so);
  } catch (e) {
    if (e instanceof ServerStartError) {
      io.err(e.report !== e.message ? `${e.report}\ntsips: cannot start: ${e.message}\n` : `tsips: cannot start: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  io.err(`tsips: listening on ${server.sockets.map((s) => s.name).join(', ')}\n`);
  opts.onListening?.(server);
  const signals: SignalSource = opts.signals ?? process;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      io.err('tsips: shutting down\n');
      server.stop().then(
        () => finish(0),
        (e) => {
          io.err(`tsips: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
          finish(1);
        },
      );
    };
    const reload = (): void => {
      const r = server.reload();
      io.err(r.ok ? `tsips: reloaded ${file}\n` : `tsips: reload refused, still running the previous script\n`);
    };
    const finish = (code: number): void => {
      signals.removeListener('SIGTERM', stop);
      signals.removeListener('SIGINT', stop);
      signals.removeListener('SIGHUP', reload);
      resolve(code);
    };
    signals.on('SIGTERM', stop);
    signals.on('SIGINT', stop);
    signals.on('SIGHUP', reload);
  });
}

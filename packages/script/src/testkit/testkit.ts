/**
 * A pure interpreter kit: load a script, run a route against a SIP message given as
 * text, with no network, and look at what happened (replies, forwards, variables, flags,
 * log lines, events, how the route ended). The script package's own tests use it; later
 * it becomes `tsips test`.
 */
import * as fs from 'node:fs';
import { parseMessage } from '@tsips/sip';
import type { ScriptValue } from '../values';
import type { RouteBlock } from '../syntax/ast';
import { type Diagnostic, formatDiagnostics, ScriptLoadError, SourceFiles } from '../syntax/diagnostics';
import { parseScript, type LoadResult } from '../syntax/load';
import type { ModuleRegistry } from '../exports/registry';
import { checkScript } from '../check/checker';
import type { CompiledScript, RunResult } from '../compile/compiled-script';
import { type Clock, logLevelName, type RaisedEvent, type ScriptContext, type ScriptSinks, systemClock } from '../runtime/context';
import type { ReceiveInfo, RuntimeMessage } from '../runtime/message';

export interface SentReply {
  status: number;
  reason: string;
}

export interface Forward {
  destination: string | null;
}

export interface LogLine {
  level: number;
  levelName: string;
  text: string;
}

export interface RunOutcome extends RunResult {
  replies: SentReply[];
  /** Header lines each reply carried (ctx.replyHeaders when it was sent), by reply index. */
  replyHeaders: string[][];
  forwards: Forward[];
  logs: LogLine[];
  events: RaisedEvent[];
  /** `$var` values by name (NULL ones, set or not, left out). */
  vars: Record<string, ScriptValue>;
  /** `$avp` values by name, top (most recent) first. */
  avps: Record<string, ScriptValue[]>;
  /** Message flags as a bit mask, and the named flags that are set. */
  flags: number;
  namedFlags: string[];
  branchFlags: number[];
  retcode: number;
  dropped: boolean;
  ruri: string;
  dstUri: string | null;
  /** The context, for anything else a test wants to inspect. */
  ctx: ScriptContext;
}

export interface RunOptions {
  /** Route to run: the main request route by default. */
  route?: { type?: RouteBlock['type']; name?: string | null };
  /** Arguments for $param(n) or, for event routes, named parameters. */
  params?: ScriptValue[] | Record<string, ScriptValue>;
  rcv?: Partial<ReceiveInfo>;
  /** Replies and forwards return this code (default 1). */
  replyCode?: number;
  forwardCode?: number;
  /** Run event_route[E_X] for events the script raises (default true). */
  runEventRoutes?: boolean;
}

export const DEFAULT_RCV: ReceiveInfo = { srcIp: '192.0.2.10', srcPort: 5060, proto: 'udp', dstIp: '198.51.100.1', dstPort: 5060 };

/**
 * Turns message text as written in a test (LF line ends, indented template literal) into
 * wire form: common indentation removed, CRLF line ends, blank line after the headers.
 * Text that already holds CRLF is taken as it is.
 */
export function messageFromText(text: string): Buffer {
  if (text.includes('\r\n')) return Buffer.from(text, 'utf8');
  const lines = text.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  const dedented = lines.map((l) => l.slice(Math.min(cut, /^[ \t]*/.exec(l)![0].length)));
  const blank = dedented.findIndex((l) => l.trim() === '');
  const head = blank < 0 ? dedented : dedented.slice(0, blank);
  const body = blank < 0 ? '' : dedented.slice(blank + 1).join('\r\n');
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

export class ScriptTestKit {
  private constructor(
    readonly script: CompiledScript,
    readonly diagnostics: Diagnostic[],
    readonly files: SourceFiles,
    private readonly clock: Clock,
  ) {}

  /** Loads script text; throws ScriptLoadError listing every problem when it has errors. */
  static fromText(text: string, registry: ModuleRegistry, opts: { file?: string; clock?: Clock } = {}): ScriptTestKit {
    const loaded = parseScript(text, opts.file ?? 'test.cfg');
    return ScriptTestKit.fromLoad(loaded, registry, opts.clock);
  }

  static fromFile(path: string, registry: ModuleRegistry, opts: { clock?: Clock } = {}): ScriptTestKit {
    const text = fs.readFileSync(path, 'utf8');
    const loaded = parseScript(text, path);
    return ScriptTestKit.fromLoad(loaded, registry, opts.clock);
  }

  private static fromLoad(loaded: LoadResult, registry: ModuleRegistry, clock: Clock | undefined): ScriptTestKit {
    const checked = checkScript(loaded.script, registry);
    const diagnostics = [...loaded.diagnostics, ...checked.diagnostics];
    if (checked.compiled === null || diagnostics.some((d) => d.severity === 'error')) {
      throw new ScriptLoadError(diagnostics, loaded.files);
    }
    return new ScriptTestKit(checked.compiled, diagnostics, loaded.files, clock ?? systemClock);
  }

  /** Diagnostics (warnings, notices) as text. */
  formattedDiagnostics(): string {
    return formatDiagnostics(this.diagnostics, this.files);
  }

  /** Runs a route against a message (text as written in a test, or null for message-less routes). */
  async run(message: string | null, opts: RunOptions = {}): Promise<RunOutcome> {
    const replies: SentReply[] = [];
    const replyHeaders: string[][] = [];
    const forwards: Forward[] = [];
    const logs: LogLine[] = [];
    const events: RaisedEvent[] = [];
    const replyCode = opts.replyCode ?? 1;
    const forwardCode = opts.forwardCode ?? 1;
    const sinks: ScriptSinks = {
      reply: (rctx, status, reason) => {
        replies.push({ status, reason });
        replyHeaders.push([...rctx.replyHeaders]);
        return replyCode;
      },
      forward: (_ctx, destination) => {
        forwards.push({ destination });
        return forwardCode;
      },
      log: (level, text) => {
        logs.push({ level, levelName: logLevelName(level), text });
      },
      event: (ev) => {
        events.push(ev);
      },
    };
    const msg: RuntimeMessage | null = message === null ? null : parseMessage(messageFromText(message), { keepShortBody: true }); // as the SIP core parses a datagram
    const rcv: ReceiveInfo = { ...DEFAULT_RCV, ...opts.rcv };
    const ctx = this.script.createContext({ msg, rcv, sinks, clock: this.clock });
    const type = opts.route?.type ?? 'request';
    const name = opts.route?.name ?? null;
    const result = await this.script.run(ctx, type, name, opts.params);
    if (opts.runEventRoutes !== false) {
      for (let i = 0; i < events.length; i++) {
        const ev = events[i]!;
        if (!this.script.hasRoute('event', ev.name)) continue;
        const evCtx = this.script.createContext({ msg: null, rcv, sinks, clock: this.clock });
        await this.script.run(evCtx, 'event', ev.name, ev.params);
      }
    }
    const vars: Record<string, ScriptValue> = {};
    for (const [n, slot] of this.script.tables.varSlots) {
      const v = ctx.getVar(slot);
      if (v !== null) vars[n] = v;
    }
    const avps: Record<string, ScriptValue[]> = {};
    for (const n of ctx.avps.names()) avps[n] = ctx.avps.all(n);
    const namedFlags: string[] = [];
    for (const [n, bit] of this.script.tables.flagBits) if ((ctx.flags >>> bit) & 1) namedFlags.push(n);
    return {
      ...result,
      replies,
      replyHeaders,
      forwards,
      logs,
      events,
      vars,
      avps,
      flags: ctx.flags >>> 0,
      namedFlags,
      branchFlags: [...ctx.branchFlags],
      retcode: ctx.retcode,
      dropped: ctx.dropped,
      ruri: ctx.msg?.isRequest ? ctx.ruri() : '',
      dstUri: ctx.dstUri,
      ctx,
    };
  }
}

/** Loads and checks script text, returning the diagnostics instead of throwing (for `-c`-style tests). */
export function checkText(text: string, registry: ModuleRegistry, file = 'test.cfg'): { diagnostics: Diagnostic[]; files: SourceFiles; ok: boolean } {
  const loaded = parseScript(text, file);
  const checked = checkScript(loaded.script, registry);
  const diagnostics = [...loaded.diagnostics, ...checked.diagnostics];
  return { diagnostics, files: loaded.files, ok: !diagnostics.some((d) => d.severity === 'error') };
}

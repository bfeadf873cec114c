/**
 * sl: stateless replies. `sl_send_reply` answers a request without keeping any state;
 * `sl_reply_error` answers with the status that matches the last internal error. The
 * replies themselves are built and sent by the core (ScriptSinks.reply -> SipCoreApi), which
 * also keeps OpenSIPS's per-class counters ("sl:2xx_replies", ...); this module adds
 * sent_err_replies and absorbs the ACKs of its own non-2xx replies (received_ACKs).
 */
import { CORE, type SipCoreApi } from '@tsips/core';
import type { FunctionExport, ModuleExports, ScriptContext } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import { counter, intParam } from '../shared/declare';
import { intOrVar, replyCodeFixup, str } from '../shared/params';
import { REQ, REQ_ERR } from '../shared/routes';

/** Sends a stateless reply through the context's reply sink; checks a code read from a variable. */
export function statelessReply(ctx: ScriptContext, code: number, reason: string): number | Promise<number> {
  if (!Number.isInteger(code) || code < 100 || code > 699) {
    ctx.logError(`${ctx.currentFunction ?? 'reply'}: reply code ${code} is out of range (100..699)`);
    return -1;
  }
  return ctx.sinks.reply(ctx, code, reason);
}

export function createSl(): ModuleExports {
  let enableStats = 1;
  let core: SipCoreApi | null = null;

  const slSendReply: FunctionExport = {
    name: 'sl_send_reply',
    params: [intOrVar('code'), str('reason')],
    routes: REQ_ERR,
    fixup: replyCodeFixup(0),
    impl: ((ctx: ScriptContext, code: number, reason: string) => statelessReply(ctx, code, reason)) as FunctionExport['impl'],
    doc: 'Sends a stateless reply with the given status code (100..699) and reason phrase. 1 on success, -1 on failure.',
  };

  const slReplyError: FunctionExport = {
    name: 'sl_reply_error',
    params: [],
    routes: REQ,
    impl: ((ctx: ScriptContext) => {
      // $err.rcode/$err.rreason name the reply the failed operation calls for (a parse
      // error: 400); without one, a generic server error.
      const rcode = ctx.err.rcode;
      const useErr = rcode >= 400 && rcode <= 699;
      const status = useErr ? rcode : 500;
      const reason = useErr && ctx.err.rreason !== null && ctx.err.rreason !== '' ? ctx.err.rreason : 'Server Internal Error';
      const counted = (r: number): number => {
        if (r > 0 && enableStats !== 0) core?.stat('sl:sent_err_replies');
        return r;
      };
      const r = ctx.sinks.reply(ctx, status, reason);
      return typeof r === 'number' ? counted(r) : r.then(counted);
    }) as FunctionExport['impl'],
    doc: 'Sends the reply that matches the last error a function reported ($err.rcode / $err.rreason; else 500).',
  };

  return {
    name: 'sl',
    functions: [slSendReply, slReplyError],
    params: [
      intParam('enable_stats', 1, 'Keep the reply counters (1) or not (0).', {
        set: (v) => {
          enableStats = Number(v);
        },
      }),
    ],
    stats: [
      counter('1xx_replies', 'Provisional replies sent statelessly.'),
      counter('2xx_replies', 'Success replies sent statelessly.'),
      counter('3xx_replies', 'Redirect replies sent statelessly.'),
      counter('4xx_replies', 'Client-error replies sent statelessly.'),
      counter('5xx_replies', 'Server-error replies sent statelessly.'),
      counter('6xx_replies', 'Global-failure replies sent statelessly.'),
      counter('sent_replies', 'All stateless replies sent.'),
      counter('sent_err_replies', 'Stateless error replies sent by sl_reply_error.'),
      counter('received_ACKs', 'ACKs absorbed because they matched a stateless reply.'),
    ],
    init: (env) => {
      const c = env.services.get(CORE);
      core = c;
      if (enableStats === 0) c.disableStats('sl:');
      // The ACK of a non-2xx stateless reply ends there (RFC 3261 §17.2.1): it carries the
      // To-tag the core put in that reply, so it is absorbed before the script sees it.
      c.onRequest((msg: SipMessage) => {
        if (msg.method !== 'ACK') return false;
        const tag = msg.toTag();
        if (tag === null || tag !== c.toTagFor(msg)) return false;
        c.stat('sl:received_ACKs');
        return true;
      });
    },
  };
}

/** The table used to check scripts (a server gets its own instance from createSl()). */
export const sl: ModuleExports = createSl();

/**
 * signaling: `send_reply` answers statefully when the request has a transaction (tm loaded
 * and t_newtran/t_relay done) and statelessly through the core otherwise, so scripts need
 * not care which. `$sig_local_totag` is the To-tag such a reply carries.
 */
import { CORE, type SipCoreApi } from '@tsips/core';
import type { FunctionExport, ModuleExports, PvarExport, ScriptContext, Services } from '@tsips/script';
import type { SipMessage } from '@tsips/sip';
import { intOrVar, replyCodeFixup, str } from '../shared/params';
import { statelessReply } from '../sl';
import { TM, type TmApi } from '../tm/api';

export function createSignaling(): ModuleExports {
  let core: SipCoreApi | null = null;
  let services: Services | null = null;
  let tm: TmApi | null | undefined;

  /** tm is looked up on first use: it may be initialised after this module. */
  const tmApi = (): TmApi | null => {
    if (tm === undefined || tm === null) tm = services?.find(TM) ?? null;
    return tm;
  };

  const sendReply: FunctionExport = {
    name: 'send_reply',
    params: [intOrVar('code'), str('reason')],
    routes: ['REQUEST_ROUTE', 'ERROR_ROUTE', 'FAILURE_ROUTE'],
    fixup: replyCodeFixup(0),
    impl: ((ctx: ScriptContext, code: number, reason: string) => {
      const t = tmApi();
      if (t !== null && t.transactionOf(ctx) !== null) {
        if (!Number.isInteger(code) || code < 100 || code > 699) {
          ctx.logError(`send_reply: reply code ${code} is out of range (100..699)`);
          return -1;
        }
        return t.reply(ctx, code, reason);
      }
      if (ctx.routeType === 'FAILURE_ROUTE') {
        ctx.logError('send_reply: no transaction to reply in failure_route');
        return -1;
      }
      return statelessReply(ctx, code, reason);
    }) as FunctionExport['impl'],
    doc: 'Replies with the status code (100..699) and reason: through tm when a transaction exists, else statelessly.',
  };

  const localTotag: PvarExport = {
    name: 'sig_local_totag',
    inner: 'none',
    bind: () => ({
      get: (ctx: ScriptContext) => {
        const msg = ctx.msg as SipMessage | null;
        if (msg === null || !msg.isRequest || core === null) return null;
        return msg.toTag() ?? core.toTagFor(msg);
      },
    }),
    doc: 'The To-tag tsips puts (or would put) in its own replies to the current request.',
  };

  return {
    name: 'signaling',
    functions: [sendReply],
    pvars: [localTotag],
    init: (env) => {
      services = env.services;
      core = env.services.get(CORE);
    },
  };
}

export const signaling: ModuleExports = createSignaling();

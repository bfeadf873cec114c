/**
 * Test support for the basics modules (rr, maxfwd, sipmsgops, textops): a script test kit
 * over fresh module instances plus a minimal `sl` whose replies land in the kit's record
 * (the real sl comes with the SIP core).
 */
import { createModuleRegistry, ScriptTestKit, type ModuleExports, type ScriptContext } from '@tsips/script';

const replyingSl: ModuleExports = {
  name: 'sl',
  functions: [
    {
      name: 'sl_send_reply',
      params: [
        { name: 'code', kind: 'int-or-var' },
        { name: 'reason', kind: 'string' },
      ],
      routes: ['REQUEST_ROUTE', 'ERROR_ROUTE'],
      impl: (ctx: ScriptContext, code: number, reason: string) => ctx.sinks.reply(ctx, code, reason),
    },
  ],
};

/** Loads `script` against the given modules (and the replying sl), modparams applied. */
export function kitFor(script: string, ...modules: ModuleExports[]): ScriptTestKit {
  const kit = ScriptTestKit.fromText(script, createModuleRegistry([replyingSl, ...modules]));
  kit.script.applyModparams();
  return kit;
}

/** The serialized message of a run's context, as text. */
export function wire(ctx: ScriptContext): string {
  return ctx.msg === null ? '' : ctx.msg.toBuffer().toString('utf8');
}

/**
 * maxfwd: the Max-Forwards header (RFC 3261 section 8.1.1.6 / 16.3) that stops loops.
 */
import type { FixupArg, ModuleExports, ScriptContext } from '@tsips/script';
import { intParam } from '../shared/declare';
import { intOrVar } from '../shared/params';
import { sipMessage } from '../sipmsgops/message-edit';

/** RFC 3261 caps Max-Forwards at 255 in practice; OpenSIPS accepts 1..256 for the literal. */
const MAXFWD_UPPER_LIMIT = 256;

const maxValueFixup = (args: readonly FixupArg[]): string | undefined => {
  const v = args[0]?.int ?? null;
  if (v === null) return undefined;
  return v >= 1 && v <= MAXFWD_UPPER_LIMIT ? undefined : `Max-Forwards value ${v} is out of range (1..256)`;
};

/** Per-message value of Max-Forwards as this module last saw or set it (OpenSIPS keeps it in the parsed header). */
const STATE_KEY = 'maxfwd:value';

/**
 * The Max-Forwards value of the request: the decremented one after
 * mf_process_maxfwd_header(), else the first header's value. -1 when absent, -2 when it
 * is not a number (OpenSIPS reads it as an unsigned 16-bit decimal).
 */
function presentValue(ctx: ScriptContext): number {
  const stored = ctx.moduleState.get(STATE_KEY);
  if (typeof stored === 'number') return stored;
  const raw = ctx.msg?.getHeader('Max-Forwards');
  if (raw === undefined) return -1;
  const text = raw.trim();
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    ctx.logError(`maxfwd: unable to parse the Max-Forwards value '${raw}'`);
    return -2;
  }
  const v = Number(text);
  ctx.moduleState.set(STATE_KEY, v);
  return v;
}

/** A fresh instance (the max_limit modparam is per server). */
export function createMaxfwd(): ModuleExports {
  let maxLimit = MAXFWD_UPPER_LIMIT;

  const processHeader = (ctx: ScriptContext, max: number): number => {
    if (max < 1 || max > MAXFWD_UPPER_LIMIT) {
      ctx.logError(`mf_process_maxfwd_header: invalid Max-Forwards value ${max} (1..${MAXFWD_UPPER_LIMIT})`);
      return -2;
    }
    if (max > maxLimit) {
      // OpenSIPS refuses this at start-up; a value from a variable can only be checked here.
      ctx.logError(`mf_process_maxfwd_header: value ${max} is bigger than max_limit (${maxLimit})`);
      return -2;
    }
    const msg = sipMessage(ctx);
    if (msg === null || !msg.isRequest) return -2;
    let val = presentValue(ctx);
    if (val === -2) return -2;
    try {
      if (val === -1) {
        msg.addHeader('Max-Forwards', String(max), 'first');
        return 2;
      }
      if (val === 0) return -1;
      if (val > maxLimit) val = maxLimit + 1;
      val -= 1;
      // The first header's value is rewritten; further Max-Forwards lines are left as received.
      msg.removeHeader('Max-Forwards', 0);
      msg.addHeader('Max-Forwards', String(val), 'first');
    } catch (e) {
      ctx.logError(`mf_process_maxfwd_header: ${e instanceof Error ? e.message : String(e)}`);
      return -2;
    }
    ctx.moduleState.set(STATE_KEY, val);
    return 1;
  };

  const isLessThan = (ctx: ScriptContext, limit: number): number => {
    if (ctx.msg === null) return -3;
    const val = presentValue(ctx);
    // -1 (absent) becomes -2, -2 (bad value) becomes -3, as OpenSIPS returns them.
    if (val < 0) return val - 1;
    return val >= limit ? -1 : 1;
  };

  return {
    name: 'maxfwd',
    functions: [
      {
        name: 'mf_process_maxfwd_header',
        params: [intOrVar('max value')],
        routes: ['REQUEST_ROUTE'],
        fixup: maxValueFixup,
        impl: processHeader,
        doc: 'Adds Max-Forwards with the value when missing (2), or decrements it (1). -1 when it already reached 0 (answer 483), -2 on a parse error.',
      },
      {
        name: 'is_maxfwd_lt',
        params: [intOrVar('limit')],
        routes: ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'],
        fixup: maxValueFixup,
        impl: isLessThan,
        doc: 'True (1) when Max-Forwards is below the limit, -1 when not, -2 when the header is missing, -3 when it is not a number.',
      },
    ],
    params: [intParam('max_limit', MAXFWD_UPPER_LIMIT, 'Ceiling for the decremented Max-Forwards value (1..256).', {
      validate: (v) => {
        const n = Number(v);
        return Number.isInteger(n) && n >= 1 && n <= MAXFWD_UPPER_LIMIT ? undefined : `max_limit must be 1..256, got ${v}`;
      },
      set: (v) => {
        maxLimit = Number(v);
      },
    })],
  };
}

export const maxfwd: ModuleExports = createMaxfwd();

/**
 * maxfwd: the Max-Forwards header (RFC 3261 section 8.1.1.6 / 16.3) that stops loops.
 */
import type { FixupArg, ModuleExports } from '@tsips/script';
import { fn, intParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar } from '../shared/params';

/** RFC 3261 caps Max-Forwards at 255 in practice; OpenSIPS accepts 1..256 for the literal. */
const maxValueFixup = (args: readonly FixupArg[]): string | undefined => {
  const v = args[0]?.int ?? null;
  if (v === null) return undefined;
  return v >= 1 && v <= 256 ? undefined : `Max-Forwards value ${v} is out of range (1..256)`;
};

export const maxfwd: ModuleExports = {
  name: 'maxfwd',
  functions: [
    {
      ...fn('mf_process_maxfwd_header', [intOrVar('max value')], ['REQUEST_ROUTE'], ISSUE.sipCore,
        'Adds Max-Forwards with the value when missing (2), or decrements it (1). -1 when it already reached 0 (answer 483), -2 on a parse error.'),
      fixup: maxValueFixup,
    },
    {
      ...fn('is_maxfwd_lt', [intOrVar('limit')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], ISSUE.sipCore,
        'True (1) when Max-Forwards is below the limit, -1 when not, -2 when the header is missing or bad.'),
      fixup: maxValueFixup,
    },
  ],
  params: [intParam('max_limit', 256, 'Ceiling for the decremented Max-Forwards value (1..256).', {
    validate: (v) => {
      const n = Number(v);
      return Number.isInteger(n) && n >= 1 && n <= 256 ? undefined : `max_limit must be 1..256, got ${v}`;
    },
  })],
};

/**
 * signaling: `send_reply` answers statefully when the request has a transaction (tm loaded
 * and t_newtran done) and statelessly through sl otherwise, so scripts need not care.
 */
import type { ModuleExports } from '@tsips/script';
import { fn, pvar } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, replyCodeFixup, str } from '../shared/params';

export const signaling: ModuleExports = {
  name: 'signaling',
  functions: [
    {
      ...fn('send_reply', [intOrVar('code'), str('reason')], ['REQUEST_ROUTE', 'ERROR_ROUTE', 'FAILURE_ROUTE'], ISSUE.sipCore,
        'Replies with the status code (100..699) and reason: through tm when a transaction exists, else statelessly.'),
      fixup: replyCodeFixup(0),
    },
  ],
  pvars: [
    pvar('sig_local_totag', { inner: 'none' }, ISSUE.sipCore,
      'The To-tag tsips puts (or would put) in its own replies to the current request.'),
  ],
};

/**
 * sl: stateless replies. `sl_send_reply` answers a request without keeping any state;
 * `sl_reply_error` answers with the status that matches the last internal error.
 * OpenSIPS keeps per-status-class counters of the replies it sent.
 */
import type { ModuleExports } from '@tsips/script';
import { counter, fn, intParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, replyCodeFixup, str } from '../shared/params';
import { REQ, REQ_ERR } from '../shared/routes';

const slSendReply = {
  ...fn('sl_send_reply', [intOrVar('code'), str('reason')], REQ_ERR, ISSUE.sipCore,
    'Sends a stateless reply with the given status code (100..699) and reason phrase. 1 on success, -1 on failure.'),
  fixup: replyCodeFixup(0),
};

export const sl: ModuleExports = {
  name: 'sl',
  functions: [
    slSendReply,
    fn('sl_reply_error', [], REQ, ISSUE.sipCore,
      'Sends the reply that matches the last error a function reported ($err.rcode / $err.rreason).'),
  ],
  params: [intParam('enable_stats', 1, 'Keep the reply counters (1) or not (0).')],
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
};

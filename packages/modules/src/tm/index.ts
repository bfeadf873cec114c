/**
 * tm: SIP transactions (RFC 3261 section 17). Relaying with retransmissions and timeouts,
 * stateful replies, failure/reply/branch routes armed per transaction, serial forking.
 */
import type { ModuleExports, ParamSpec } from '@tsips/script';
import { counter, fn, gauge, intParam, mi, multiStrParam, pvar, strParam } from '../shared/declare';
import { flagsParam, letterFlagsParam, type FlagSetSpec } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { intOrVar, oneOf, outVar, regex, replyCodeFixup, route, staticStr, str } from '../shared/params';
import { ALL, MSG_NO_ERR, REQ, REQ_FAIL, REQ_FAIL_REPLY_BRANCH } from '../shared/routes';

/**
 * t_relay flags: the 3.x names, and the 2.x hex mask they replaced
 * (0x02 no-auto-477, 0x04 no-dns-failover, 0x08 pass-reason-hdr, 0x10 allow-no-cancel).
 */
export const T_RELAY_FLAGS: FlagSetSpec = {
  fn: 't_relay',
  named: [
    { name: 'no-auto-477', doc: 'do not answer 477 when every branch failed to be sent; the script handles it' },
    { name: 'no-dns-failover', doc: 'use only the first address DNS gives for the next hop' },
    { name: 'pass-reason-hdr', doc: 'for a CANCEL, pass its Reason header on' },
    { name: 'allow-no-cancel', doc: 'honour Content-Disposition "no-cancel" (RFC 3841)' },
  ],
  legacyBits: [
    { bit: 0x02, name: 'no-auto-477' },
    { bit: 0x04, name: 'no-dns-failover' },
    { bit: 0x08, name: 'pass-reason-hdr' },
    { bit: 0x10, name: 'allow-no-cancel' },
  ],
};

/** t_replicate takes the same kind of flags; only the DNS one applies. */
const T_REPLICATE_FLAGS: FlagSetSpec = {
  fn: 't_replicate',
  named: [{ name: 'no-dns-failover', doc: 'use only the first address DNS gives' }],
  legacyBits: [{ bit: 0x04, name: 'no-dns-failover' }],
};

/** t_cancel_branch: `a` every pending branch, `o` every branch but this one; none: this branch. */
const cancelBranchFlags = letterFlagsParam('flags', 't_cancel_branch', { a: 'all', A: 'all', o: 'others', O: 'others' }, true);

/**
 * t_inject_branches flags: the word `cancel`, or letters (current spelling, not legacy):
 * `c` cancel the ongoing branches first, `l` this is the last injection.
 */
const injectLetters = letterFlagsParam('flags', 't_inject_branches', { c: 'cancel', l: 'last' }, true);
const injectFlags: ParamSpec = {
  ...injectLetters,
  validate: (literal) => (literal.trim().toLowerCase() === 'cancel' ? undefined : injectLetters.validate!(literal)),
  parse: (literal, env) => (literal.trim().toLowerCase() === 'cancel' ? new Set(['cancel']) : injectLetters.parse!(literal, env)),
};

const replyFixup = replyCodeFixup(0);

export const tm: ModuleExports = {
  name: 'tm',
  functions: [
    fn('t_newtran', [], REQ, ISSUE.sipCore, 'Creates the server transaction for the request (absorbs later retransmissions).'),
    { ...fn('t_reply', [intOrVar('code'), str('reason')], REQ_FAIL, ISSUE.sipCore,
      'Replies statefully, creating the transaction when needed.'), fixup: replyFixup },
    { ...fn('t_reply_with_body', [intOrVar('code'), str('reason'), str('body')], REQ_FAIL, ISSUE.sipCore,
      'Replies statefully with a body (Content-Type comes from the script via append_to_reply).'), fixup: replyFixup },
    fn('t_replicate', [str('uri'), flagsParam('flags', T_REPLICATE_FLAGS, true)], REQ_FAIL, ISSUE.unscheduled,
      'Sends a statefully-handled copy of the request to another URI.'),
    fn('t_relay', [flagsParam('flags', T_RELAY_FLAGS, true), str('outbound proxy', true)], REQ_FAIL, ISSUE.sipCore,
      'Relays the request statefully to $du / the Request-URI and every branch. 1 sent; -1 error; -2 bad message; -3 no destination; -4 bad destination; -5 destination filtered (blacklist); -6 send failed. Returns 0 (stops the script) when tm already answered.'),
    fn('t_on_failure', [route('failure route', 'FAILURE_ROUTE')], MSG_NO_ERR, ISSUE.sipCore,
      'Arms the failure_route to run when the transaction ends with a negative final reply or a timeout.'),
    fn('t_on_reply', [route('reply route', 'ONREPLY_ROUTE')], MSG_NO_ERR, ISSUE.sipCore,
      'Arms the onreply_route to run for every reply of the transaction (or of the current branch).'),
    fn('t_on_branch', [route('branch route', 'BRANCH_ROUTE')], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore,
      'Arms the branch_route to run for each branch just before it is sent.'),
    fn('t_check_status', [regex('status regex')], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore,
      'True when the status code of the reply being handled (or the winning reply in failure_route) matches.'),
    fn('t_write_req', [str('info'), str('fifo')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], ISSUE.unscheduled,
      'Writes request data to an external application through a FIFO.'),
    fn('t_write_unix', [str('info'), str('socket')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], ISSUE.unscheduled,
      'Writes request data to an external application through a Unix socket.'),
    fn('t_flush_flags', [], ['REQUEST_ROUTE', 'BRANCH_ROUTE'], ISSUE.sipCore,
      'Copies the message flags set after t_newtran into the transaction.'),
    fn('t_local_replied', [staticStr('which', false, oneOf(['all', 'branch', 'last'], true))], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore,
      "True when the replies were generated locally: 'all', the current 'branch' or the 'last' one."),
    fn('t_check_trans', [], ['REQUEST_ROUTE', 'BRANCH_ROUTE'], ISSUE.sipCore,
      'True when the request belongs to an existing transaction; for retransmissions it re-sends the last reply and stops the script.'),
    fn('t_was_cancelled', [], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore, 'True when the INVITE transaction was cancelled by the caller.'),
    fn('t_cancel_branch', [cancelBranchFlags], ['ONREPLY_ROUTE'], ISSUE.sipCore,
      "Cancels the current branch; flag 'a' all pending branches, 'o' every other branch."),
    fn('t_add_hdrs', [str('headers')], REQ, ISSUE.unscheduled, 'Headers added to every request tm sends for this transaction (CANCELs too).'),
    fn('t_new_request', [str('method'), str('ruri'), str('from'), str('to'), str('body', true), str('context', true)], ALL, ISSUE.unscheduled,
      'Sends a brand new request from the script (a local UAC transaction).'),
    fn('t_add_cancel_reason', [str('reason header')], REQ, ISSUE.unscheduled, 'Reason header put in the CANCELs this transaction sends.'),
    fn('t_inject_branches', [staticStr('source', false, oneOf(['msg', 'message', 'event', 'events'], true)), injectFlags],
      ['REQUEST_ROUTE', 'ONREPLY_ROUTE'], ISSUE.unscheduled, 'Adds branches to a running transaction from the message or from an event.'),
    fn('t_wait_for_new_branches', [intOrVar('branches', true)], REQ, ISSUE.unscheduled, 'Keeps the transaction open for branches injected later.'),
    fn('t_wait_no_more_branches', [], MSG_NO_ERR.filter((r) => r !== 'LOCAL_ROUTE'), ISSUE.unscheduled, 'Stops waiting for injected branches.'),
    fn('t_anycast_replicate', [], REQ, ISSUE.unscheduled, 'Replicates the transaction to the anycast cluster.'),
    { ...fn('t_reply_by_callid', [intOrVar('code'), str('reason'), str('callid', true), str('cseq', true)], REQ, ISSUE.unscheduled,
      'Replies to another transaction found by Call-ID and CSeq.'), fixup: replyFixup },
    fn('t_get_branch_idx_by_attr', [str('attribute'), str('string value', true), intOrVar('int value', true), outVar('result', true), intOrVar('offset', true)],
      ['ONREPLY_ROUTE', 'BRANCH_ROUTE', 'FAILURE_ROUTE'], ISSUE.unscheduled, 'Finds the index of the branch whose $bavp attribute has a value.'),
  ],
  params: [
    intParam('ruri_matching', 1, 'Match the Request-URI too when looking up transactions of non-RFC 3261 requests.'),
    intParam('via1_matching', 1, 'Match the top Via too when looking up transactions of non-RFC 3261 requests.'),
    intParam('fr_timeout', 30, 'Seconds to wait for a final reply (or any reply for non-INVITE) before a 408.'),
    intParam('fr_inv_timeout', 120, 'Seconds to wait for a final reply to an INVITE after a provisional one.'),
    intParam('wt_timer', 5, 'Seconds a completed transaction is kept to absorb retransmissions.'),
    intParam('delete_timer', 2, 'Seconds before retrying to delete a transaction still referenced.'),
    intParam('T1_timer', 500, 'RFC 3261 T1 in milliseconds (first retransmission interval).'),
    intParam('T2_timer', 4000, 'RFC 3261 T2 in milliseconds (retransmission interval cap).'),
    intParam('unix_tx_timeout', 2, 'Seconds allowed for t_write_unix to send.'),
    intParam('restart_fr_on_each_reply', 1, 'Restart fr_inv_timeout on every provisional reply.'),
    multiStrParam('tw_append', 'Named set of extra items t_write_* appends: "name:element=value;...".'),
    intParam('enable_stats', 1, 'Keep transaction statistics.'),
    intParam('pass_provisional_replies', 0, 'Pass provisional replies to t_write_* listeners too.'),
    intParam('syn_branch', 1, 'Use synonym (stateless-style) branch ids for local ACK/CANCEL.'),
    intParam('onreply_avp_mode', 0, 'Which AVP list onreply_route sees: 0 the reply-local one, 1 the transaction one.'),
    intParam('disable_6xx_block', 0, 'Let a 6xx reply not stop the other branches.'),
    strParam('minor_branch_flag', null, 'Branch flag marking branches whose replies do not win (name or number).'),
    intParam('timer_partitions', 1, 'Number of timer lists tm spreads its timers over.'),
    intParam('auto_100trying', 1, 'Send 100 Trying automatically when an INVITE transaction is created.'),
    intParam('tm_replication_cluster', 0, 'Cluster id for transaction replication (0: none).'),
    strParam('cluster_param', 'cid', 'Via parameter carrying the cluster node id.'),
    intParam('cluster_auto_cancel', 1, 'Relay CANCELs for transactions owned by another cluster node.'),
    strParam('local_reply_route', null, 'Route run for each reply to a locally generated request.'),
    strParam('local_request_route', null, 'Route run for each locally generated request (like local_route).'),
  ],
  pvars: [
    pvar('T_branch_idx', { inner: 'none' }, ISSUE.sipCore, 'Index of the branch being handled (branch/onreply/failure route).'),
    pvar('T_reply_code', { inner: 'none' }, ISSUE.sipCore, 'Status code of the winning reply (failure_route) or of the reply being handled.'),
    pvar('T_ruri', { inner: 'none' }, ISSUE.sipCore, 'Request-URI of the transaction as it was first relayed.'),
    pvar('bavp', { inner: 'required', indexable: true, writable: true }, ISSUE.unscheduled, 'AVP kept per branch.'),
    pvar('T_fr_timeout', { inner: 'none', writable: true }, ISSUE.sipCore, 'fr_timeout for this transaction only.'),
    pvar('T_fr_inv_timeout', { inner: 'none', writable: true }, ISSUE.sipCore, 'fr_inv_timeout for this transaction only.'),
    pvar('T_id', { inner: 'none' }, ISSUE.sipCore, 'Transaction identifier (hash index and label).'),
    pvar('T_branch_last_reply_code', { inner: 'none', indexable: true }, ISSUE.sipCore, 'Last status code each branch received.'),
  ],
  mi: [
    mi('tm', 'uac_dlg', {
      aliases: ['t_uac_dlg'],
      params: [{ name: 'method' }, { name: 'ruri' }, { name: 'headers' }, { name: 'next_hop', optional: true }, { name: 'socket', optional: true }, { name: 'body', optional: true }],
      reason: ISSUE.unscheduled,
      doc: 'Sends a request built from the parameters and returns its final reply.',
    }),
    mi('tm', 'uac_cancel', { aliases: ['t_uac_cancel'], params: [{ name: 'callid' }, { name: 'cseq' }], reason: ISSUE.unscheduled, doc: 'Cancels a transaction started by uac_dlg.' }),
    mi('tm', 'hash', { aliases: ['t_hash'], reason: ISSUE.sipCore, doc: 'Transactions per hash bucket.' }),
    mi('tm', 'reply', {
      aliases: ['t_reply'],
      params: [{ name: 'code' }, { name: 'reason' }, { name: 'trans_id' }, { name: 'to_tag' }, { name: 'new_headers', optional: true }, { name: 'body', optional: true }],
      reason: ISSUE.unscheduled,
      doc: 'Replies to a pending transaction given by its id.',
    }),
  ],
  stats: [
    counter('received_replies', 'Replies received.'),
    counter('relayed_replies', 'Replies relayed upstream.'),
    counter('local_replies', 'Replies generated locally.'),
    counter('UAS_transactions', 'Server transactions created.'),
    counter('UAC_transactions', 'Client transactions created.'),
    counter('2xx_transactions', 'Transactions completed with 2xx.'),
    counter('3xx_transactions', 'Transactions completed with 3xx.'),
    counter('4xx_transactions', 'Transactions completed with 4xx.'),
    counter('5xx_transactions', 'Transactions completed with 5xx.'),
    counter('6xx_transactions', 'Transactions completed with 6xx.'),
    gauge('inuse_transactions', 'Transactions in memory now.'),
    counter('cluster_reply_sent', 'Replies handed to the cluster node owning the transaction.'),
    counter('cluster_request_sent', 'Requests handed to the cluster node owning the transaction.'),
    counter('cluster_cancel_sent', 'CANCELs handed to the cluster node owning the transaction.'),
    counter('cluster_reply_recv', 'Replies received from other cluster nodes.'),
    counter('cluster_request_recv', 'Requests received from other cluster nodes.'),
    counter('cluster_cancel_recv', 'CANCELs received from other cluster nodes.'),
    counter('retransmission_req_T1_1', 'First request retransmissions (T1).'),
    counter('retransmission_req_T1_2', 'Second request retransmissions (2*T1).'),
    counter('retransmission_req_T1_3', 'Third and later request retransmissions below T2.'),
    counter('retransmission_req_T2', 'Request retransmissions at T2.'),
    counter('retransmission_rpl_T2', 'Reply retransmissions at T2.'),
    counter('timeout_finalresponse', 'Non-INVITE transactions ended by fr_timeout.'),
    counter('timeout_finalresponse_inv', 'INVITE transactions ended by fr_inv_timeout.'),
  ],
};

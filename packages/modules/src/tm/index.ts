/**
 * tm: SIP transactions (RFC 3261 section 17). Relaying with retransmissions and timeouts,
 * stateful replies, failure/reply/branch routes armed per transaction, serial forking.
 *
 * `createTm()` makes one instance (its transactions, timers and settings live in the
 * closure); `tm` is an instance kept for checking scripts. The behaviour is in
 * tm-engine.ts (tables, hooks, functions) and proxy-transaction.ts (forking, best reply);
 * the RFC 3261 §17 state machines have one file each.
 */
import { CORE } from '@tsips/core';
import type { FunctionExport, ModparamExport, ModuleExports, ParamSpec, PvarExport, ScriptContext, ScriptValue } from '@tsips/script';
import { counter, fn, gauge, intParam, mi, multiStrParam, pvar, strParam } from '../shared/declare';
import { flagsParam, letterFlagsParam, type FlagSetSpec, type ParsedFlags } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { TM, type TmApi } from './api';
import { ClientInviteTransaction } from './client-invite-transaction';
import { peekState, stateOf, TmEngine } from './tm-engine';
import type { TimerSource } from './timer-queue';
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

export interface CreateTmOptions {
  /** Time source for tm's timers (tests hand in a fake one; default: Date.now/setTimeout). */
  timers?: TimerSource;
}

/** A declared entry whose behaviour is now written: same name/params/routes/doc, real impl. */
function implemented(declared: FunctionExport, impl: FunctionExport['impl']): FunctionExport {
  const out: FunctionExport = { name: declared.name, params: declared.params, routes: declared.routes, impl };
  if (declared.fixup !== undefined) out.fixup = declared.fixup;
  if (declared.doc !== undefined) out.doc = declared.doc;
  return out;
}

/** A modparam whose value goes to `apply` when the core applies the script's modparams. */
function applied(p: ModparamExport, apply: (v: number) => void, min = 0): ModparamExport {
  return {
    ...p,
    validate: (v) => {
      const n = Number(v);
      return Number.isInteger(n) && n >= min ? undefined : `must be an integer >= ${min}, got '${v}'`;
    },
    set: (v) => apply(Number(v)),
  };
}

/** A read-only tm pseudo-variable. */
function readPv(declared: PvarExport, get: (ctx: ScriptContext) => ScriptValue): PvarExport {
  const out: PvarExport = { name: declared.name, inner: declared.inner, bind: () => ({ get }) };
  if (declared.doc !== undefined) out.doc = declared.doc;
  return out;
}

export function createTm(opts: CreateTmOptions = {}): ModuleExports {
  const engine = new TmEngine(opts.timers);
  const cfg = engine.cfg;

  const api: TmApi = {
    transactionOf: (ctx) => engine.transactionInfo(ctx),
    reply: (ctx, status, reason) => engine.reply(ctx, status, reason),
    replyWithBody: (ctx, status, reason, body) => engine.statefulReply(ctx, status, reason, body),
    relay: (ctx, o) => engine.relay(ctx, o),
    onReplyOut: (ctx, hook) => {
      const st = stateOf(ctx);
      if (st.tx !== null) (st.tx.replyHooks ??= []).push(hook);
      else (st.replyHooks ??= []).push(hook);
    },
    request: (r) => engine.localRequest(r),
    transactionCount: () => engine.transactionCount(),
    drain: () => engine.drain(),
  };

  const relayImpl = (ctx: ScriptContext, flags: ParsedFlags | null, proxy: string | null): Promise<number> => {
    const f = flags?.flags;
    return engine.relay(ctx, {
      outboundProxy: proxy,
      noAuto477: f?.has('no-auto-477') === true,
      noDnsFailover: f?.has('no-dns-failover') === true,
      passReason: f?.has('pass-reason-hdr') === true,
      allowNoCancel: f?.has('allow-no-cancel') === true,
    });
  };

  const arm = (which: 'onFailure' | 'onReply' | 'onBranch') => (ctx: ScriptContext, name: string): number => {
    const st = stateOf(ctx);
    if (which === 'onReply' && ctx.routeType === 'BRANCH_ROUTE' && st.branch !== null) {
      // From branch_route: for this branch's replies only.
      st.branch.onReply = name;
      return 1;
    }
    st[which] = name;
    if (st.tx !== null) st.tx[which] = name;
    return 1;
  };

  const txOf = (ctx: ScriptContext) => peekState(ctx)?.tx ?? null;

  const functions: FunctionExport[] = [
    implemented(fn('t_newtran', [], REQ, ISSUE.sipCore, 'Creates the server transaction for the request (absorbs later retransmissions).'), (ctx) => engine.newTran(ctx)),
    implemented({ ...fn('t_reply', [intOrVar('code'), str('reason')], REQ_FAIL, ISSUE.sipCore,
      'Replies statefully, creating the transaction when needed.'), fixup: replyFixup },
      (ctx: ScriptContext, code: number, reason: string) => engine.statefulReply(ctx, code, reason)),
    implemented({ ...fn('t_reply_with_body', [intOrVar('code'), str('reason'), str('body')], REQ_FAIL, ISSUE.sipCore,
      'Replies statefully with a body (Content-Type comes from the script via append_to_reply).'), fixup: replyFixup },
      (ctx: ScriptContext, code: number, reason: string, body: string) => engine.statefulReply(ctx, code, reason, body)),
    fn('t_replicate', [str('uri'), flagsParam('flags', T_REPLICATE_FLAGS, true)], REQ_FAIL, ISSUE.unscheduled,
      'Sends a statefully-handled copy of the request to another URI.'),
    implemented(fn('t_relay', [flagsParam('flags', T_RELAY_FLAGS, true), str('outbound proxy', true)], REQ_FAIL, ISSUE.sipCore,
      'Relays the request statefully to $du / the Request-URI and every branch. 1 sent; -1 error; -2 bad message; -3 no destination; -4 bad destination; -5 destination filtered (blacklist); -6 send failed. Returns 0 (stops the script) when tm already answered.'),
      relayImpl),
    implemented(fn('t_on_failure', [route('failure route', 'FAILURE_ROUTE')], MSG_NO_ERR, ISSUE.sipCore,
      'Arms the failure_route to run when the transaction ends with a negative final reply or a timeout.'), arm('onFailure')),
    implemented(fn('t_on_reply', [route('reply route', 'ONREPLY_ROUTE')], MSG_NO_ERR, ISSUE.sipCore,
      'Arms the onreply_route to run for every reply of the transaction (or of the current branch).'), arm('onReply')),
    implemented(fn('t_on_branch', [route('branch route', 'BRANCH_ROUTE')], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore,
      'Arms the branch_route to run for each branch just before it is sent.'), arm('onBranch')),
    implemented(fn('t_check_status', [regex('status regex')], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore,
      'True when the status code of the reply being handled (or the winning reply in failure_route) matches.'),
      (ctx: ScriptContext, re: RegExp) => {
        re.lastIndex = 0;
        return re.test(String(engine.replyCode(ctx))) ? 1 : -1;
      }),
    fn('t_write_req', [str('info'), str('fifo')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], ISSUE.unscheduled,
      'Writes request data to an external application through a FIFO.'),
    fn('t_write_unix', [str('info'), str('socket')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], ISSUE.unscheduled,
      'Writes request data to an external application through a Unix socket.'),
    implemented(fn('t_flush_flags', [], ['REQUEST_ROUTE', 'BRANCH_ROUTE'], ISSUE.sipCore,
      'Copies the message flags set after t_newtran into the transaction.'),
      (ctx) => {
        const tx = txOf(ctx);
        if (tx === null) return -1;
        tx.flags = ctx.flags;
        return 1;
      }),
    implemented(fn('t_local_replied', [staticStr('which', false, oneOf(['all', 'branch', 'last'], true))], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore,
      "True when the replies were generated locally: 'all', the current 'branch' or the 'last' one."),
      (ctx: ScriptContext, which: string) => {
        const st = peekState(ctx);
        const tx = st?.tx ?? null;
        if (tx === null) return -1;
        switch (which.trim().toLowerCase()) {
          case 'all':
            // No reply came from any branch: everything upstream saw was generated here.
            return tx.branches.every((b) => !b.replied && (b.client === null || b.client.lastStatus === 0)) ? 1 : -1;
          case 'branch': {
            const b = st?.branch ?? null;
            return b !== null && b.local ? 1 : -1;
          }
          default: {
            if (ctx.routeType === 'FAILURE_ROUTE') return tx.winner !== null && tx.winner.local ? 1 : -1;
            return tx.lastLocal ? 1 : -1;
          }
        }
      }),
    implemented(fn('t_check_trans', [], ['REQUEST_ROUTE', 'BRANCH_ROUTE'], ISSUE.sipCore,
      'True when the request belongs to an existing transaction; for retransmissions it re-sends the last reply and stops the script.'),
      (ctx) => engine.checkTrans(ctx)),
    implemented(fn('t_was_cancelled', [], REQ_FAIL_REPLY_BRANCH, ISSUE.sipCore, 'True when the INVITE transaction was cancelled by the caller.'),
      (ctx) => (txOf(ctx)?.cancelled === true ? 1 : -1)),
    implemented(fn('t_cancel_branch', [cancelBranchFlags], ['ONREPLY_ROUTE'], ISSUE.sipCore,
      "Cancels the current branch; flag 'a' all pending branches, 'o' every other branch."),
      (ctx: ScriptContext, flags: Set<string> | null) => {
        const st = peekState(ctx);
        const tx = st?.tx ?? null;
        const b = st?.branch ?? null;
        if (tx === null || b === null) return -1;
        if (flags?.has('all')) tx.cancelBranches(null);
        else if (flags?.has('others')) tx.cancelBranches(b);
        else if (b.client instanceof ClientInviteTransaction && !b.final) {
          if (b.client.lastStatus >= 100) tx.sendCancel(b);
          else b.cancelPending = true;
        } else return -1;
        return 1;
      }),
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
  ];

  const params: ModparamExport[] = [
    applied(intParam('ruri_matching', 1, 'Match the Request-URI too when looking up transactions of non-RFC 3261 requests.'), (v) => { cfg.ruriMatching = v !== 0; }),
    applied(intParam('via1_matching', 1, 'Match the top Via too when looking up transactions of non-RFC 3261 requests.'), (v) => { cfg.via1Matching = v !== 0; }),
    applied(intParam('fr_timeout', 30, 'Seconds to wait for a final reply (or any reply for non-INVITE) before a 408.'), (v) => { cfg.frTimeout = v * 1000; }, 1),
    applied(intParam('fr_inv_timeout', 120, 'Seconds to wait for a final reply to an INVITE after a provisional one.'), (v) => { cfg.frInvTimeout = v * 1000; }, 1),
    applied(intParam('wt_timer', 5, 'Seconds a completed transaction is kept to absorb retransmissions.'), (v) => { cfg.wtTimer = v * 1000; }),
    intParam('delete_timer', 2, 'Seconds before retrying to delete a transaction still referenced (no effect in tsips: nothing holds a transaction).'),
    applied(intParam('T1_timer', 500, 'RFC 3261 T1 in milliseconds (first retransmission interval).'), (v) => { cfg.t1 = v; }, 1),
    applied(intParam('T2_timer', 4000, 'RFC 3261 T2 in milliseconds (retransmission interval cap).'), (v) => { cfg.t2 = v; }, 1),
    intParam('unix_tx_timeout', 2, 'Seconds allowed for t_write_unix to send.'),
    applied(intParam('restart_fr_on_each_reply', 1, 'Restart fr_inv_timeout on every provisional reply.'), (v) => { cfg.restartFrOnEachReply = v !== 0; }),
    multiStrParam('tw_append', 'Named set of extra items t_write_* appends: "name:element=value;...".'),
    applied(intParam('enable_stats', 1, 'Keep transaction statistics.'), (v) => { cfg.enableStats = v !== 0; }),
    intParam('pass_provisional_replies', 0, 'Pass provisional replies to t_write_* listeners too.'),
    intParam('syn_branch', 1, 'Use synonym (stateless-style) branch ids for local ACK/CANCEL.'),
    intParam('onreply_avp_mode', 0, 'Which AVP list onreply_route sees: 0 the reply-local one, 1 the transaction one.'),
    applied(intParam('disable_6xx_block', 0, 'Let a 6xx reply not stop the other branches.'), (v) => { cfg.disable6xxBlock = v !== 0; }),
    strParam('minor_branch_flag', null, 'Branch flag marking branches whose replies do not win (name or number).'),
    intParam('timer_partitions', 1, 'Number of timer lists tm spreads its timers over.'),
    applied(intParam('auto_100trying', 1, 'Send 100 Trying automatically when an INVITE transaction is created.'), (v) => { cfg.auto100Trying = v !== 0; }),
    intParam('tm_replication_cluster', 0, 'Cluster id for transaction replication (0: none).'),
    strParam('cluster_param', 'cid', 'Via parameter carrying the cluster node id.'),
    intParam('cluster_auto_cancel', 1, 'Relay CANCELs for transactions owned by another cluster node.'),
    strParam('local_reply_route', null, 'Route run for each reply to a locally generated request.'),
    strParam('local_request_route', null, 'Route run for each locally generated request (like local_route).'),
  ];

  /** $T_fr_timeout / $T_fr_inv_timeout: seconds, per transaction; NULL resets to the modparam. */
  const frPv = (declared: PvarExport, which: 'frTimeout' | 'frInvTimeout'): PvarExport => ({
    name: declared.name,
    inner: declared.inner,
    writable: true,
    doc: declared.doc,
    bind: () => ({
      get: (ctx) => {
        const st = peekState(ctx);
        const ms = st?.tx?.[which] ?? st?.[which] ?? cfg[which];
        return Math.round(ms / 1000);
      },
      set: (ctx, value) => {
        const st = stateOf(ctx);
        let ms: number;
        if (value === null) ms = cfg[which];
        else {
          const n = typeof value === 'number' ? value : Number(value);
          if (!Number.isFinite(n) || n <= 0) {
            ctx.logError(`$T_${which === 'frTimeout' ? 'fr' : 'fr_inv'}_timeout: '${value}' is not a positive number of seconds`);
            return;
          }
          ms = Math.round(n * 1000);
        }
        st[which] = ms;
        if (st.tx !== null) st.tx[which] = ms;
      },
    }),
  });

  const pvars: PvarExport[] = [
    readPv(pvar('T_branch_idx', { inner: 'none' }, ISSUE.sipCore, 'Index of the branch being handled (branch/onreply/failure route).'),
      (ctx) => peekState(ctx)?.branch?.index ?? null),
    readPv(pvar('T_reply_code', { inner: 'none' }, ISSUE.sipCore, 'Status code of the winning reply (failure_route) or of the reply being handled.'),
      (ctx) => engine.replyCode(ctx)),
    readPv(pvar('T_ruri', { inner: 'none' }, ISSUE.sipCore, 'Request-URI of the current branch, else of the transaction as it was first relayed.'),
      (ctx) => {
        const st = peekState(ctx);
        return st?.branch?.uri ?? st?.tx?.ruri ?? null;
      }),
    pvar('bavp', { inner: 'required', indexable: true, writable: true }, ISSUE.unscheduled, 'AVP kept per branch.'),
    frPv(pvar('T_fr_timeout', { inner: 'none', writable: true }, ISSUE.sipCore, 'fr_timeout for this transaction only.'), 'frTimeout'),
    frPv(pvar('T_fr_inv_timeout', { inner: 'none', writable: true }, ISSUE.sipCore, 'fr_inv_timeout for this transaction only.'), 'frInvTimeout'),
    readPv(pvar('T_id', { inner: 'none' }, ISSUE.sipCore, 'Transaction identifier (hash index and label).'),
      (ctx) => peekState(ctx)?.tx?.id ?? null),
    {
      name: 'T_branch_last_reply_code',
      inner: 'none',
      indexable: true,
      doc: 'Last status code each branch received ([i]: branch i; no index: the current branch).',
      bind: (site) => {
        const codeOf = (ctx: ScriptContext, i: number | null): ScriptValue => {
          const st = peekState(ctx);
          if (st === undefined) return null;
          if (i === null) return st.branch?.lastStatus ?? null;
          const branches = st.tx?.branches ?? [];
          const b = branches[i < 0 ? branches.length + i : i];
          return b === undefined ? null : b.lastStatus;
        };
        const idx = site.index;
        return {
          get: (ctx) => {
            if (idx === null || idx.kind === 'all') return codeOf(ctx, null);
            return codeOf(ctx, idx.kind === 'int' ? idx.value : idx.get(ctx));
          },
          getAll: (ctx) => (peekState(ctx)?.tx?.branches ?? []).map((b) => b.lastStatus),
        };
      },
    },
  ];

  return {
    name: 'tm',
    functions,
    params,
    pvars,
    mi: [
      mi('tm', 'uac_dlg', {
        aliases: ['t_uac_dlg'],
        params: [{ name: 'method' }, { name: 'ruri' }, { name: 'headers' }, { name: 'next_hop', optional: true }, { name: 'socket', optional: true }, { name: 'body', optional: true }],
        reason: ISSUE.unscheduled,
        doc: 'Sends a request built from the parameters and returns its final reply.',
      }),
      mi('tm', 'uac_cancel', { aliases: ['t_uac_cancel'], params: [{ name: 'callid' }, { name: 'cseq' }], reason: ISSUE.unscheduled, doc: 'Cancels a transaction started by uac_dlg.' }),
      {
        name: 'tm:hash',
        aliases: ['t_hash'],
        doc: 'Transactions in memory (tsips keeps one table, reported as bucket 0).',
        handler: () => ({ Buckets: [{ index: 0, transactions: engine.transactionCount() }] }),
      },
      mi('tm', 'reply', {
        aliases: ['t_reply'],
        params: [{ name: 'code' }, { name: 'reason' }, { name: 'trans_id' }, { name: 'to_tag' }, { name: 'new_headers', optional: true }, { name: 'body', optional: true }],
        reason: ISSUE.unscheduled,
        doc: 'Replies to a pending transaction given by its id.',
      }),
    ],
    stats: STATS,
    init(env) {
      engine.attach(env.services.get(CORE));
      env.services.provide(TM, api);
    },
    destroy() {
      engine.destroy();
    },
  };
}

const STATS = [
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
];

/** An instance for checking scripts (a server makes its own with createTm()). */
export const tm: ModuleExports = createTm();

export { TM, type TmApi, type TmLocalReply, type TmLocalRequest, type TmRelayOptions, type TmReplyOutHook, type TmTransactionInfo } from './api';

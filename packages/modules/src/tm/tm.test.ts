/**
 * tm driven through an in-memory core (FakeCore): every datagram tm sends is recorded and
 * parsed, time is jest's fake clock, routes run on a real compiled script.
 */
import { parseMessage } from '@tsips/sip';
import { createTm } from './index';
import { FakeCore, replyTo, UAC_TCP, UAC_UDP, type Sent } from './testing/fake-core';

const SCRIPT = `
loadmodule "tm.so"
loadmodule "tmtest.so"
modparam("tm", "fr_timeout", 5)
modparam("tm", "fr_inv_timeout", 10)

route {
  if ($rm == "CANCEL") {
    if (t_check_trans()) t_relay();
    exit;
  }
  if ($rm == "ACK") {
    t_relay();
    exit;
  }
  if ($rU == "busy") {
    t_reply(486, "Busy Here");
    exit;
  }
  if ($rU == "serial") {
    t_on_failure("next");
  }
  if ($rU == "fork") {
    test_append_branch("sip:carol@10.0.0.3");
  }
  if ($rU == "slowfork") {
    test_append_branch("sip:carol@slow.example.com");
  }
  if ($rU == "nocancel") {
    test_append_branch("sip:carol@10.0.0.3");
    t_relay("allow-no-cancel");
    exit;
  }
  if ($rU == "branchy") {
    test_append_branch("sip:drop@10.0.0.3");
    t_on_branch("per_branch");
  }
  t_on_reply("rpl");
  if (!t_relay()) {
    xlog("relay failed\\n");
  }
}

onreply_route[rpl] {
  xlog("reply $T_reply_code branch $T_branch_idx\\n");
  if ($T_reply_code == 183) drop;
}

branch_route[per_branch] {
  if ($rU == "drop") drop;
  xlog("branch $T_branch_idx to $ru\\n");
}

failure_route[next] {
  xlog("failure $T_reply_code cancelled=$var(c)\\n");
  if (t_check_status("408|486")) {
    $ru = "sip:voicemail@10.0.0.4";
    t_relay();
  }
}
`;

function invite(user: string, opts: { branch?: string; callId?: string; proto?: 'UDP' | 'TCP' } = {}): string {
  const proto = opts.proto ?? 'UDP';
  const port = proto === 'UDP' ? 5062 : 40123;
  return `
    INVITE sip:${user}@10.0.0.2 SIP/2.0
    Via: SIP/2.0/${proto} 192.0.2.10:${port};branch=${opts.branch ?? 'z9hG4bKc1'};rport
    Max-Forwards: 70
    From: <sip:alice@example.com>;tag=a1
    To: <sip:${user}@example.com>
    Call-ID: ${opts.callId ?? 'call1@192.0.2.10'}
    CSeq: 1 INVITE
    Contact: <sip:alice@192.0.2.10:${port}>
    Content-Length: 0
  `;
}

function cancelFor(user: string, branch = 'z9hG4bKc1'): string {
  return `
    CANCEL sip:${user}@10.0.0.2 SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.10:5062;branch=${branch};rport
    Max-Forwards: 70
    From: <sip:alice@example.com>;tag=a1
    To: <sip:${user}@example.com>
    Call-ID: call1@192.0.2.10
    CSeq: 1 CANCEL
    Content-Length: 0
  `;
}

function ackFor(user: string, toTag: string, branch = 'z9hG4bKc1'): string {
  return `
    ACK sip:${user}@10.0.0.2 SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.10:5062;branch=${branch};rport
    Max-Forwards: 70
    From: <sip:alice@example.com>;tag=a1
    To: <sip:${user}@example.com>;tag=${toTag}
    Call-ID: call1@192.0.2.10
    CSeq: 1 ACK
    Content-Length: 0
  `;
}

const describeAll = (s: Sent[]): string[] => s.map(FakeCore.describe);

/** Lets pending promise work (routes, sends) finish without moving the clock. */
async function settle(): Promise<void> {
  await jest.advanceTimersByTimeAsync(0);
}

async function start(): Promise<{ core: FakeCore; stop: () => void }> {
  const tm = createTm();
  const core = await FakeCore.start(SCRIPT, tm);
  return { core, stop: () => void tm.destroy?.() };
}

/** The request tm relayed to `address` most recently. */
function relayedTo(sent: Sent[], method: string, address: string): Sent {
  const s = [...sent].reverse().find((x) => x.msg.isRequest && x.msg.method === method && x.dest.address === address);
  if (s === undefined) throw new Error(`no ${method} to ${address} in: ${describeAll(sent).join(' | ')}`);
  return s;
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('INVITE relaying', () => {
  it('answers 100 Trying, relays with our Via on top, and relays 180 and 200 upstream without it', async () => {
    const { core, stop } = await start();
    const r = await core.receiveRequest(invite('bob'));
    expect(r.consumed).toBe(false);
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['100 INVITE -> udp:192.0.2.10:5062', 'INVITE sip:bob@10.0.0.2 -> udp:10.0.0.2:5060']);
    const trying = sent[0]!.msg;
    expect(trying.to().tag).toBeNull();
    expect(trying.topVia().received).toBe('192.0.2.10');
    expect(trying.topVia().rport).toBe(5062);
    const out = sent[1]!.msg;
    const vias = out.vias();
    expect(vias).toHaveLength(2);
    expect(vias[0]!.host).toBe('127.0.0.1');
    expect(vias[0]!.branch).toMatch(/^z9hG4bK/);
    expect(vias[1]!.branch).toBe('z9hG4bKc1');
    expect(vias[1]!.received).toBe('192.0.2.10');
    expect(out.callId()).toBe('call1@192.0.2.10');

    expect(await core.receiveReply(replyTo(out, 180, 'Ringing'))).toBe(true);
    await settle();
    expect(await core.receiveReply(replyTo(out, 200, 'OK'))).toBe(true);
    await settle();
    const up = core.take();
    expect(describeAll(up)).toEqual(['180 INVITE -> udp:192.0.2.10:5062', '200 INVITE -> udp:192.0.2.10:5062']);
    for (const s of up) {
      expect(s.msg.vias().map((v) => v.branch)).toEqual(['z9hG4bKc1']);
      expect(s.msg.to().tag).toBe('callee1');
    }
    expect(core.scriptLogs).toEqual(['reply 180 branch 0\n', 'reply 200 branch 0\n']);
    expect(core.statValue('tm:UAS_transactions')).toBe(1);
    expect(core.statValue('tm:UAC_transactions')).toBe(1);
    expect(core.statValue('tm:relayed_replies')).toBe(2);
    expect(core.statValue('tm:2xx_transactions')).toBe(1);
    stop();
  });

  it('absorbs INVITE retransmissions, re-sending the last reply, and never runs the script again', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    const again = await core.receiveRequest(invite('bob'));
    expect(again.consumed).toBe(true);
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062']);
    await core.receiveReply(replyTo(out, 180, 'Ringing'));
    await settle();
    core.take();
    expect((await core.receiveRequest(invite('bob'))).consumed).toBe(true);
    const resent = core.take();
    expect(describeAll(resent)).toEqual(['180 INVITE -> udp:192.0.2.10:5062']);
    expect(resent[0]!.msg.to().tag).toBe('callee1');
    stop();
  });

  it('keeps a 2xx-answered INVITE transaction wt_timer (OpenSIPS wait timer), not 64*T1', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(out, 200, 'OK'));
    await settle();
    expect(describeAll(core.take())).toEqual(['200 INVITE -> udp:192.0.2.10:5062']);
    // Within wt_timer (5 s): the INVITE retransmission gets the 2xx again, the callee's
    // repeated 2xx is matched by the client transaction and relayed.
    await jest.advanceTimersByTimeAsync(4_000);
    expect((await core.receiveRequest(invite('bob'))).consumed).toBe(true);
    expect(describeAll(core.take())).toEqual(['200 INVITE -> udp:192.0.2.10:5062']);
    expect(await core.receiveReply(replyTo(out, 200, 'OK'))).toBe(true);
    await settle();
    expect(describeAll(core.take())).toEqual(['200 INVITE -> udp:192.0.2.10:5062']);
    // After wt_timer both are gone (RFC 6026's 64*T1 would keep them 32 s).
    await jest.advanceTimersByTimeAsync(1_500);
    expect(await core.receiveReply(replyTo(out, 200, 'OK'))).toBe(false);
    expect((await core.receiveRequest(invite('bob', { callId: 'call1@192.0.2.10' }))).consumed).toBe(false);
    stop();
  });

  it('retransmits the INVITE downstream on timer A (T1, doubling) until a provisional reply', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const first = relayedTo(core.take(), 'INVITE', '10.0.0.2');
    await jest.advanceTimersByTimeAsync(499);
    expect(core.take()).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    const r1 = core.take();
    expect(describeAll(r1)).toEqual(['INVITE sip:bob@10.0.0.2 -> udp:10.0.0.2:5060']);
    expect(r1[0]!.data.equals(first.data)).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(core.take()).toHaveLength(1);
    await core.receiveReply(replyTo(first.msg, 100, 'Trying'));
    await settle();
    expect(core.take()).toHaveLength(0); // 100 is not relayed
    await jest.advanceTimersByTimeAsync(4000);
    expect(core.take()).toHaveLength(0);
    expect(core.statValue('tm:retransmission_req_T1_1')).toBe(1);
    expect(core.statValue('tm:retransmission_req_T1_2')).toBe(1);
    stop();
  });

  it('ACKs a non-2xx final reply hop by hop, relays it, re-sends it on timer G and stops on the caller ACK', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(out, 480, 'Temporarily Unavailable'));
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['ACK sip:bob@10.0.0.2 -> udp:10.0.0.2:5060', '480 INVITE -> udp:192.0.2.10:5062']);
    const ack = sent[0]!.msg;
    expect(ack.topViaBranch()).toBe(out.topViaBranch());
    expect(ack.vias()).toHaveLength(1);
    expect(ack.cseq()).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.to().tag).toBe('callee1');
    // The callee repeats its 480: ACKed again, not relayed again.
    await core.receiveReply(replyTo(out, 480, 'Temporarily Unavailable'));
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:bob@10.0.0.2 -> udp:10.0.0.2:5060']);
    // Timer G: the 480 goes up again after T1 while no ACK came.
    await jest.advanceTimersByTimeAsync(500);
    expect(describeAll(core.take())).toEqual(['480 INVITE -> udp:192.0.2.10:5062']);
    const ackUp = await core.receiveRequest(ackFor('bob', 'callee1'));
    expect(ackUp.consumed).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(core.take()).toHaveLength(0);
    expect(core.statValue('tm:4xx_transactions')).toBe(1);
    stop();
  });

  it('drops a provisional reply when onreply_route says drop', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(out, 183, 'Session Progress'));
    await settle();
    expect(core.take()).toHaveLength(0);
    await core.receiveReply(replyTo(out, 180, 'Ringing'));
    await settle();
    expect(describeAll(core.take())).toEqual(['180 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('passes end-to-end ACKs (to a 2xx) statelessly', async () => {
    const { core, stop } = await start();
    const r = await core.receiveRequest(ackFor('bob', 'callee1', 'z9hG4bKack2'));
    expect(r.consumed).toBe(false);
    await settle();
    expect(core.statelessForwards).toEqual([{ ruri: 'sip:bob@10.0.0.2', destination: null }]);
    stop();
  });
});

describe('stateful local replies', () => {
  it('t_reply creates the transaction, re-sends on retransmission, and absorbs the ACK', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('busy'));
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['486 INVITE -> udp:192.0.2.10:5062']);
    const tag = sent[0]!.msg.to().tag;
    expect(tag).toMatch(/^[0-9a-f]{11,}$/);
    expect(sent[0]!.msg.getHeader('Server')).toBe('tsips');
    expect((await core.receiveRequest(invite('busy'))).consumed).toBe(true);
    const again = core.take();
    expect(again).toHaveLength(1);
    expect(again[0]!.msg.to().tag).toBe(tag);
    expect((await core.receiveRequest(ackFor('busy', tag!))).consumed).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(core.take()).toHaveLength(0);
    expect(core.statValue('tm:local_replies')).toBe(1);
    stop();
  });
});

describe('CANCEL', () => {
  it('during ringing: 200 to the CANCEL, CANCEL downstream on the same branch, 487 relayed up', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(out, 180, 'Ringing'));
    await settle();
    core.take();
    const c = await core.receiveRequest(cancelFor('bob'));
    expect(c.consumed).toBe(false); // the script sees the CANCEL (t_check_trans + t_relay)
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['200 CANCEL -> udp:192.0.2.10:5062', 'CANCEL sip:bob@10.0.0.2 -> udp:10.0.0.2:5060']);
    const cancel = sent[1]!.msg;
    expect(cancel.topViaBranch()).toBe(out.topViaBranch());
    expect(cancel.cseq()).toEqual({ seq: 1, method: 'CANCEL' });
    // A retransmitted CANCEL gets its 200 again, before the script.
    expect((await core.receiveRequest(cancelFor('bob'))).consumed).toBe(true);
    expect(describeAll(core.take())).toEqual(['200 CANCEL -> udp:192.0.2.10:5062']);
    expect(await core.receiveReply(replyTo(cancel, 200, 'OK'))).toBe(true);
    await core.receiveReply(replyTo(out, 487, 'Request Terminated'));
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:bob@10.0.0.2 -> udp:10.0.0.2:5060', '487 INVITE -> udp:192.0.2.10:5062']);
    // No ACK from the caller: timer G re-sends the 487 at 0.5, 1.5 and 3.5 s, then timer H
    // (fr_timeout, 5 s here) ends the transaction. The CANCEL's own retransmissions
    // stopped with its 200: no CANCEL in between.
    await jest.advanceTimersByTimeAsync(8000);
    expect(describeAll(core.take())).toEqual(['487 INVITE -> udp:192.0.2.10:5062', '487 INVITE -> udp:192.0.2.10:5062', '487 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('waits for a provisional reply before sending the CANCEL (RFC 3261 §9.1)', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveRequest(cancelFor('bob'));
    await settle();
    expect(describeAll(core.take())).toEqual(['200 CANCEL -> udp:192.0.2.10:5062']);
    await core.receiveReply(replyTo(out, 180, 'Ringing'));
    await settle();
    expect(describeAll(core.take())).toEqual(['CANCEL sip:bob@10.0.0.2 -> udp:10.0.0.2:5060', '180 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('a CANCEL with no INVITE transaction: t_check_trans() is false and the script decides', async () => {
    const { core, stop } = await start();
    const r = await core.receiveRequest(cancelFor('bob', 'z9hG4bKunknown'));
    expect(r.consumed).toBe(false);
    await settle();
    // t_check_trans() is false: the script exits without relaying.
    expect(core.take()).toHaveLength(0);
    stop();
  });
});

describe('timeouts and serial forking', () => {
  it('no answer: 408 after fr_timeout, failure_route relays to voicemail, its 200 goes up', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('serial'));
    await settle();
    core.take();
    await jest.advanceTimersByTimeAsync(5000);
    const sent = core.take();
    // INVITE retransmissions at 0.5, 1.5, 3.5 s, then the fr_timeout at 5 s: serial fork.
    expect(describeAll(sent)).toEqual([
      'INVITE sip:serial@10.0.0.2 -> udp:10.0.0.2:5060',
      'INVITE sip:serial@10.0.0.2 -> udp:10.0.0.2:5060',
      'INVITE sip:serial@10.0.0.2 -> udp:10.0.0.2:5060',
      'INVITE sip:voicemail@10.0.0.4 -> udp:10.0.0.4:5060',
    ]);
    expect(core.scriptLogs).toContain('failure 408 cancelled=<null>\n');
    const vm = sent[3]!.msg;
    expect(vm.vias()[1]!.branch).toBe('z9hG4bKc1');
    await core.receiveReply(replyTo(vm, 200, 'OK', { toTag: 'vm1' }));
    await settle();
    const up = core.take();
    expect(describeAll(up)).toEqual(['200 INVITE -> udp:192.0.2.10:5062']);
    expect(up[0]!.msg.to().tag).toBe('vm1');
    expect(core.statValue('tm:timeout_finalresponse_inv')).toBe(1);
    stop();
  });

  it('no answer without failure_route: 408 goes up', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    core.take();
    await jest.advanceTimersByTimeAsync(5000);
    const up = core.take().filter((s) => !s.msg.isRequest);
    expect(describeAll(up)).toEqual(['408 INVITE -> udp:192.0.2.10:5062']);
    expect(up[0]!.msg.reason).toBe('Request Timeout');
    stop();
  });

  it('after a provisional reply, fr_inv_timeout applies and the branch is CANCELled on expiry', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(out, 180, 'Ringing'));
    await settle();
    core.take();
    await jest.advanceTimersByTimeAsync(9_999);
    expect(core.take()).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(describeAll(core.take())).toEqual(['CANCEL sip:bob@10.0.0.2 -> udp:10.0.0.2:5060', '408 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('a 486 in failure_route-armed transaction is also served by voicemail (serial forking)', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('serial'));
    await settle();
    const out = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(out, 486, 'Busy Here'));
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['ACK sip:serial@10.0.0.2 -> udp:10.0.0.2:5060', 'INVITE sip:voicemail@10.0.0.4 -> udp:10.0.0.4:5060']);
    const vm = sent[1]!.msg;
    await core.receiveReply(replyTo(vm, 404, 'Not Found', { toTag: 'vm' }));
    await settle();
    // failure_route is armed once: the 404 of the second round goes up.
    expect(describeAll(core.take())).toEqual(['ACK sip:voicemail@10.0.0.4 -> udp:10.0.0.4:5060', '404 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });
});

describe('parallel forking', () => {
  it('waits for every branch and sends the lowest class up', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('fork'));
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual([
      '100 INVITE -> udp:192.0.2.10:5062',
      'INVITE sip:fork@10.0.0.2 -> udp:10.0.0.2:5060',
      'INVITE sip:carol@10.0.0.3 -> udp:10.0.0.3:5060',
    ]);
    const [b0, b1] = [sent[1]!.msg, sent[2]!.msg];
    expect(b0.topViaBranch()).not.toBe(b1.topViaBranch());
    await core.receiveReply(replyTo(b0, 486, 'Busy Here', { toTag: 'x0' }));
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:fork@10.0.0.2 -> udp:10.0.0.2:5060']);
    await core.receiveReply(replyTo(b1, 302, 'Moved Temporarily', { toTag: 'x1', headers: [['Contact', '<sip:c2@10.0.0.9>']] }));
    await settle();
    const up = core.take();
    expect(describeAll(up)).toEqual(['ACK sip:carol@10.0.0.3 -> udp:10.0.0.3:5060', '302 INVITE -> udp:192.0.2.10:5062']);
    expect(up[1]!.msg.getHeader('Contact')).toBe('<sip:c2@10.0.0.9>');
    stop();
  });

  it('a 2xx goes up at once and CANCELs the other ringing branch; a second 2xx goes up too', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('fork'));
    await settle();
    const sent = core.take();
    const [b0, b1] = [sent[1]!.msg, sent[2]!.msg];
    await core.receiveReply(replyTo(b0, 180, 'Ringing', { toTag: 'x0' }));
    await core.receiveReply(replyTo(b1, 180, 'Ringing', { toTag: 'x1' }));
    await settle();
    expect(core.take()).toHaveLength(2);
    await core.receiveReply(replyTo(b1, 200, 'OK', { toTag: 'x1' }));
    await settle();
    const after = core.take();
    expect(describeAll(after)).toEqual(['200 INVITE -> udp:192.0.2.10:5062', 'CANCEL sip:fork@10.0.0.2 -> udp:10.0.0.2:5060']);
    expect(after[1]!.msg.getHeader('Reason')).toBe('SIP;cause=200;text="Call completed elsewhere"');
    await core.receiveReply(replyTo(b0, 200, 'OK', { toTag: 'x0' }));
    await settle();
    const second = core.take();
    expect(describeAll(second)).toEqual(['200 INVITE -> udp:192.0.2.10:5062']);
    expect(second[0]!.msg.to().tag).toBe('x0');
    stop();
  });

  it('merges the challenges of every 401/407 branch into the reply that goes up (RFC 3261 §16.7 step 7)', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('fork'));
    await settle();
    const sent = core.take();
    const [b0, b1] = [sent[1]!.msg, sent[2]!.msg];
    await core.receiveReply(replyTo(b0, 407, 'Proxy Authentication Required', { toTag: 'x0', headers: [['Proxy-Authenticate', 'Digest realm="a.example", nonce="n0"']] }));
    await core.receiveReply(replyTo(b1, 401, 'Unauthorized', { toTag: 'x1', headers: [['WWW-Authenticate', 'Digest realm="b.example", nonce="n1"']] }));
    await settle();
    const up = core.take().filter((s) => !s.msg.isRequest);
    expect(describeAll(up)).toEqual(['407 INVITE -> udp:192.0.2.10:5062']);
    expect(up[0]!.msg.getHeaders('Proxy-Authenticate')).toEqual(['Digest realm="a.example", nonce="n0"']);
    expect(up[0]!.msg.getHeaders('WWW-Authenticate')).toEqual(['Digest realm="b.example", nonce="n1"']);
    stop();
  });

  it('allow-no-cancel: with Request-Disposition: no-cancel a 2xx leaves the other branch ringing', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('nocancel').replace('Content-Length: 0', 'Request-Disposition: no-cancel\n    Content-Length: 0'));
    await settle();
    const sent = core.take();
    const [b0, b1] = [sent[1]!.msg, sent[2]!.msg];
    await core.receiveReply(replyTo(b0, 180, 'Ringing', { toTag: 'x0' }));
    await core.receiveReply(replyTo(b1, 200, 'OK', { toTag: 'x1' }));
    await settle();
    expect(describeAll(core.take())).toEqual(['180 INVITE -> udp:192.0.2.10:5062', '200 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('a 6xx CANCELs the other branches and wins over a 4xx', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('fork'));
    await settle();
    const sent = core.take();
    const [b0, b1] = [sent[1]!.msg, sent[2]!.msg];
    await core.receiveReply(replyTo(b0, 180, 'Ringing', { toTag: 'x0' }));
    await settle();
    core.take();
    await core.receiveReply(replyTo(b1, 603, 'Decline', { toTag: 'x1' }));
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:carol@10.0.0.3 -> udp:10.0.0.3:5060', 'CANCEL sip:fork@10.0.0.2 -> udp:10.0.0.2:5060']);
    await core.receiveReply(replyTo(b0, 487, 'Request Terminated', { toTag: 'x0' }));
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:fork@10.0.0.2 -> udp:10.0.0.2:5060', '603 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('a branch that completes while another is still being resolved ends the round once sending is over', async () => {
    const { core, stop } = await start();
    core.dnsDelay.set('slow.example.com', 100);
    core.dns.set('slow.example.com', ['10.0.0.9']);
    core.failing.add('udp:10.0.0.9:5060');
    // The script waits in t_relay until carol's DNS answer comes.
    const run = core.receiveRequest(invite('slowfork'));
    await settle();
    const b0 = relayedTo(core.take(), 'INVITE', '10.0.0.2').msg;
    await core.receiveReply(replyTo(b0, 486, 'Busy Here', { toTag: 'x0' }));
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:slowfork@10.0.0.2 -> udp:10.0.0.2:5060']);
    await jest.advanceTimersByTimeAsync(100);
    await run;
    // carol's branch failed to send (477); the 486 is the better final reply.
    expect(describeAll(core.take())).toEqual(['486 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('branch_route runs per branch and can drop one', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('branchy'));
    await settle();
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062', 'INVITE sip:branchy@10.0.0.2 -> udp:10.0.0.2:5060']);
    expect(core.scriptLogs).toEqual(['branch 0 to sip:branchy@10.0.0.2\n']);
    stop();
  });
});

describe('non-INVITE', () => {
  const options = `
    OPTIONS sip:bob@10.0.0.2 SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKo1
    Max-Forwards: 70
    From: <sip:alice@example.com>;tag=a1
    To: <sip:bob@example.com>
    Call-ID: opt1@192.0.2.10
    CSeq: 7 OPTIONS
    Content-Length: 0
  `;

  it('timer E retransmits up to T2 and timer F (fr_timeout) answers 408', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(options);
    await settle();
    expect(describeAll(core.take())).toEqual(['OPTIONS sip:bob@10.0.0.2 -> udp:10.0.0.2:5060']); // no 100 for non-INVITE
    await jest.advanceTimersByTimeAsync(5000);
    const sent = core.take();
    // Retransmissions at 0.5, 1.5, 3.5 s; 408 at 5 s; sent to the Via port (no rport).
    expect(describeAll(sent)).toEqual([
      'OPTIONS sip:bob@10.0.0.2 -> udp:10.0.0.2:5060',
      'OPTIONS sip:bob@10.0.0.2 -> udp:10.0.0.2:5060',
      'OPTIONS sip:bob@10.0.0.2 -> udp:10.0.0.2:5060',
      '408 OPTIONS -> udp:192.0.2.10:5062',
    ]);
    expect(core.statValue('tm:timeout_finalresponse')).toBe(1);
    // A retransmission of the request now gets the 408 again.
    expect((await core.receiveRequest(options)).consumed).toBe(true);
    expect(describeAll(core.take())).toEqual(['408 OPTIONS -> udp:192.0.2.10:5062']);
    stop();
  });

  it('relays the final reply once and absorbs its repetition', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(options);
    await settle();
    const out = core.take()[0]!.msg;
    await core.receiveReply(replyTo(out, 200, 'OK'));
    await settle();
    expect(describeAll(core.take())).toEqual(['200 OPTIONS -> udp:192.0.2.10:5062']);
    expect(await core.receiveReply(replyTo(out, 200, 'OK'))).toBe(true);
    await settle();
    expect(core.take()).toHaveLength(0);
    stop();
  });
});

describe('reliable transports', () => {
  it('over TCP: no request or reply retransmissions, replies go back to the connection source', async () => {
    const { core, stop } = await start();
    const text = invite('bob', { proto: 'TCP' }).replace('sip:bob@10.0.0.2', 'sip:bob@10.0.0.2;transport=tcp');
    await core.receiveRequest(text, UAC_TCP);
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['100 INVITE -> tcp:192.0.2.10:40123', 'INVITE sip:bob@10.0.0.2;transport=tcp -> tcp:10.0.0.2:5060']);
    expect(sent[1]!.msg.topVia().transport).toBe('TCP');
    await jest.advanceTimersByTimeAsync(4900);
    expect(core.take()).toHaveLength(0);
    await core.receiveReply(replyTo(sent[1]!.msg, 486, 'Busy Here'), { ...UAC_TCP, srcIp: '10.0.0.2', srcPort: 5060 });
    await settle();
    expect(describeAll(core.take())).toEqual(['ACK sip:bob@10.0.0.2;transport=tcp -> tcp:10.0.0.2:5060', '486 INVITE -> tcp:192.0.2.10:40123']);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(core.take()).toHaveLength(0);
    stop();
  });
});

describe('send failures', () => {
  it('tries the next address, then answers 477 when every address failed', async () => {
    const { core, stop } = await start();
    core.dns.set('pbx.example.com', ['10.0.0.7', '10.0.0.8']);
    core.failing.add('udp:10.0.0.7:5060');
    await core.receiveRequest(invite('bob').replace('sip:bob@10.0.0.2', 'sip:bob@pbx.example.com'));
    await settle();
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062', 'INVITE sip:bob@pbx.example.com -> udp:10.0.0.8:5060']);

    core.failing.add('udp:10.0.0.8:5060');
    await core.receiveRequest(invite('bob', { branch: 'z9hG4bKc2', callId: 'call2' }).replace('sip:bob@10.0.0.2', 'sip:bob@pbx.example.com'));
    await settle();
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['100 INVITE -> udp:192.0.2.10:5062', '477 INVITE -> udp:192.0.2.10:5062']);
    expect(sent[1]!.msg.reason).toBe('Send failed (477/TM)');
    expect(core.scriptLogs).toContain('relay failed\n');
    stop();
  });

  it('answers 478 for a destination that does not resolve', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob').replace('sip:bob@10.0.0.2', 'sip:bob@nowhere.invalid'));
    await settle();
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062', '478 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });
});

describe('shutdown', () => {
  it('registers a shutdown hook that resolves once transactions are over', async () => {
    const { core, stop } = await start();
    expect(core.shutdownHooks).toHaveLength(1);
    await core.receiveRequest(invite('busy'));
    await settle();
    let done = false;
    void core.shutdownHooks[0]!().then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(30_000); // timer H (no ACK) ends the transaction
    expect(done).toBe(true);
    stop();
  });
});

it('parses what it sends (sanity of the fake core)', () => {
  expect(parseMessage(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n')).status).toBe(200);
  expect(UAC_UDP.proto).toBe('udp');
});

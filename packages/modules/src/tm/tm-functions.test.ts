/**
 * tm's script-facing details: per-transaction timers ($T_fr_timeout), pseudo-variables,
 * t_check_status / t_was_cancelled / t_local_replied, the t_newtran guard and RFC 2543
 * matching. Driven through the in-memory core with jest's fake clock.
 */
import { createTm } from './index';
import { FakeCore, replyTo, type Sent } from './testing/fake-core';

const SCRIPT = `
loadmodule "tm.so"
loadmodule "tmtest.so"
modparam("tm", "fr_timeout", 3)
modparam("tm", "fr_inv_timeout", 6)
modparam("tm", "T1_timer", 200)

route {
  if ($rm == "CANCEL") {
    if (t_check_trans()) {
      xlog("cancel matches\\n");
      t_relay();
    }
    exit;
  }
  if ($rU == "newtran") {
    t_newtran();
    xlog("newtran code=$T_reply_code\\n");
    exit;
  }
  if ($rU == "short") {
    $T_fr_timeout = 1;
  }
  t_on_failure("fail");
  t_on_reply("rpl");
  t_relay();
  xlog("relayed ruri=$T_ruri fr=$T_fr_timeout inv=$T_fr_inv_timeout code=$T_reply_code\\n");
}

onreply_route[rpl] {
  if (t_check_status("18[0-9]")) xlog("ringing $T_reply_code on $T_branch_idx\\n");
}

failure_route[fail] {
  if (t_was_cancelled()) xlog("was cancelled $T_reply_code\\n");
  else xlog("not cancelled $T_reply_code\\n");
  if (t_local_replied("all")) xlog("all local\\n");
  xlog("branch $T_branch_idx last code $T_branch_last_reply_code\\n");
}
`;

function invite(user: string, branch = 'z9hG4bKf1'): string {
  return `
    INVITE sip:${user}@10.0.0.2 SIP/2.0
    Via: SIP/2.0/UDP 192.0.2.10:5062;branch=${branch};rport
    Max-Forwards: 70
    From: <sip:alice@example.com>;tag=a1
    To: <sip:${user}@example.com>
    Call-ID: f1@192.0.2.10
    CSeq: 1 INVITE
    Content-Length: 0
  `;
}

const describeAll = (s: Sent[]): string[] => s.map(FakeCore.describe);

async function start(): Promise<{ core: FakeCore; stop: () => void }> {
  const tm = createTm();
  const core = await FakeCore.start(SCRIPT, tm);
  return { core, stop: () => void tm.destroy?.() };
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('tm functions and pseudo-variables', () => {
  it('$T_fr_timeout shortens one transaction; failure_route sees 408, no reply, branch 0', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('short'));
    await jest.advanceTimersByTimeAsync(0);
    expect(core.scriptLogs).toEqual(['relayed ruri=sip:short@10.0.0.2 fr=1 inv=6 code=100\n']);
    core.take();
    await jest.advanceTimersByTimeAsync(999);
    // T1_timer = 200: INVITE retransmissions at 200 and 600 ms.
    expect(describeAll(core.take())).toEqual(['INVITE sip:short@10.0.0.2 -> udp:10.0.0.2:5060', 'INVITE sip:short@10.0.0.2 -> udp:10.0.0.2:5060']);
    await jest.advanceTimersByTimeAsync(1);
    expect(describeAll(core.take())).toEqual(['408 INVITE -> udp:192.0.2.10:5062']);
    expect(core.scriptLogs.slice(1)).toEqual(['not cancelled 408\n', 'all local\n', 'branch 0 last code 0\n']);
    stop();
  });

  it('t_check_status in onreply_route; a CANCEL after ringing makes failure_route see t_was_cancelled and 487', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await jest.advanceTimersByTimeAsync(0);
    const out = core.take()[1]!.msg;
    await core.receiveReply(replyTo(out, 180, 'Ringing'));
    await jest.advanceTimersByTimeAsync(0);
    expect(core.scriptLogs).toContain('ringing 180 on 0\n');
    await core.receiveRequest(`
      CANCEL sip:bob@10.0.0.2 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKf1;rport
      Max-Forwards: 70
      From: <sip:alice@example.com>;tag=a1
      To: <sip:bob@example.com>
      Call-ID: f1@192.0.2.10
      CSeq: 1 CANCEL
      Content-Length: 0
    `);
    await jest.advanceTimersByTimeAsync(0);
    expect(core.scriptLogs).toContain('cancel matches\n');
    core.take();
    await core.receiveReply(replyTo(out, 487, 'Request Terminated'));
    await jest.advanceTimersByTimeAsync(0);
    expect(core.scriptLogs.slice(-2)).toEqual(['was cancelled 487\n', 'branch 0 last code 487\n']);
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['ACK sip:bob@10.0.0.2 -> udp:10.0.0.2:5060', '487 INVITE -> udp:192.0.2.10:5062']);
    stop();
  });

  it('a CANCEL before any provisional reply: the branch times out as 487 (cancelled), not 408', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('bob'));
    await jest.advanceTimersByTimeAsync(0);
    await core.receiveRequest(`
      CANCEL sip:bob@10.0.0.2 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKf1;rport
      From: <sip:alice@example.com>;tag=a1
      To: <sip:bob@example.com>
      Call-ID: f1@192.0.2.10
      CSeq: 1 CANCEL
      Content-Length: 0
    `);
    await jest.advanceTimersByTimeAsync(0);
    core.take();
    await jest.advanceTimersByTimeAsync(3000);
    const up = core.take().filter((s) => !s.msg.isRequest);
    expect(describeAll(up)).toEqual(['487 INVITE -> udp:192.0.2.10:5062']);
    expect(core.scriptLogs).toContain('was cancelled 487\n');
    stop();
  });

  it('t_newtran absorbs retransmissions; a transaction nobody answers gets 500 after fr_timeout', async () => {
    const { core, stop } = await start();
    await core.receiveRequest(invite('newtran'));
    await jest.advanceTimersByTimeAsync(0);
    expect(core.scriptLogs).toEqual(['newtran code=100\n']);
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062']);
    expect((await core.receiveRequest(invite('newtran'))).consumed).toBe(true);
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062']);
    await jest.advanceTimersByTimeAsync(3000);
    const sent = core.take();
    expect(describeAll(sent)).toEqual(['500 INVITE -> udp:192.0.2.10:5062']);
    expect(core.logs.some((l) => l.includes('neither relayed nor answered'))).toBe(true);
    stop();
  });

  it('matches RFC 2543 requests (no magic cookie) by Call-ID, From tag, CSeq, Via and Request-URI', async () => {
    const { core, stop } = await start();
    const old = invite('bob', '1234abcd');
    await core.receiveRequest(old);
    await jest.advanceTimersByTimeAsync(0);
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062', 'INVITE sip:bob@10.0.0.2 -> udp:10.0.0.2:5060']);
    expect((await core.receiveRequest(old)).consumed).toBe(true);
    expect(describeAll(core.take())).toEqual(['100 INVITE -> udp:192.0.2.10:5062']);
    // Another CSeq is another transaction.
    const next = await core.receiveRequest(old.replace('CSeq: 1 INVITE', 'CSeq: 2 INVITE'));
    expect(next.consumed).toBe(false);
    stop();
  });
});

/**
 * Issue 4 acceptance, end to end: one real tsips (test/e2e/configs/proxy.cfg, the example's
 * registrar + proxy without auth) on loopback, driven by real sipp callers (127.0.0.3) and
 * callees (127.0.0.2). Each call test registers its own callee, whose contact is the port
 * of that test's sipp UAS, so tests never see each other's bindings.
 */
import {
  ProcessGroup, expectSippOk, benchScenario, crashLines, freePort, receivedStatusCodes, register,
  scenario, startSipp, startTsips, tracedMessages, type SippResult, type TsipsServer,
} from './harness';

jest.setTimeout(60000);

const CALLER_IP = '127.0.0.3';
const CALLEE_IP = '127.0.0.2';

let group: ProcessGroup;
let proxy: TsipsServer;

beforeAll(async () => {
  group = new ProcessGroup('calls');
  proxy = await startTsips(group, { vars: { FR_TIMEOUT: 2, FR_INV_TIMEOUT: 3 } });
});

afterAll(async () => {
  try {
    if (proxy?.running) {
      const status = await proxy.stop();
      // a clean SIGTERM shutdown is part of the acceptance, so it is asserted here
      expect({ status, crash: crashLines(proxy.stderr) }).toEqual({ status: { code: 0, signal: null }, crash: [] });
    }
  } finally {
    await group?.dispose();
  }
});


/** Registers `user` with a contact at a fresh UAS port on the callee address; returns that port. */
async function registerCallee(user: string, transport: 'udp' | 'tcp' = 'udp'): Promise<number> {
  const uasPort = await freePort(CALLEE_IP);
  const contact = `sip:${user}@${CALLEE_IP}:${uasPort}${transport === 'tcp' ? ';transport=tcp' : ''}`;
  // the REGISTER comes from the UAS's own address and port, as a phone's would
  const r = await register(group, proxy, user, contact, { ip: CALLEE_IP, port: uasPort });
  expectSippOk(r);
  return uasPort;
}

/** Runs a UAS scenario on the callee side and a UAC scenario against the proxy. */
async function call(opts: {
  name: string; user: string; uas: string; uac: string; uasPort: number;
  transport?: 'udp' | 'tcp'; timeoutS?: number;
}): Promise<{ uas: SippResult; uac: SippResult }> {
  const transport = opts.transport ?? 'udp';
  const uas = startSipp(group, {
    name: `${opts.name}-uas`, scenario: opts.uas, localIp: CALLEE_IP, localPort: opts.uasPort,
    transport, timeoutS: opts.timeoutS ?? 20,
  });
  await uas.ready();
  const uac = startSipp(group, {
    name: `${opts.name}-uac`, scenario: opts.uac, remote: proxy.address, localIp: CALLER_IP,
    localPort: await freePort(CALLER_IP), transport, service: opts.user, timeoutS: opts.timeoutS ?? 20,
  });
  const [uasResult, uacResult] = await Promise.all([uas.done, uac.done]);
  return { uas: uasResult, uac: uacResult };
}

describe('registrar', () => {
  it('registers two users and answers 200 OK with their bindings', async () => {
    const alicePort = await freePort(CALLER_IP);
    const bobPort = await freePort(CALLEE_IP);
    const alice = await register(group, proxy, 'alice', `sip:alice@${CALLER_IP}:${alicePort}`, { ip: CALLER_IP, port: alicePort });
    const bob = await register(group, proxy, 'bob', `sip:bob@${CALLEE_IP}:${bobPort}`, { ip: CALLEE_IP, port: bobPort });
    expectSippOk(alice);
    expectSippOk(bob);
    const [aliceOk] = tracedMessages(alice.messages, 'received').filter((m) => m.startsWith('SIP/2.0 200'));
    const [bobOk] = tracedMessages(bob.messages, 'received').filter((m) => m.startsWith('SIP/2.0 200'));
    // each binding comes back in a Contact of the 200 OK with the granted expires
    expect(aliceOk).toMatch(new RegExp(`^(Contact|m):.*<sip:alice@${CALLER_IP.replace(/\./g, '\\.')}:${alicePort}>;\\s*expires=3600`, 'mi'));
    expect(bobOk).toMatch(new RegExp(`^(Contact|m):.*<sip:bob@${CALLEE_IP.replace(/\./g, '\\.')}:${bobPort}>;\\s*expires=3600`, 'mi'));
    // the reply keeps the request's Call-ID and CSeq, and the To gets a tag
    expect(bobOk).toMatch(/^CSeq:\s*1 REGISTER\s*$/mi);
    expect(bobOk).toMatch(/^To:.*;tag=\S+/mi);
  });
});

describe('calls through the proxy', () => {
  it('places a full call A->B over UDP (INVITE/180/200/ACK/BYE/200)', async () => {
    const uasPort = await registerCallee('bob-udp');
    const { uas, uac } = await call({
      name: 'udp', user: 'bob-udp', uas: benchScenario('uas_call.xml'), uac: benchScenario('uac_call.xml'), uasPort,
    });
    expectSippOk(uac);
    expectSippOk(uas);
    // the proxy record-routes, so the in-dialog ACK and BYE come through it as well
    const invite = tracedMessages(uas.messages, 'received').find((m) => m.startsWith('INVITE '));
    expect(invite).toMatch(new RegExp(`^Record-Route:.*127\\.0\\.0\\.1:${proxy.port}`, 'mi'));
    expect(invite).toMatch(/^Max-Forwards:\s*69\s*$/mi);
    expect(invite).toMatch(new RegExp(`^INVITE sip:bob-udp@${CALLEE_IP.replace(/\./g, '\\.')}:${uasPort} SIP/2\\.0`));
    const received = tracedMessages(uas.messages, 'received').map((m) => m.split(' ')[0]);
    expect(received).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('places a full call A->B over TCP on both legs', async () => {
    const uasPort = await registerCallee('bob-tcp', 'tcp');
    const { uas, uac } = await call({
      name: 'tcp', user: 'bob-tcp', uas: benchScenario('uas_call.xml'), uac: benchScenario('uac_call.xml'),
      uasPort, transport: 'tcp',
    });
    expectSippOk(uac);
    expectSippOk(uas);
    expect(uas.messages).toMatch(/TCP message received/);
    expect(uas.messages).not.toMatch(/UDP message received/);
    const invite = tracedMessages(uas.messages, 'received').find((m) => m.startsWith('INVITE '));
    expect(invite).toMatch(/^Via:\s*SIP\/2\.0\/TCP 127\.0\.0\.1:/mi);
  });

  it('relays every retransmission of the 200 OK while the ACK is missing', async () => {
    const uasPort = await registerCallee('bob-acklost');
    const { uas, uac } = await call({
      name: 'acklost', user: 'bob-acklost', uas: benchScenario('uas_call.xml'), uac: scenario('uac_ack_lost.xml'), uasPort,
    });
    expectSippOk(uac);
    expectSippOk(uas);
    // the callee retransmitted its 200 (at 0.5 s and 1.5 s) while the caller held back the ACK
    expect(uas.counts['2_200_Retrans']).toBeGreaterThanOrEqual(2);
    // and every copy reached the caller through the proxy
    expect(uac.counts['3_200_Retrans']).toBe(uas.counts['2_200_Retrans']);
  });

  it('cancels a ringing call: 200 for the CANCEL, 487 for the INVITE', async () => {
    const uasPort = await registerCallee('bob-cancel');
    const { uas, uac } = await call({
      name: 'cancel', user: 'bob-cancel', uas: scenario('uas_ring_cancel.xml'), uac: scenario('uac_cancel.xml'), uasPort,
    });
    expectSippOk(uac);
    expectSippOk(uas);
    expect(receivedStatusCodes(uac.messages).filter((c) => c >= 180)).toEqual([180, 200, 487]);
    // the CANCEL reached the callee, and the callee's 487 was acknowledged hop by hop
    const atCallee = tracedMessages(uas.messages, 'received').map((m) => m.split(' ')[0]);
    expect(atCallee).toEqual(['INVITE', 'CANCEL', 'ACK']);
  });

  it('answers 408 and cancels the branch when B rings but never answers (fr_inv_timeout)', async () => {
    const uasPort = await registerCallee('bob-ringing');
    const started = Date.now();
    const { uas, uac } = await call({
      name: 'noanswer', user: 'bob-ringing', uas: scenario('uas_ring_cancel.xml'), uac: scenario('uac_no_answer.xml'), uasPort,
    });
    expectSippOk(uac);
    expect(receivedStatusCodes(uac.messages).filter((c) => c >= 180)).toEqual([180, 408]);
    // fr_inv_timeout is 3 s in this config: the 408 must not come much earlier
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    // the proxy cancelled the ringing branch (RFC 3261 16.8) and acknowledged the 487
    expectSippOk(uas);
  });

  it('answers 408 when B does not respond at all (fr_timeout), retransmitting the INVITE meanwhile', async () => {
    const uasPort = await registerCallee('bob-silent');
    const { uas, uac } = await call({
      name: 'silent', user: 'bob-silent', uas: scenario('uas_silent.xml'), uac: scenario('uac_no_response.xml'), uasPort,
    });
    expectSippOk(uac);
    expect(receivedStatusCodes(uac.messages)).toEqual([100, 408]);
    expect(uas.code).toBe(0);
    // timer A over UDP: copies at 0.5 s and 1.5 s before fr_timeout (2 s) ends the branch
    expect(uas.counts['0_INVITE_Retrans']).toBeGreaterThanOrEqual(2);
  });

  it('answers 404 for a user that is not registered', async () => {
    const uac = await startSipp(group, {
      name: 'unknown', scenario: scenario('uac_unknown_user.xml'), remote: proxy.address, localIp: CALLER_IP,
      localPort: await freePort(CALLER_IP), service: 'nobody-here', timeoutS: 10,
    }).done;
    expectSippOk(uac);
    expect(receivedStatusCodes(uac.messages).filter((c) => c >= 200)).toEqual([404]);
  });

  it('answers 483 to an INVITE with Max-Forwards: 0 instead of relaying it', async () => {
    const uasPort = await registerCallee('bob-hops');
    const uas = startSipp(group, {
      name: 'hops-uas', scenario: benchScenario('uas_call.xml'), localIp: CALLEE_IP, localPort: uasPort, timeoutS: 6,
    });
    await uas.ready();
    const uac = await startSipp(group, {
      name: 'hops-uac', scenario: scenario('uac_max_forwards_zero.xml'), remote: proxy.address, localIp: CALLER_IP,
      localPort: await freePort(CALLER_IP), service: 'bob-hops', timeoutS: 10,
    }).done;
    expectSippOk(uac);
    expect(receivedStatusCodes(uac.messages)).toEqual([483]);
    // the registered callee never saw the INVITE: its sipp times out with no call at all
    const uasResult = await uas.done;
    expect(tracedMessages(uasResult.messages, 'received')).toEqual([]);
  });
});

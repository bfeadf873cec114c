/**
 * Inside-attacks acceptance, end to end: one real tsips (test/e2e/configs/inside.cfg, the
 * registrar + stateful proxy of proxy.cfg with dialog and drouting) holding the talk's
 * snippets (../shared/seed/snippets: in-dialog.cfg, contact-check.cfg,
 * blacklists-global.cfg, blacklists-route.cfg) unmodified, driven by real sipp peers on
 * loopback: callers on 127.0.0.3, callees on 127.0.0.2, the drouting gateway on 127.0.0.70.
 *
 * Nothing may ever be sent to the media server of the talk's blacklist (192.168.2.100): the
 * talk's `media` list refuses it, and the config adds a default list refusing every
 * destination outside 127.0.0.0/8 as a guard (tsips has no "loopback only" switch; the tm
 * unit test guards with a wrapping module, which a real process cannot load). The test
 * asserts the refusal names the talk's list, not the guard.
 */
import * as path from 'node:path';
import { sharedDir } from '@tsips/test-support';
import {
  ProcessGroup, expectCleanStop, expectSippOk, benchScenario, configTemplate, createDatabase, freePort,
  receivedStatusCodes, register, runSipp, scenario, startSipp, startTsips, tracedMessages,
  type SippResult, type TsipsServer,
} from './harness';

jest.setTimeout(60000);

const CALLER_IP = '127.0.0.3';
const CALLEE_IP = '127.0.0.2';
const GW_IP = '127.0.0.70';
const MEDIA = '192.168.2.100:5060';

interface SqliteDb {
  prepare(sql: string): { run(...args: unknown[]): unknown };
  close(): void;
}
// better-sqlite3 (a dependency of @tsips/core) has no type package installed here
const Database = require('better-sqlite3') as new (file: string) => SqliteDb;

let group: ProcessGroup;
let proxy: TsipsServer;
let gwPort: number;

beforeAll(async () => {
  group = new ProcessGroup('inside');
  gwPort = await freePort(GW_IP);
  const dbPath = path.join(group.subdir('db'), 'tsips.db');
  await createDatabase(group, `sqlite://${dbPath}`);
  // the PSTN gateway drouting knows, type 0: the talk's define_blacklist 'gws= 0' lists it
  const db = new Database(dbPath);
  db.prepare('INSERT INTO dr_gateways (gwid, type, address, strip, probe_mode, state, description) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run('pstn-gw', 0, `${GW_IP}:${gwPort}`, 0, 0, 0, 'inside-attacks e2e gateway');
  db.close();
  const snippet = (name: string): string => sharedDir('seed', 'snippets', name);
  proxy = await startTsips(group, {
    template: configTemplate('inside.cfg'), dbPath,
    vars: {
      IN_DIALOG: snippet('in-dialog.cfg'),
      CONTACT_CHECK: snippet('contact-check.cfg'),
      BLACKLISTS_GLOBAL: snippet('blacklists-global.cfg'),
      BLACKLISTS_ROUTE: snippet('blacklists-route.cfg'),
    },
  });
});

afterAll(async () => {
  try {
    await expectCleanStop(proxy);
  } finally {
    await group?.dispose();
  }
});

/** Registers `user` with `contact`, the REGISTER coming from the caller address. */
async function registerContact(user: string, contact: string): Promise<void> {
  expectSippOk(await register(group, proxy, user, contact, { ip: CALLER_IP, port: await freePort(CALLER_IP) }));
}

/** Registers `user` at a fresh UAS port on the callee address; returns the port. */
async function registerCallee(user: string): Promise<number> {
  const uasPort = await freePort(CALLEE_IP);
  const r = await register(group, proxy, user, `sip:${user}@${CALLEE_IP}:${uasPort}`, { ip: CALLEE_IP, port: uasPort });
  expectSippOk(r);
  return uasPort;
}

async function uac(name: string, file: string, user: string, keys?: Record<string, string>): Promise<SippResult> {
  return runSipp(group, {
    name, scenario: file, remote: proxy.address, localIp: CALLER_IP, localPort: await freePort(CALLER_IP),
    service: user, keys, timeoutS: 15,
  });
}

/** Lines of tsips's log from `mark` (a stderr length taken before the step) on. */
function logSince(mark: number): string {
  return proxy.stderr.slice(mark);
}

function methods(r: SippResult): string[] {
  return tracedMessages(r.messages, 'received').map((m) => m.split(' ')[0]);
}

describe('in-dialog requests (in-dialog.cfg)', () => {
  it('drops a BYE for a dialog that does not exist without a reply; a real call and its BYE pass', async () => {
    const uasPort = await registerCallee('bob-unknown');
    const uas = startSipp(group, {
      name: 'unknown-uas', scenario: benchScenario('uas_call.xml'), localIp: CALLEE_IP, localPort: uasPort, timeoutS: 20,
    });
    await uas.ready();
    const mark = proxy.stderr.length;
    const forged = await uac('forged-bye', scenario('uac_bye_unknown_dialog.xml'), 'bob-unknown',
      { target: `sip:bob-unknown@${CALLEE_IP}:${uasPort}` });
    expectSippOk(forged);
    // no reply at all, and the snippet's log line
    expect(receivedStatusCodes(forged.messages)).toEqual([]);
    expect(logSince(mark)).toMatch(/Unknown dialog\. Might as well reject/);

    const call = await uac('valid-call', benchScenario('uac_call.xml'), 'bob-unknown');
    const callee = await uas.done;
    expectSippOk(call);
    expectSippOk(callee);
    // the forged BYE never reached the callee: it saw the real call only
    expect(methods(callee)).toEqual(['INVITE', 'ACK', 'BYE']);
    const invite = tracedMessages(callee.messages, 'received')[0];
    // record-routed with the dialog's did
    expect(invite).toMatch(new RegExp(`^Record-Route:.*127\\.0\\.0\\.1:${proxy.port};lr;did=[0-9a-f]+\\.[0-9a-f]+`, 'mi'));
    expect(logSince(mark)).not.toMatch(/Invalid in-dialog request/);
  });

  // [what, scenario, validate_dialog's own log line (null: it logs none for a CSeq), check of the BYE the callee got]
  const tampered: Array<[string, string, RegExp | null, (bye: string) => void]> = [
    ['a BYE whose CSeq is not above the INVITE\'s', 'uac_bye_bad_cseq.xml', null,
      // fix_route_dialog leaves the CSeq as it came (as OpenSIPS does)
      (bye) => expect(bye).toMatch(/^CSeq:\s*1 BYE\s*$/mi)],
    ['a BYE with a forged remote target (Request-URI not the callee\'s contact)', 'uac_bye_bad_target.xml',
      /validate_dialog: failed to validate remote contact: dlg=\[sip:127\.0\.0\.2:\d+;transport=UDP\] , req=\[sip:mallory@127\.0\.0\.98:5098\]/,
      (bye) => expect(bye).toMatch(/^CSeq:\s*2 BYE\s*$/mi)],
    ['a BYE with a changed route set (an extra Route hop)', 'uac_bye_bad_route.xml',
      /validate_dialog: different number of routes found in msg\. req=1, dlg=0/,
      // the dialog's route set toward the callee is empty: the forged hop is gone
      (bye) => expect(bye).not.toMatch(/^Route:/mi)],
  ];
  it.each(tampered)('detects %s and re-targets it to the dialog\'s contact (fix_route_dialog)', async (label, file, reason, check) => {
    const user = `bob-${file.replace(/^uac_bye_|\.xml$/g, '')}`.replace(/_/g, '-');
    const uasPort = await registerCallee(user);
    const uas = startSipp(group, {
      name: `${user}-uas`, scenario: benchScenario('uas_call.xml'), localIp: CALLEE_IP, localPort: uasPort, timeoutS: 20,
    });
    await uas.ready();
    const mark = proxy.stderr.length;
    const call = await uac(`${user}-uac`, scenario(file), user);
    const callee = await uas.done;
    expectSippOk(call);
    expectSippOk(callee);
    const log = logSince(mark);
    // once, for the BYE (the INVITE and ACK were valid)
    expect(log.match(/Invalid in-dialog request/g)).toHaveLength(1);
    if (reason) expect(log).toMatch(reason);
    else expect(log).not.toMatch(/validate_dialog:/);
    expect(methods(callee)).toEqual(['INVITE', 'ACK', 'BYE']);
    const bye = tracedMessages(callee.messages, 'received')[2];
    // the callee got it at its own contact (the dialog's remote target), not the forged one
    expect(bye.split('\r\n')[0].split('\n')[0]).toMatch(new RegExp(`^BYE sip:${CALLEE_IP.replace(/\./g, '\\.')}:${uasPort}\\b`));
    expect(bye).not.toMatch(/127\.0\.0\.9[89]|mallory/);
    check(bye);
    void label;
  });
});

describe('contacts at the gateway address (contact-check.cfg)', () => {
  const good = (user: string, n: number): string => `sip:${user}@${CALLEE_IP}:${40000 + n}`;
  it.each([1, 2, 3])('refuses a REGISTER whose contact %i of 3 is at host GWIP with 476, saving nothing', async (position) => {
    const user = `eve-gwip-${position}`;
    const contacts = [good(user, 1), good(user, 2), good(user, 3)];
    contacts[position - 1] = `sip:${user}@GWIP`;
    const mark = proxy.stderr.length;
    const r = await runSipp(group, {
      name: `register-gwip-${position}`, scenario: scenario('register_contacts.xml'), remote: proxy.address,
      localIp: CALLER_IP, localPort: await freePort(CALLER_IP), service: user,
      keys: { c1: contacts[0], c2: contacts[1], c3: contacts[2] }, timeoutS: 10,
    });
    expectSippOk(r);
    expect(receivedStatusCodes(r.messages)).toEqual([476]);
    expect(tracedMessages(r.messages, 'received')[0]).toMatch(/^SIP\/2\.0 476 Contact Unacceptable/);
    expect(logSince(mark)).toMatch(new RegExp(`SECURITY ALERT: ${CALLER_IP.replace(/\./g, '\\.')} registering GWIP`));
    // none of the three bindings was saved: a call to the user finds nobody
    const call = await uac(`call-gwip-${position}`, scenario('uac_unknown_user.xml'), user);
    expectSippOk(call);
    expect(receivedStatusCodes(call.messages).filter((c) => c >= 200)).toEqual([404]);
  });
});

describe('destinations on the blacklists (blacklists-global.cfg, blacklists-route.cfg)', () => {
  it('refuses a call to a contact at the drouting gateway (gws): 473, and the gateway receives nothing', async () => {
    const gw = startSipp(group, {
      name: 'gateway', scenario: benchScenario('uas_call.xml'), localIp: GW_IP, localPort: gwPort, timeoutS: 4,
    });
    await gw.ready();
    await registerContact('mallory-gw', `sip:mallory-gw@${GW_IP}:${gwPort}`);
    const mark = proxy.stderr.length;
    const call = await uac('call-gw', scenario('uac_call_refused.xml'), 'mallory-gw');
    expectSippOk(call);
    expect(receivedStatusCodes(call.messages).filter((c) => c >= 200)).toEqual([473]);
    expect(tracedMessages(call.messages, 'received').find((m) => m.startsWith('SIP/2.0 473')))
      .toMatch(/^SIP\/2\.0 473 Filtered destination/);
    expect(logSince(mark)).toMatch(new RegExp(`blocked by blacklist 'gws'`));
    const atGateway = await gw.done;
    expect(tracedMessages(atGateway.messages, 'received')).toEqual([]);
  });

  it(`refuses a call to a contact at the media server (${MEDIA}): 473, nothing sent`, async () => {
    await registerContact('mallory-media', `sip:mallory-media@${MEDIA}`);
    const mark = proxy.stderr.length;
    const call = await uac('call-media', scenario('uac_call_refused.xml'), 'mallory-media');
    expectSippOk(call);
    expect(receivedStatusCodes(call.messages).filter((c) => c >= 200)).toEqual([473]);
    const log = logSince(mark);
    // refused by the talk's list (the loopback guard comes after it), before any send
    expect(log).toMatch(/tm: udp:192\.168\.2\.100:5060 blocked by blacklist 'media'/);
    expect(log).not.toMatch(/blocked by blacklist 'loopback_guard'/);
  });

  it('the test guard holds: a contact outside loopback on no talk list (192.0.2.1) is refused too', async () => {
    await registerContact('mallory-net', 'sip:mallory-net@192.0.2.1:5060');
    const mark = proxy.stderr.length;
    const call = await uac('call-net', scenario('uac_call_refused.xml'), 'mallory-net');
    expectSippOk(call);
    expect(receivedStatusCodes(call.messages).filter((c) => c >= 200)).toEqual([473]);
    expect(logSince(mark)).toMatch(/tm: udp:192\.0\.2\.1:5060 blocked by blacklist 'loopback_guard'/);
  });
});

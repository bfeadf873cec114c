/**
 * Issue 4 acceptance: a registration survives a restart of tsips. Register, stop tsips with
 * SIGTERM (clean exit, contacts flushed to SQLite), start a new process on the same database
 * and port, and call the user: the new process finds the binding and the call completes.
 */
import {
  ProcessGroup, expectSippOk, benchScenario, crashLines, freePort, register, startSipp, startTsips,
  tracedMessages, type TsipsServer,
} from './harness';

jest.setTimeout(60000);

let group: ProcessGroup;
const servers: TsipsServer[] = [];

beforeAll(() => {
  group = new ProcessGroup('restart');
});

afterAll(async () => {
  try {
    for (const s of servers) if (s.running) await s.stop();
  } finally {
    await group?.dispose();
  }
});


it('keeps a registration across a SIGTERM restart on the same database', async () => {
  const first = await startTsips(group);
  servers.push(first);
  const uasPort = await freePort('127.0.0.2');
  expectSippOk(await register(group, first, 'carol', `sip:carol@127.0.0.2:${uasPort}`, { ip: '127.0.0.2', port: uasPort }));

  const stopped = await first.stop();
  expect({ status: stopped, crash: crashLines(first.stderr) }).toEqual({ status: { code: 0, signal: null }, crash: [] });

  const second = await startTsips(group, { port: first.port, dbPath: first.dbPath });
  servers.push(second);

  const uas = startSipp(group, {
    name: 'after-restart-uas', scenario: benchScenario('uas_call.xml'), localIp: '127.0.0.2', localPort: uasPort, timeoutS: 15,
  });
  await uas.ready();
  const uac = await startSipp(group, {
    name: 'after-restart-uac', scenario: benchScenario('uac_call.xml'), remote: second.address, localIp: '127.0.0.3',
    localPort: await freePort('127.0.0.3'), service: 'carol', timeoutS: 15,
  }).done;
  const uasResult = await uas.done;
  expectSippOk(uac);
  expectSippOk(uasResult);
  const invite = tracedMessages(uasResult.messages, 'received').find((m) => m.startsWith('INVITE '));
  expect(invite).toMatch(new RegExp(`^INVITE sip:carol@127\\.0\\.0\\.2:${uasPort} SIP/2\\.0`));

  const status = await second.stop();
  expect({ status, crash: crashLines(second.stderr) }).toEqual({ status: { code: 0, signal: null }, crash: [] });
});

it('refuses to start on a port that is already taken, instead of pretending to serve', async () => {
  const first = await startTsips(group);
  servers.push(first);
  // same port, another database: the second process must fail to bind and exit non-zero
  await expect(startTsips(group, { port: first.port, readyTimeoutMs: 8000 })).rejects.toThrow(/tsips exited with \{"code":[1-9]/);
  const status = await first.stop();
  expect(status).toEqual({ code: 0, signal: null });
});

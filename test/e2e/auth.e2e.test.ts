/**
 * Digest authentication end to end: a real tsips (test/e2e/configs/auth.cfg) challenges
 * REGISTERs and checks the answers of a real sipp (its own MD5 digest implementation)
 * against a subscriber added with `tsips-cli user add`.
 */
import * as path from 'node:path';
import {
  ProcessGroup, expectCleanStop, registerWithAuth, TSIPS_CLI_BIN, configTemplate, createDatabase, describeSipp, freePort, receivedStatusCodes,
  startTsips, tracedMessages, within, type SippResult, type TsipsServer,
} from './harness';

jest.setTimeout(60000);

const UA_IP = '127.0.0.4';
let group: ProcessGroup;
let proxy: TsipsServer;

beforeAll(async () => {
  group = new ProcessGroup('auth');
  const dbPath = path.join(group.subdir('db'), 'tsips.db');
  const url = `sqlite://${dbPath}`;
  await createDatabase(group, url);
  const add = group.spawn('tsips-cli-user', process.execPath, [TSIPS_CLI_BIN, 'user', 'add', 'alice@127.0.0.1', 'Secr3t', '--url', url], group.dir);
  const status = await within(add.exited, 20000);
  if (!status || status.code !== 0) throw new Error(`tsips-cli user add failed: ${add.stderr}`);
  proxy = await startTsips(group, { template: configTemplate('auth.cfg'), dbPath });
});

afterAll(async () => {
  try {
    await expectCleanStop(proxy);
  } finally {
    await group?.dispose();
  }
});

function registerWith(password: string, final: number): Promise<SippResult> {
  return freePort(UA_IP).then((port) => registerWithAuth(group, proxy, 'alice', password, { ip: UA_IP, port }, final));
}

it('challenges a REGISTER and accepts sipp\'s digest answer (401, then 200 with the binding)', async () => {
  const r = await registerWith('Secr3t', 200);
  expect({ code: r.code, successful: r.successful, report: r.code === 0 ? '' : describeSipp(r) }).toEqual({ code: 0, successful: 1, report: '' });
  expect(receivedStatusCodes(r.messages)).toEqual([401, 200]);
  const [challenge] = tracedMessages(r.messages, 'received');
  expect(challenge).toMatch(/WWW-Authenticate: Digest realm="127\.0\.0\.1", nonce="[A-Za-z0-9_-]{43}", qop="auth"/);
  const sent = tracedMessages(r.messages, 'sent')[1]!;
  expect(sent).toMatch(/Authorization: Digest username="alice"/);
  const ok = tracedMessages(r.messages, 'received')[1]!;
  expect(ok).toMatch(/Contact: <sip:alice@127\.0\.0\.4:\d+>;expires=3600/);
});

it('answers a wrong password with a new challenge (401, 401) and logs -2', async () => {
  const r = await registerWith('wrong', 401);
  expect({ code: r.code, report: r.code === 0 ? '' : describeSipp(r) }).toEqual({ code: 0, report: '' });
  expect(receivedStatusCodes(r.messages)).toEqual([401, 401]);
  await proxy.waitForLog(/auth: -2 for alice from 127\.0\.0\.4/);
});

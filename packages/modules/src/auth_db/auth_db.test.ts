import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coreTesting, createSchema, selectTables, type DbConnection } from '@tsips/core';
import { sharedDir } from '@tsips/test-support';
import { createModuleRegistry, ScriptTestKit, Services, type ModuleExports, type RunOutcome } from '@tsips/script';
import { createDbSqlite } from '../db_sqlite';
import { signaling } from '../signaling';
import { sl } from '../sl';
import { createAuth } from '../auth';
import { answerChallenge, parseChallengeLine, type AnswerOptions, type Challenge } from '../auth/client';
import { createAuthDb, parseLoadCredentials } from './index';

let dir: string;
let url: string;
let now: number;
const clock = { now: () => now, sleep: async () => undefined };
const hex = (alg: string, t: string) => crypto.createHash(alg).update(t, 'utf8').digest('hex');

beforeEach(async () => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-authdb-'));
  url = `sqlite://${path.join(dir, 'auth.db')}`;
  await withDb(async (db) => {
    await createSchema(db, selectTables(['auth_db']));
    await db.exec('ALTER TABLE subscriber ADD COLUMN rpid VARCHAR(64) DEFAULT NULL; ALTER TABLE subscriber ADD COLUMN credit INTEGER DEFAULT NULL');
    const add = async (user: string, domain: string, password: string, extra: Record<string, string | number> = {}) => {
      const t = `${user}:${domain}:${password}`;
      await db.insert('subscriber', { username: user, domain, password, ha1: hex('md5', t), ha1_sha256: hex('sha256', t), ha1_sha512t256: hex('sha512-256', t), ...extra });
    };
    await add('alice', 'example.com', 'secret', { rpid: '+4930123', credit: 42 });
    await add('alice', 'other.org', 'different');
    await add('bob', 'example.com', 'b0b');
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const withDb = <T>(fn: (db: DbConnection) => Promise<T>): Promise<T> => coreTesting.withSqlite(dir, url, fn);

const SCRIPT = (params = '', call = 'www_authorize("", "subscriber")', ch = 'www_challenge("", "auth", "MD5")') => `
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "db_sqlite.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("auth_db", "db_url", "${url}")
${params}
route {
  ${call};
  $var(rc) = $retcode;
  if ($var(rc) == 1) exit;
  if ($var(rc) != -5) ${ch};
}`;

async function server(text: string): Promise<{ kit: ScriptTestKit; mods: ModuleExports[] }> {
  const mods = [createDbSqlite(), createAuth(), createAuthDb()];
  const k = ScriptTestKit.fromText(text, createModuleRegistry([signaling, sl, ...mods]), { clock });
  k.script.applyModparams();
  const services = new Services();
  stops.push(async () => { for (const m of [...mods].reverse()) await m.destroy?.(); });
  for (const m of mods) await m.init?.({ services, log: () => undefined });
  return { kit: k, mods };
}
const stops: Array<() => Promise<void>> = [];
afterEach(async () => { for (const s of stops.splice(0)) await s(); });

function register(auth?: string, user = 'alice', domain = 'example.com'): string {
  return [
    `REGISTER sip:${domain} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-db1',
    `From: <sip:${user}@${domain}>;tag=f1`,
    `To: <sip:${user}@${domain}>`,
    'Call-ID: authdb-1',
    'CSeq: 1 REGISTER',
    ...(auth !== undefined ? [`Authorization: ${auth}`] : []),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

const challenge = (out: RunOutcome): Challenge => parseChallengeLine(out.replyHeaders[0]![0]!);
const answer = (ch: Challenge, o: Partial<AnswerOptions> = {}) =>
  answerChallenge(ch, { user: 'alice', password: 'secret', method: 'REGISTER', uri: 'sip:example.com', ...o });

// The algorithms argument is a static string: one script per algorithm set.
const withAlgs = (algs: string) => SCRIPT('', 'www_authorize("", "subscriber")', `www_challenge("", "auth", "${algs}")`);

describe('www_authorize against the subscriber table', () => {
  it('challenge, then every return code: 1 ok, -1 no such user, -2 wrong password, -3 stale, -4 none', async () => {
    const { kit } = await server(withAlgs('MD5'));
    const first = await kit.run(register());
    expect(first.vars['rc']).toBe(-4);
    expect(first.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
    let ch = challenge(first);
    expect(ch.realm).toBe('example.com');
    expect((await kit.run(register(answer(ch)))).vars['rc']).toBe(1);
    ch = challenge(await kit.run(register()));
    expect((await kit.run(register(answer(ch, { user: 'carol' }), 'carol'))).vars['rc']).toBe(-1);
    ch = challenge(await kit.run(register()));
    expect((await kit.run(register(answer(ch, { password: 'nope' })))).vars['rc']).toBe(-2);
    expect((await kit.run(register(answer(ch)))).vars['rc']).toBe(-3);
  });

  it('SHA-256 and SHA-512-256 answers are checked against their own HA1 columns', async () => {
    const { kit } = await server(withAlgs('SHA-256,SHA-512-256-sess'));
    for (const alg of ['SHA-256', 'SHA-512-256-sess']) {
      const ch = parseChallengeLine((await kit.run(register())).replyHeaders[0]!.find((h) => h.endsWith(`algorithm=${alg}`))!);
      expect([alg, (await kit.run(register(answer(ch)))).vars['rc']]).toEqual([alg, 1]);
    }
    // Clearing the SHA-256 column breaks only SHA-256: a stored HA1 of the wrong length is an error (500, -5).
    await withDb(async (db) => { await db.update('subscriber', { keys: ['username'], values: ['alice'] }, { ha1_sha256: 'short' }); });
    const h = (await kit.run(register())).replyHeaders[0]!.find((x) => x.endsWith('algorithm=SHA-256'))!;
    const out = await kit.run(register(answer(parseChallengeLine(h))));
    expect(out.vars['rc']).toBe(-5);
    expect(out.replies).toEqual([{ status: 500, reason: 'Server Internal Error' }]);
  });

  it('the realm (or the domain of a user@domain username) picks the row; use_domain = 0 matches the user alone', async () => {
    const plain = 'modparam("auth_db", "calculate_ha1", 1)\nmodparam("auth_db", "password_column", "password")\n';
    const { kit } = await server(SCRIPT(plain));
    let out = await kit.run(register(undefined, 'alice', 'other.org'));
    expect(challenge(out).realm).toBe('other.org');
    expect((await kit.run(register(answer(challenge(out), { password: 'different', uri: 'sip:other.org' }), 'alice', 'other.org'))).vars['rc']).toBe(1);
    // Realm example.com, but the username names other.org: that row's password, HA1 over the whole username.
    out = await kit.run(register());
    expect((await kit.run(register(answer(challenge(out), { user: 'alice@other.org', password: 'different' })))).vars['rc']).toBe(1);
    out = await kit.run(register());
    expect((await kit.run(register(answer(challenge(out), { user: 'alice@other.org' })))).vars['rc']).toBe(-2);
    // bob exists for example.com only.
    out = await kit.run(register(undefined, 'bob', 'other.org'));
    expect((await kit.run(register(answer(challenge(out), { user: 'bob', password: 'b0b', uri: 'sip:other.org' }), 'bob', 'other.org'))).vars['rc']).toBe(-1);
    const any = await server(SCRIPT(`${plain}modparam("auth_db", "use_domain", 0)`));
    out = await any.kit.run(register(undefined, 'bob', 'other.org'));
    expect((await any.kit.run(register(answer(challenge(out), { user: 'bob', password: 'b0b', uri: 'sip:other.org' }), 'bob', 'other.org'))).vars['rc']).toBe(1);
  });

  it('calculate_ha1 = 1 reads the plain password column', async () => {
    const { kit } = await server(SCRIPT('modparam("auth_db", "calculate_ha1", 1)\nmodparam("auth_db", "password_column", "password")').replace('"MD5"', '"SHA-256"'));
    const ch = challenge(await kit.run(register()));
    expect((await kit.run(register(answer(ch)))).vars['rc']).toBe(1);
  });

  it('password_column_2 (2.x ha1b) serves MD5 credentials whose username carries a domain', async () => {
    await withDb(async (db) => {
      await db.exec('ALTER TABLE subscriber ADD COLUMN ha1b VARCHAR(64) DEFAULT NULL');
      await db.update('subscriber', { keys: ['username', 'domain'], values: ['alice', 'example.com'] }, { ha1b: hex('md5', 'alice@example.com:example.com:secret') });
    });
    const withHa1b = await server(SCRIPT('modparam("auth_db", "password_column_2", "ha1b")'));
    let ch = challenge(await withHa1b.kit.run(register()));
    expect((await withHa1b.kit.run(register(answer(ch, { user: 'alice@example.com' })))).vars['rc']).toBe(1);
    ch = challenge(await withHa1b.kit.run(register()));
    expect((await withHa1b.kit.run(register(answer(ch)))).vars['rc']).toBe(1);
    const without = await server(SCRIPT());
    ch = challenge(await without.kit.run(register()));
    expect((await without.kit.run(register(answer(ch, { user: 'alice@example.com' })))).vars['rc']).toBe(-2);
  });

  it('load_credentials puts columns into AVPs on success only', async () => {
    const { kit } = await server(SCRIPT('modparam("auth_db", "load_credentials", "$avp(caller_id)=rpid;credit")'));
    let ch = challenge(await kit.run(register()));
    const ok = await kit.run(register(answer(ch)));
    expect(ok.vars['rc']).toBe(1);
    expect(ok.avps).toMatchObject({ caller_id: ['+4930123'], credit: [42] });
    ch = challenge(await kit.run(register()));
    const bad = await kit.run(register(answer(ch, { password: 'x' })));
    expect(bad.avps['caller_id']).toBeUndefined();
  });

  it('a column that does not exist makes the query fail: 500 and -5', async () => {
    const { kit } = await server(SCRIPT('modparam("auth_db", "password_column", "nosuch")'));
    const ch = challenge(await kit.run(register()));
    const out = await kit.run(register(answer(ch)));
    expect(out.vars['rc']).toBe(-5);
    expect(out.replies).toEqual([{ status: 500, reason: 'Server Internal Error' }]);
  });

  it('proxy_authorize reads Proxy-Authorization with the From realm', async () => {
    const { kit } = await server(SCRIPT('', 'proxy_authorize("", "subscriber")', 'proxy_challenge("", "auth")'));
    const invite = (auth?: string) => register().replace(/REGISTER/g, 'INVITE').replace('To: <sip:alice@example.com>', 'To: <sip:bob@example.com>')
      .replace('Content-Length', auth !== undefined ? `Proxy-Authorization: ${auth}\r\nContent-Length` : 'Content-Length');
    const out = await kit.run(invite());
    expect(out.replies).toEqual([{ status: 407, reason: 'Proxy Authentication Required' }]);
    const ch = parseChallengeLine(out.replyHeaders[0]![0]!);
    expect((await kit.run(invite(answer(ch, { method: 'INVITE' })))).vars['rc']).toBe(1);
  });
});

describe('db_* helpers', () => {
  const HELPERS = `
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "db_sqlite.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("auth_db", "db_url", "${'$'}{URL}")
route {
  db_does_uri_exist("sip:alice@example.com", "subscriber"); $var(alice) = $retcode;
  db_does_uri_exist("sip:carol@example.com", "subscriber"); $var(carol) = $retcode;
  db_does_uri_exist("$hdr(X-Uri)", "subscriber"); $var(given) = $retcode;
  db_get_auth_id("uri", "sip:ally@example.com", $var(au), $avp(ar)); $var(id) = $retcode;
  db_get_auth_id("uri", "sip:nobody@example.com", $var(au2), $var(ar2)); $var(id2) = $retcode;
  db_is_from_authorized("uri"); $var(early) = $retcode;
  if (!www_authorize("", "subscriber")) { www_challenge("", "auth"); }
  db_is_from_authorized("uri"); $var(from) = $retcode;
  db_is_to_authorized("uri"); $var(to) = $retcode;
}`;
  beforeEach(async () => {
    await withDb(async (db) => {
      await db.insert('uri', { username: 'alice', domain: 'example.com', uri_user: 'alice' });
      await db.insert('uri', { username: 'alice', domain: 'example.com', uri_user: 'ally' });
    });
  });

  it('db_does_uri_exist, db_get_auth_id, db_is_from/to_authorized against subscriber and uri rows', async () => {
    const { kit } = await server(HELPERS.replace('${URL}', url));
    const req = (auth?: string, to = 'alice') => register(auth).replace(`To: <sip:alice@example.com>`, `To: <sip:${to}@example.com>`)
      .replace('Content-Length', 'X-Uri: sip:bob@example.com\r\nContent-Length');
    const first = await kit.run(req());
    expect(first.vars).toMatchObject({ alice: 1, carol: -5, given: 1, id: 1, au: 'alice', id2: -4, early: -2 });
    expect(first.avps['ar']).toEqual(['example.com']);
    const ch = challenge(first);
    const ok = await kit.run(req(answer(ch), 'ally'));
    expect(ok.vars).toMatchObject({ from: 1, to: 1 });
    const ch2 = challenge(await kit.run(req()));
    const spoof = await kit.run(req(answer(ch2), 'bob'));
    expect(spoof.vars).toMatchObject({ from: 1, to: -9 });
  });
});

describe('RFC 4475', () => {
  it('3.3.7 regaut01: an unknown Authorization scheme counts as no credentials and is challenged (401)', async () => {
    const { kit } = await server(SCRIPT());
    const text = fs.readFileSync(sharedDir('conformance', 'rfc4475', 'regaut01.dat'), 'latin1');
    const out = await kit.run(text.replace(/\r?\n/g, '\r\n'));
    expect(out.vars['rc']).toBe(-4);
    expect(out.replies).toEqual([{ status: 401, reason: 'Unauthorized' }]);
    expect(challenge(out).realm).toBe('example.com');
  });
});

describe('start-up', () => {
  it('refuses a subscriber table with a wrong version row unless skip_version_check is set', async () => {
    await withDb(async (db) => { await db.update('version', { keys: ['table_name'], values: ['subscriber'] }, { table_version: 7 }); });
    await expect(server(withAlgs('MD5'))).rejects.toThrow(/invalid version 7 for table 'subscriber'/);
    const { kit } = await server(SCRIPT('modparam("auth_db", "skip_version_check", 1)'));
    const ch = challenge(await kit.run(register()));
    expect((await kit.run(register(answer(ch)))).vars['rc']).toBe(1);
  });

  it('needs the auth module', async () => {
    const m = createAuthDb();
    await expect(m.init!({ services: new Services(), log: () => undefined })).rejects.toThrow(/needs the auth module/);
  });

  it('load_credentials syntax', () => {
    expect(parseLoadCredentials('$avp(a)=rpid; credit ;')).toEqual([{ avp: 'a', column: 'rpid' }, { avp: 'credit', column: 'credit' }]);
    expect(() => parseLoadCredentials('$var(a)=rpid')).toThrow(/not an \$avp/);
    expect(() => parseLoadCredentials('bad column')).toThrow(/not a column name/);
  });
});

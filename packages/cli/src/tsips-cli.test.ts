import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DbManager, SqliteDriver, tableVersion, type DbConnection } from '@tsips/core';
import { computeHa1, main } from './tsips-cli';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-cli-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } }, dir);
  return { code, out, err };
}

describe('tsips-cli', () => {
  it('db create makes the schema (default URL sqlite://var/tsips.db under the working folder), user add/list/rm', async () => {
    const created = await cli('db', 'create');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/created \d+ table\(s\): subscriber, uri, location/);
    expect(fs.existsSync(path.join(dir, 'var', 'tsips.db'))).toBe(true);

    expect((await cli('user', 'add', 'alice@Example.com', 's3cret')).out).toBe('added alice@example.com\n');
    expect((await cli('user', 'add', 'bob@example.com', 'pw')).code).toBe(0);
    const dup = await cli('user', 'add', 'alice@example.com', 'x');
    expect(dup).toMatchObject({ code: 1, err: 'tsips-cli: subscriber alice@example.com already exists (use \'user password\' to change it)\n' });
    expect((await cli('user', 'list')).out).toBe('alice@example.com\nbob@example.com\n');

    const m = new DbManager(dir);
    m.registerDriver(new SqliteDriver());
    const db = m.open('sqlite://var/tsips.db') as DbConnection;
    const row = (db.query('subscriber', { keys: ['username'], values: ['alice'] }) as Array<Record<string, unknown>>)[0]!;
    expect(row['ha1']).toBe(crypto.createHash('md5').update('alice:example.com:s3cret').digest('hex'));
    expect(row['ha1_sha256']).toBe(crypto.createHash('sha256').update('alice:example.com:s3cret').digest('hex'));
    expect(row['password']).toBe('s3cret');
    expect(await tableVersion(db, 'subscriber')).toBe(8);
    await db.close();

    expect((await cli('user', 'rm', 'alice@example.com')).out).toBe('removed alice@example.com\n');
    expect((await cli('user', 'rm', 'alice@example.com')).code).toBe(1);
    expect((await cli('user', 'list', 'example.com')).out).toBe('bob@example.com\n');
  });

  it('takes --url and explains a missing schema', async () => {
    const r = await cli('user', 'list', '--url', `sqlite://${path.join(dir, 'empty.db')}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no subscriber table .*run 'tsips-cli db create' first/);
  });

  it('computes SHA-512/256 HA1 as RFC 7616 defines it', () => {
    expect(computeHa1('u', 'r', 'p').ha1Sha512t256).toBe(crypto.createHash('sha512-256').update('u:r:p').digest('hex'));
    expect(computeHa1('u', 'r', 'p').ha1Sha512t256).toHaveLength(64);
  });
});

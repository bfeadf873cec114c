import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkTableVersion, createSchema, DbError, DbManager, parseDbUrl, selectTables, SqliteDriver, tableVersion, TABLES,
} from './index';
import type { DbConnection } from './types';

let dir: string;
let manager: DbManager;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-db-'));
  manager = new DbManager(dir);
  manager.registerDriver(new SqliteDriver());
});
afterEach(async () => {
  await manager.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});
const open = (url = 'sqlite://test.db'): DbConnection => manager.open(url) as DbConnection;

describe('db URLs', () => {
  it('reads absolute, relative and in-memory SQLite URLs', () => {
    expect(parseDbUrl('sqlite:///var/lib/x.db', '/w').database).toBe('/var/lib/x.db');
    expect(parseDbUrl('sqlite://var/tsips.db', '/w').database).toBe('/w/var/tsips.db');
    expect(parseDbUrl('sqlite://:memory:').database).toBe(':memory:');
  });
  it('reads network URLs with credentials', () => {
    const u = parseDbUrl('postgres://opensips:s%40cret@db.example.com:5433/opensips?sslmode=require');
    expect(u).toMatchObject({ scheme: 'postgres', user: 'opensips', password: 's@cret', host: 'db.example.com', port: 5433, database: 'opensips', params: { sslmode: 'require' } });
  });
  it('refuses a URL without a scheme and names the expected form', () => {
    expect(() => parseDbUrl('/tmp/x.db')).toThrow(/expected driver:\/\//);
  });
  it('says which module to load for a scheme without a driver', () => {
    const m = new DbManager(dir);
    expect(() => m.open('sqlite://x.db')).toThrow(/loadmodule "db_sqlite.so"/);
  });
});

describe('schema and versions', () => {
  it('creates every table with OpenSIPS version numbers, and skips existing ones the second time', async () => {
    const db = open();
    const r = await createSchema(db);
    expect(r.created).toHaveLength(TABLES.length);
    expect(await tableVersion(db, 'location')).toBe(1013);
    expect(await tableVersion(db, 'subscriber')).toBe(8);
    expect(await tableVersion(db, 'dialog')).toBe(12);
    expect(await tableVersion(db, 'dr_gateways')).toBe(6);
    expect(await tableVersion(db, 'dispatcher')).toBe(9);
    expect(await db.tableColumns('location')).toEqual([
      'contact_id', 'username', 'domain', 'contact', 'received', 'path', 'expires', 'q', 'callid', 'cseq', 'last_modified',
      'flags', 'cflags', 'user_agent', 'socket', 'methods', 'sip_instance', 'kv_store', 'attr',
    ]);
    const again = await createSchema(db);
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(TABLES.length);
  });
  it('selects tables by OpenSIPS schema group', () => {
    expect(selectTables(['drouting']).map((t) => t.name)).toEqual(['dr_gateways', 'dr_rules', 'dr_carriers', 'dr_groups', 'dr_partitions']);
    expect(() => selectTables(['nosuch'])).toThrow(/unknown table or schema group 'nosuch'/);
  });
  it('refuses a version mismatch with a clear error', async () => {
    const db = open();
    await createSchema(db, selectTables(['usrloc']));
    db.update('version', { keys: ['table_name'], values: ['location'] }, { table_version: 1012 });
    await expect(checkTableVersion(db, 'location')).rejects.toThrow(/invalid version 1012 for table 'location'.*expected 1013/);
    await expect(checkTableVersion(db, 'subscriber')).rejects.toThrow(/table 'subscriber' does not exist/);
    await expect(createSchema(db, selectTables(['usrloc']))).rejects.toBeInstanceOf(DbError);
  });
});

describe('CRUD', () => {
  it('inserts, queries with ops/order/columns, updates, replaces and deletes', async () => {
    const db = open();
    await createSchema(db, selectTables(['permissions', 'domain']));
    const id1 = db.insert('address', { grp: 1, ip: '10.0.0.1', mask: 32, port: 0, proto: 'udp' });
    db.insert('address', { grp: 2, ip: '10.0.0.2' });
    db.insert('address', { grp: 3, ip: '10.0.0.3', pattern: null });
    expect(Number(id1)).toBe(1);
    const rows = db.query('address', { keys: ['grp'], ops: ['>='], values: [2], columns: ['ip', 'proto', 'mask'], order: '-grp' }) as Array<Record<string, unknown>>;
    expect(rows).toEqual([{ ip: '10.0.0.3', proto: 'any', mask: 32 }, { ip: '10.0.0.2', proto: 'any', mask: 32 }]);
    expect(db.query('address', { keys: ['pattern'], values: [null], columns: ['id'] })).toHaveLength(3);
    expect(db.update('address', { keys: ['ip'], values: ['10.0.0.2'] }, { grp: 7 })).toBe(1);
    expect(db.query('address', { keys: ['grp'], values: [7], columns: ['ip'] })).toEqual([{ ip: '10.0.0.2' }]);
    db.insert('domain', { domain: 'example.com' });
    db.replace('domain', { domain: 'example.com', attrs: 'x' });
    expect(db.query('domain', { columns: ['domain', 'attrs'] })).toEqual([{ domain: 'example.com', attrs: 'x' }]);
    expect(db.delete('address', { keys: ['grp'], ops: ['<'], values: [5] })).toBe(2);
    expect(db.raw('SELECT count(*) AS n FROM address')).toEqual([{ n: 1 }]);
  });
  it('refuses identifiers that are not plain names', () => {
    const db = open();
    expect(() => db.query('address; DROP TABLE x')).toThrow(/bad SQL identifier/);
  });
  it('shares one connection per database file between users', async () => {
    const a = open('sqlite://shared.db');
    const b = open(`sqlite://${path.join(dir, 'shared.db')}`.replace('sqlite://', 'sqlite://'));
    expect(manager.openCount).toBe(1);
    await a.close();
    expect(b.raw('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await b.close();
    expect(manager.openCount).toBe(0);
  });
});

describe('a database made by OpenSIPS\'s own sqlite scripts', () => {
  it('works as it is (scripts/sqlite standard + usrloc + auth_db layouts)', async () => {
    const file = path.join(dir, 'opensips.db');
    // The statements of OpenSIPS 3.x scripts/sqlite/{standard,usrloc,auth_db}-create.sql, as an admin runs them.
    const db = open(`sqlite://${file}`);
    db.exec(`CREATE TABLE version (table_name CHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL,
      CONSTRAINT version_t_name_idx UNIQUE (table_name));
    INSERT INTO version (table_name, table_version) values ('location','1013');
    CREATE TABLE location (contact_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, username CHAR(64) DEFAULT '' NOT NULL,
      domain CHAR(64) DEFAULT NULL, contact TEXT NOT NULL, received CHAR(255) DEFAULT NULL, path CHAR(255) DEFAULT NULL,
      expires INTEGER NOT NULL, q FLOAT(10,2) DEFAULT 1.0 NOT NULL, callid CHAR(255) DEFAULT 'Default-Call-ID' NOT NULL,
      cseq INTEGER DEFAULT 13 NOT NULL, last_modified DATETIME DEFAULT '1900-01-01 00:00:01' NOT NULL, flags INTEGER DEFAULT 0 NOT NULL,
      cflags CHAR(255) DEFAULT NULL, user_agent CHAR(255) DEFAULT '' NOT NULL, socket CHAR(64) DEFAULT NULL, methods INTEGER DEFAULT NULL,
      sip_instance CHAR(255) DEFAULT NULL, kv_store TEXT(512) DEFAULT NULL, attr CHAR(255) DEFAULT NULL);
    INSERT INTO version (table_name, table_version) values ('subscriber','8');
    CREATE TABLE subscriber (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, username CHAR(64) DEFAULT '' NOT NULL,
      domain CHAR(64) DEFAULT '' NOT NULL, password CHAR(25) DEFAULT '' NOT NULL, ha1 CHAR(64) DEFAULT '' NOT NULL,
      ha1_sha256 CHAR(64) DEFAULT '' NOT NULL, ha1_sha512t256 CHAR(64) DEFAULT '' NOT NULL,
      CONSTRAINT subscriber_account_idx UNIQUE (username, domain));
    CREATE INDEX subscriber_username_idx ON subscriber (username);`);
    await checkTableVersion(db, 'location');
    await checkTableVersion(db, 'subscriber');
    const r = await createSchema(db, selectTables(['usrloc', 'auth_db']));
    expect(r).toEqual({ created: ['uri'], existing: ['location', 'subscriber'] });
    db.insert('location', { username: 'alice', domain: 'example.com', contact: 'sip:alice@192.0.2.1', expires: 2000000000 });
    expect(db.query('location', { keys: ['username'], values: ['alice'], columns: ['q', 'callid', 'cseq'] })).toEqual([{ q: 1, callid: 'Default-Call-ID', cseq: 13 }]);
  });
});

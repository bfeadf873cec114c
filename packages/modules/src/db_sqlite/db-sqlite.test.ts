import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Services } from '@tsips/script';
import { DB, type DbConnection } from '@tsips/core';
import { createDbSqlite } from './index';

describe('db_sqlite', () => {
  it('registers the sqlite driver with its modparams (exec_pragma, busy_timeout)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-dbsqlite-'));
    try {
      const m = createDbSqlite();
      const set = (name: string, v: string | number) => m.params!.find((p) => p.name === name)!.set!(v);
      set('exec_pragma', 'journal_mode = WAL');
      set('exec_pragma', 'user_version = 42');
      set('busy_timeout', 1234);
      const services = new Services();
      await m.init!({ services, log: () => undefined });
      const db = (await services.get(DB).open(`sqlite://${path.join(dir, 'x.db')}`)) as DbConnection;
      expect(db.raw('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(db.raw('PRAGMA user_version')).toEqual([{ user_version: 42 }]);
      expect(db.raw('PRAGMA busy_timeout')).toEqual([{ timeout: 1234 }]);
      await db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a non-positive alloc_limit at load', () => {
    const m = createDbSqlite();
    const p = m.params!.find((x) => x.name === 'alloc_limit')!;
    expect(p.validate!(0)).toBe('alloc_limit must be positive');
    expect(p.validate!(50)).toBeUndefined();
  });
});

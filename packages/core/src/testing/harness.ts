/**
 * Test helpers shared by the core's and the modules' server tests: scripts written to a
 * temporary folder, a UDP peer on an ephemeral loopback port, waiting for datagrams, and a
 * SQLite database opened for the length of a callback.
 * (Only tests import this file; it is not part of the package index.)
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DbManager } from '../db/manager';
import { SqliteDriver } from '../db/sqlite';
import type { DbConnection } from '../db/types';
import { createSchema, selectTables } from '../db/versions';

/** Opens the SQLite database `url` (relative paths from `dir`), runs `fn` on it, closes it. */
export async function withSqlite<T>(dir: string, url: string, fn: (db: DbConnection) => Promise<T> | T): Promise<T> {
  const m = new DbManager(dir);
  m.registerDriver(new SqliteDriver());
  const db = (await m.open(url)) as DbConnection;
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function writeScript(text: string, name = 'test.cfg'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-core-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A SQLite file in a fresh temporary folder with OpenSIPS tables made; one per test. */
export class TempDb {
  private constructor(
    readonly dir: string,
    readonly url: string,
  ) {}

  /** `tables`: table names or schema groups, as `tsips-cli db create --tables` takes them. */
  static async create(prefix: string, tables: readonly string[]): Promise<TempDb> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const db = new TempDb(dir, `sqlite://${path.join(dir, 'test.db')}`);
    await db.with((conn) => createSchema(conn, selectTables(tables)));
    return db;
  }

  with<T>(fn: (db: DbConnection) => Promise<T> | T): Promise<T> {
    return withSqlite(this.dir, this.url, fn);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A UDP endpoint on 127.0.0.1 that queues what it receives. */
export class UdpPeer {
  readonly sock = dgram.createSocket('udp4');
  private readonly queue: Array<{ data: Buffer; port: number }> = [];
  private waiters: Array<(m: { data: Buffer; port: number }) => void> = [];
  port = 0;

  static async open(): Promise<UdpPeer> {
    const p = new UdpPeer();
    await new Promise<void>((resolve) => p.sock.bind(0, '127.0.0.1', () => resolve()));
    p.port = p.sock.address().port;
    p.sock.on('message', (data, rinfo) => {
      const m = { data, port: rinfo.port };
      const w = p.waiters.shift();
      if (w !== undefined) w(m);
      else p.queue.push(m);
    });
    return p;
  }

  send(text: string | Buffer, port: number): Promise<void> {
    const data = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    return new Promise((resolve, reject) => this.sock.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }

  /** The next datagram, or a rejection after `ms`. */
  next(ms = 2000): Promise<{ data: Buffer; port: number; text: string }> {
    const q = this.queue.shift();
    if (q !== undefined) return Promise.resolve({ ...q, text: q.data.toString('latin1') });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== got);
        reject(new Error(`no datagram within ${ms} ms`));
      }, ms);
      const got = (m: { data: Buffer; port: number }): void => {
        clearTimeout(timer);
        resolve({ ...m, text: m.data.toString('latin1') });
      };
      this.waiters.push(got);
    });
  }

  /** Resolves true when nothing arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** CRLF line endings for a message written with \n. */
export function sipText(lines: string): string {
  return lines.replace(/\r?\n/g, '\r\n');
}

import * as crypto from 'node:crypto';
import { Command } from 'commander';
import {
  createSchema, DbError, DbManager, type DbConnection, selectTables, SqliteDriver,
} from '@tsips/core';
import { VERSION } from './version';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** The database of the default config (examples/opensips.cfg), relative to the working folder. */
export const DEFAULT_DB_URL = 'sqlite://var/tsips.db';

/** Digest HA1 values as auth_db reads them (ha1, ha1_sha256, ha1_sha512t256 columns). */
export function computeHa1(user: string, realm: string, password: string): { ha1: string; ha1Sha256: string; ha1Sha512t256: string } {
  const text = `${user}:${realm}:${password}`;
  const h = (alg: string): string => crypto.createHash(alg).update(text, 'utf8').digest('hex');
  return { ha1: h('md5'), ha1Sha256: h('sha256'), ha1Sha512t256: h('sha512-256') };
}

class CliError extends Error {}

/** "alice@example.com" or "sip:alice@example.com" -> user and domain. */
function splitUser(text: string): { user: string; domain: string } {
  const t = text.replace(/^sips?:/i, '');
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1) throw new CliError(`'${text}' is not user@domain`);
  return { user: t.slice(0, at), domain: t.slice(at + 1).toLowerCase() };
}

/**
 * `tsips-cli`: admin commands in the style of opensips-cli, against the database a
 * config uses (`--url`, else $TSIPS_DB_URL, else sqlite://var/tsips.db):
 *   db create [--tables t1,group2]   creates the OpenSIPS tables and their version rows
 *   user add USER@DOMAIN PASSWORD    adds a subscriber (plain password + HA1 columns)
 *   user password USER@DOMAIN PASSWORD, user rm USER@DOMAIN, user list [DOMAIN]
 * Returns the exit code instead of exiting, so tests can call it.
 */
export async function main(argv: readonly string[], io: CliIo = processIo, cwd: string = process.cwd()): Promise<number> {
  const manager = new DbManager(cwd);
  manager.registerDriver(new SqliteDriver());
  let code = 0;
  const urlOf = (o: { url?: string }): string => o.url ?? process.env['TSIPS_DB_URL'] ?? DEFAULT_DB_URL;
  const withDb = async (o: { url?: string }, fn: (db: DbConnection) => Promise<void> | void): Promise<void> => {
    const db = await manager.open(urlOf(o));
    try {
      await fn(db);
    } finally {
      await db.close();
    }
  };
  const needSubscriber = async (db: DbConnection): Promise<void> => {
    if ((await db.tableColumns('subscriber')) === null) throw new CliError(`no subscriber table in ${db.url}: run 'tsips-cli db create' first`);
  };

  const program = new Command('tsips-cli')
    .description('tsips administration (database, subscribers), in the style of opensips-cli')
    .version(`tsips-cli ${VERSION}`, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const urlOption = ['-u, --url <url>', `database URL (default: $TSIPS_DB_URL or ${DEFAULT_DB_URL})`] as const;

  const db = program.command('db').description('database schema');
  db.command('create')
    .description('create the OpenSIPS tables tsips uses, with their version rows')
    .option(...urlOption)
    .option('-t, --tables <list>', 'comma-separated tables or OpenSIPS schema groups (default: all)')
    .action(async (o: { url?: string; tables?: string }) => {
      await withDb(o, async (conn) => {
        const tables = selectTables(o.tables?.split(',').map((s) => s.trim()).filter((s) => s !== ''));
        const r = await createSchema(conn, tables);
        io.out(`${conn.url}: created ${r.created.length} table(s)${r.created.length > 0 ? `: ${r.created.join(', ')}` : ''}`
          + `${r.existing.length > 0 ? `; already there: ${r.existing.join(', ')}` : ''}\n`);
      });
    });

  const user = program.command('user').description('subscribers (auth_db subscriber table)');
  user.command('add <aor> <password>')
    .description('add a subscriber: user@domain and its password (realm = domain)')
    .option(...urlOption)
    .action(async (aor: string, password: string, o: { url?: string }) => {
      const { user: name, domain } = splitUser(aor);
      await withDb(o, async (conn) => {
        await needSubscriber(conn);
        const have = await conn.query('subscriber', { keys: ['username', 'domain'], values: [name, domain], columns: ['id'] });
        if (have.length > 0) throw new CliError(`subscriber ${name}@${domain} already exists (use 'user password' to change it)`);
        const h = computeHa1(name, domain, password);
        await conn.insert('subscriber', { username: name, domain, password, ha1: h.ha1, ha1_sha256: h.ha1Sha256, ha1_sha512t256: h.ha1Sha512t256 });
        io.out(`added ${name}@${domain}\n`);
      });
    });
  user.command('password <aor> <password>')
    .description("change a subscriber's password")
    .option(...urlOption)
    .action(async (aor: string, password: string, o: { url?: string }) => {
      const { user: name, domain } = splitUser(aor);
      await withDb(o, async (conn) => {
        await needSubscriber(conn);
        const h = computeHa1(name, domain, password);
        const n = await conn.update('subscriber', { keys: ['username', 'domain'], values: [name, domain] },
          { password, ha1: h.ha1, ha1_sha256: h.ha1Sha256, ha1_sha512t256: h.ha1Sha512t256 });
        if (n === 0) throw new CliError(`no subscriber ${name}@${domain}`);
        io.out(`changed the password of ${name}@${domain}\n`);
      });
    });
  user.command('rm <aor>')
    .description('remove a subscriber')
    .option(...urlOption)
    .action(async (aor: string, o: { url?: string }) => {
      const { user: name, domain } = splitUser(aor);
      await withDb(o, async (conn) => {
        await needSubscriber(conn);
        const n = await conn.delete('subscriber', { keys: ['username', 'domain'], values: [name, domain] });
        if (n === 0) throw new CliError(`no subscriber ${name}@${domain}`);
        io.out(`removed ${name}@${domain}\n`);
      });
    });
  user.command('list [domain]')
    .description('list subscribers (of one domain)')
    .option(...urlOption)
    .action(async (domain: string | undefined, o: { url?: string }) => {
      await withDb(o, async (conn) => {
        await needSubscriber(conn);
        const q = domain === undefined ? {} : { keys: ['domain'], values: [domain.toLowerCase()] };
        const rows = await conn.query('subscriber', { ...q, columns: ['username', 'domain'], order: ['domain', 'username'] });
        for (const r of rows) io.out(`${String(r['username'])}@${String(r['domain'])}\n`);
      });
    });

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (e) {
    const exit = (e as { exitCode?: number }).exitCode;
    if (typeof exit === 'number' && (e as { code?: string }).code?.startsWith('commander.')) return exit;
    if (e instanceof CliError || e instanceof DbError) {
      io.err(`tsips-cli: ${e.message}\n`);
      code = 1;
    } else throw e;
  } finally {
    await manager.closeAll();
  }
  return code;
}

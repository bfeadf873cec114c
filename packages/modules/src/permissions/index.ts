/**
 * permissions: address-based access control from the address table (groups of IPs or
 * subnets, with optional port, protocol, a wildcard pattern and a context string), in
 * one or more partitions (each its own database/table), plus the allow/deny file rules of
 * the routing and registration checks (declared only).
 */
import type { FunctionExport, ModparamExport, ModuleExports, PvRef, ScriptContext } from '@tsips/script';
import { checkTableVersion, dbManagerOf, type DbConnection, type DbManager } from '@tsips/core';
import { column, fn, implementedFn, implementedMi, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, outVar, staticStr, str } from '../shared/params';
import { REQ_FAIL_LOCAL, REQ_FAIL_LOCAL_BRANCH } from '../shared/routes';
import * as path from 'node:path';
import { AddressTable, localAddressStore, lookupIp, newLookupIp, parseProto, type AddressRow, type AddressStore } from './address-table';
import { EXPRESSION_LENGTH, loadRules, searchRules, type Rule } from './rules';

export { AddressTable, localAddressStore, parseProto, type AddressStore } from './address-table';
export { parseRules, parseRuleLine, searchRules, type Rule } from './rules';

const R = ISSUE.insideAttacks;
const WITH_TIMERS = [...REQ_FAIL_LOCAL_BRANCH, 'STARTUP_ROUTE', 'TIMER_ROUTE', 'EVENT_ROUTE'] as const;
const partitionArg = str('partition', true);
const PROTOS = ['any', 'udp', 'tcp', 'tls', 'sctp', 'ws', 'wss'];
/** Version of the address table layout OpenSIPS expects. */
const ADDRESS_TABLE_VERSION = 5;
const DEFAULT_PART = 'default';

const DECLARED: ModuleExports = {
  name: 'permissions',
  functions: [
    fn('check_address', [intOrVar('group id'), str('ip'), intOrVar('port'), str('proto'), outVar('context info', true), str('pattern', true), partitionArg], WITH_TIMERS, R,
      'True (1) when the address (ip; port 0 = any; proto "any" or empty = any) matches an entry of the group (0 = any group); the entry context goes to the variable. -1 no match or bad argument, -2 the group has no entries. Proto: ' + PROTOS.join(', ') + '.'),
    fn('check_source_address', [intOrVar('group id'), outVar('context info', true), str('pattern', true), partitionArg], REQ_FAIL_LOCAL_BRANCH, R,
      'check_address with the source IP, port and protocol of the request.'),
    fn('get_source_group', [outVar('group'), partitionArg], REQ_FAIL_LOCAL_BRANCH, R, 'Stores the lowest group matching the source IP and port (any protocol); -1 when it is in none.'),
    fn('allow_routing', [staticStr('basename', true)], REQ_FAIL_LOCAL, ISSUE.unscheduled, '1 when (From, Request-URI) and (From, each branch URI) pairs are allowed by the allow/deny files (default files without basename); -1 when denied or on error.'),
    fn('allow_register', [staticStr('basename')], REQ_FAIL_LOCAL, ISSUE.unscheduled, '1 when no (To, Contact) pair of the REGISTER is denied by the allow/deny files (no Contact or "*": 1); -1 when one is, or on error.'),
    fn('allow_uri', [staticStr('basename'), str('uri')], WITH_TIMERS, ISSUE.unscheduled, '1 when the (From URI, uri) pair is allowed, or matches no rule, in the allow/deny files; -1 when denied or on error.'),
  ],
  params: [
    strParam('default_allow_file', 'permissions.allow', 'Allow rules of allow_routing() without basename.'),
    strParam('default_deny_file', 'permissions.deny', 'Deny rules of allow_routing() without basename.'),
    intParam('check_all_branches', 1, 'allow_register checks every Contact, not only the first.'),
    strParam('allow_suffix', '.allow', 'Suffix of allow files.'),
    strParam('deny_suffix', '.deny', 'Suffix of deny files.'),
    multiStrParam('partition', 'An address partition: "name: db_url=...; table_name=..." (may be repeated).'),
    strParam('db_url', null, 'Database of the default address partition (not inherited from db_default_url).'),
    strParam('address_table', 'address', 'Table of the default partition, and of partitions without table_name.'),
    column('ip_col', 'ip'),
    column('proto_col', 'proto'),
    column('pattern_col', 'pattern'),
    column('info_col', 'context_info'),
    column('grp_col', 'grp'),
    column('mask_col', 'mask'),
    column('port_col', 'port'),
  ],
  mi: [
    mi('permissions', 'address_reload', { aliases: ['address_reload'], params: [{ name: 'partition', optional: true }], reason: R, doc: 'Reloads the address table of every partition, or of the one named.' }),
    mi('permissions', 'address_dump', { aliases: ['address_dump'], params: [{ name: 'partition', optional: true }], reason: R, doc: 'Lists the cached single addresses (full host mask).' }),
    mi('permissions', 'subnet_dump', { aliases: ['subnet_dump'], params: [{ name: 'partition', optional: true }], reason: R, doc: 'Lists the cached subnets.' }),
    mi('permissions', 'allow_uri', { params: [{ name: 'basename' }, { name: 'uri' }, { name: 'contact' }], reason: ISSUE.unscheduled, doc: 'Tests a (uri, contact) pair against the loaded allow/deny files of basename: OK, or 403 Forbidden.' }),
  ],
};

/** An MI failure with OpenSIPS's code and text. */
export class PermissionsMiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'PermissionsMiError';
  }
}

export interface PartitionSpec {
  name: string;
  url: string | null;
  table: string | null;
}

/**
 * Parses a partition modparam as OpenSIPS's parse_partition: `name: attr=value; attr=value`
 * with the attributes db_url and table_name (anything else is an error).
 */
export function parsePartition(text: string): PartitionSpec {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (name === '') throw new Error(`failed to parse partition: '${text}'`);
  const spec: PartitionSpec = { name, url: null, table: null };
  if (colon < 0) return spec;
  for (const item of text.slice(colon + 1).split(';')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (key === 'db_url') spec.url = value;
    else if (key === 'table_name') spec.table = value;
    else if (key !== '') throw new Error(`invalid token '${key}' in partition '${name}'`);
  }
  return spec;
}

interface Partition {
  name: string;
  url: string;
  table: string;
  conn: DbConnection | null;
}

/** The allow and deny rules of one basename (null: the file is missing or empty). */
interface RuleSet {
  allowFile: string;
  denyFile: string;
  allow: Rule[] | null;
  deny: Rule[] | null;
}

/**
 * A fresh permissions instance (partitions, connections and cached tables are per server).
 * `cfgDir` is the folder relative allow/deny file names are resolved against (OpenSIPS:
 * the folder of the main config file); default: the working directory.
 */
export function createPermissions(opts: { store?: AddressStore; cfgDir?: string } = {}): ModuleExports {
  const store = opts.store ?? localAddressStore();
  const values = new Map<string, string | number>();
  const partitionSpecs: PartitionSpec[] = [];
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  /** Partition names given as literals in the script (checked at start). */
  const namedInScript = new Set<string>();
  let partitions: Partition[] = [];
  let dbm: DbManager | null = null;
  let log: (level: number, text: string) => void = () => undefined;
  const scratch = newLookupIp();

  const partitionOf = (ctx: ScriptContext, name: string | null): AddressTable | null => {
    const n = name === null || name === '' ? DEFAULT_PART : name;
    const t = store.get(n);
    if (t === undefined) {
      ctx.logError(`permissions: partition <${n}> is not defined`);
      return null;
    }
    return t;
  };

  const setInfo = (ctx: ScriptContext, info: PvRef | null, value: string | null): void => {
    if (info !== null) info.set(ctx, value ?? '');
  };

  const checkAddress = (ctx: ScriptContext, group: number, ip: string, port: number, protoText: string, info: PvRef | null, pattern: string | null, part: string | null): number => {
    const t = partitionOf(ctx, part);
    if (t === null) return -1;
    const proto = parseProto(protoText);
    if (proto === undefined) {
      ctx.logError(`permissions: unknown protocol <${protoText}>`);
      return -1;
    }
    const addr = lookupIp(ip.trim(), scratch);
    if (addr === null) {
      ctx.logError(`permissions: invalid ip address <${ip}>`);
      return -1;
    }
    const e = t.match(group, addr, port, proto, pattern);
    if (e === 'no-group') return -2;
    if (e === null) return -1;
    setInfo(ctx, info, e.info);
    return 1;
  };

  const checkSourceAddress = (ctx: ScriptContext, group: number, info: PvRef | null, pattern: string | null, part: string | null): number => {
    const t = partitionOf(ctx, part);
    if (t === null) return -1;
    const addr = lookupIp(ctx.rcv.srcIp, scratch);
    if (addr === null) return -1;
    const proto = parseProto(ctx.rcv.proto);
    const e = t.match(group, addr, ctx.rcv.srcPort, proto === undefined ? ctx.rcv.proto : proto, pattern);
    if (e === 'no-group') return -2;
    if (e === null) return -1;
    setInfo(ctx, info, e.info);
    return 1;
  };

  const getSourceGroup = (ctx: ScriptContext, out: PvRef, part: string | null): number => {
    const t = partitionOf(ctx, part);
    if (t === null) return -1;
    const addr = lookupIp(ctx.rcv.srcIp, scratch);
    if (addr === null) return -1;
    const g = t.findGroup(addr, ctx.rcv.srcPort);
    if (g === -1) return -1;
    out.set(ctx, g);
    return 1;
  };

  /** Notes a literal partition name (argument `index`) so start-up can refuse an undefined one. */
  const notePartition = (index: number) => (args: readonly { literal: string | null }[]): string | undefined => {
    const lit = args[index]?.literal ?? null;
    if (lit !== null && lit !== '') namedInScript.add(lit);
    return undefined;
  };
  const protoFixup = (args: readonly { literal: string | null }[]): string | undefined => {
    const lit = args[3]?.literal ?? null;
    if (lit !== null && parseProto(lit) === undefined) return `unknown protocol <${lit}>`;
    return notePartition(6)(args);
  };

  // ------------------------------------------------------------ allow/deny files
  /** Basenames named by the script (loaded at start); '' stands for the default files. */
  const basenames = new Set<string>();
  const ruleSets = new Map<string, RuleSet>();
  const pathOf = (name: string): string => (name.includes('/') ? name : path.join(opts.cfgDir ?? process.cwd(), name));
  const loadRuleSet = (allowName: string, denyName: string): RuleSet => {
    const bad = (file: string) => (line: string, why: string) => log(-1, `permissions: ${file}: ${why}, ignoring the line: ${line.trim()}`);
    const allowFile = pathOf(allowName);
    const denyFile = pathOf(denyName);
    const set: RuleSet = { allowFile, denyFile, allow: loadRules(allowFile, bad(allowFile)), deny: loadRules(denyFile, bad(denyFile)) };
    for (const [f, r] of [[allowFile, set.allow], [denyFile, set.deny]] as const) {
      log(r === null ? 3 : 4, r === null ? `permissions: file (${f}) not found or empty => empty rule set` : `permissions: file (${f}) parsed: ${r.length} rules`);
    }
    return set;
  };
  const rulesOf = (ctx: ScriptContext, basename: string | null): RuleSet | null => {
    const set = ruleSets.get(basename ?? '');
    if (set === undefined) ctx.logError(`permissions: the rules of '${basename ?? '(default)'}' are not loaded`);
    return set ?? null;
  };
  const fromUri = (ctx: ScriptContext, which: 'from' | 'to'): string | null => {
    let uri: string;
    try {
      uri = which === 'from' ? ctx.msg!.from().uri : ctx.msg!.to().uri;
    } catch {
      ctx.logError(`permissions: failed to parse the ${which === 'from' ? 'From' : 'To'} header`);
      return null;
    }
    if (uri.length > EXPRESSION_LENGTH) {
      ctx.logError(`permissions: ${which === 'from' ? 'From' : 'To'} header field is too long: ${uri.length} chars`);
      return null;
    }
    return uri;
  };
  /** OpenSIPS get_plain_uri: "sip:user@host" (or "sip:host") of a URI. */
  const plainUri = (ctx: ScriptContext, uri: string): string | null => {
    const p = ctx.uriPartsOf(uri);
    if (p === null) {
      ctx.logError(`permissions: failed to parse URI <${uri}>`);
      return null;
    }
    const out = p.user !== null && p.user !== '' ? `sip:${p.user}@${p.host}` : `sip:${p.host}`;
    if (out.length > EXPRESSION_LENGTH) {
      ctx.logError(`permissions: URI is too long: ${out.length} chars`);
      return null;
    }
    return out;
  };

  const allowRouting = (ctx: ScriptContext, basename: string | null): number => {
    const set = rulesOf(ctx, basename);
    if (set === null) return -1;
    if (set.allow === null && set.deny === null) return 1;
    if (ctx.msg === null || !ctx.msg.isRequest) return -1;
    const from = fromUri(ctx, 'from');
    if (from === null) return -1;
    const p = ctx.uriPartsOf(ctx.ruri());
    if (p === null) {
      ctx.logError('permissions: uri parsing failed');
      return -1;
    }
    // The Request-URI is always written with '@', as OpenSIPS builds it.
    const ruri = `sip:${p.user ?? ''}@${p.host}`;
    if (ruri.length > EXPRESSION_LENGTH) {
      ctx.logError(`permissions: Request URI is too long: ${ruri.length} chars`);
      return -1;
    }
    const all = cfg<number>('check_all_branches') !== 0;
    if (searchRules(set.allow, from, ruri)) {
      if (!all) return 1;
    } else {
      if (searchRules(set.deny, from, ruri)) return -1;
      if (!all) return 1;
    }
    for (const b of ctx.branches) {
      const u = plainUri(ctx, b.uri);
      if (u === null) return -1;
      if (searchRules(set.allow, from, u)) continue;
      if (searchRules(set.deny, from, u)) return -1;
    }
    return 1;
  };

  const allowRegister = (ctx: ScriptContext, basename: string): number => {
    const set = rulesOf(ctx, basename);
    if (set === null) return -1;
    if (set.allow === null && set.deny === null) return 1;
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) return -1;
    if (msg.getHeader('To') === undefined) {
      ctx.logError('permissions: To or Contact not found');
      return -1;
    }
    if (msg.getHeader('Contact') === undefined) return 1;
    let contacts: ReturnType<typeof msg.contacts>;
    try {
      contacts = msg.contacts();
    } catch {
      ctx.logError('permissions: failed to parse Contact HF');
      return -1;
    }
    if (contacts.star) return 1;
    const to = fromUri(ctx, 'to');
    if (to === null) return -1;
    const all = cfg<number>('check_all_branches') !== 0;
    for (const c of contacts.contacts) {
      const u = plainUri(ctx, c.uri);
      if (u === null) return -1;
      // With check_all_branches off an allowed contact is still checked against the deny rules (as OpenSIPS does).
      if (searchRules(set.allow, to, u) && all) continue;
      if (searchRules(set.deny, to, u)) return -1;
    }
    return 1;
  };

  const allowUri = (ctx: ScriptContext, basename: string, uri: string): number => {
    const set = rulesOf(ctx, basename);
    if (set === null) return -1;
    if (set.allow === null && set.deny === null) return 1;
    if (ctx.msg === null || !ctx.msg.isRequest) return -1;
    const from = fromUri(ctx, 'from');
    if (from === null) return -1;
    if (uri.length > EXPRESSION_LENGTH) {
      ctx.logError(`permissions: URI value is too long: ${uri.length} chars`);
      return -1;
    }
    if (searchRules(set.allow, from, uri)) return 1;
    if (searchRules(set.deny, from, uri)) return -1;
    return 1;
  };

  const miAllowUri = (params: Record<string, string>): unknown => {
    const basename = params['basename'] ?? '';
    const uri = params['uri'] ?? '';
    const contact = params['contact'] ?? '';
    if (basename === '') throw new PermissionsMiError(404, 'Basename is empty');
    if (uri === '') throw new PermissionsMiError(404, 'URI is empty');
    if (contact === '') throw new PermissionsMiError(404, 'Contact is empty');
    const file = pathOf(basename + cfg<string>('allow_suffix'));
    const set = [...ruleSets.values()].find((s) => s.allowFile === file);
    if (set === undefined) {
      log(-1, `permissions: file <${file}> has not been loaded`);
      throw new PermissionsMiError(403, 'Forbidden');
    }
    if (set.allow === null && set.deny === null) return 'OK';
    if (searchRules(set.allow, uri, contact)) return 'OK';
    if (searchRules(set.deny, uri, contact)) throw new PermissionsMiError(403, 'Forbidden');
    return 'OK';
  };

  const noteBasename = (spec: FunctionExport['params'][number]): FunctionExport['params'][number] =>
    spec.name !== 'basename' ? spec : { ...spec, parse: (literal: string) => { basenames.add(literal); return literal; } };

  const impls: Record<string, { impl: FunctionExport['impl']; fixup?: FunctionExport['fixup'] }> = {
    allow_routing: { impl: allowRouting as FunctionExport['impl'] },
    allow_register: { impl: allowRegister as FunctionExport['impl'] },
    allow_uri: { impl: allowUri as FunctionExport['impl'] },
    check_address: { impl: checkAddress as FunctionExport['impl'], fixup: protoFixup },
    check_source_address: { impl: checkSourceAddress as FunctionExport['impl'], fixup: notePartition(3) },
    get_source_group: { impl: getSourceGroup as FunctionExport['impl'], fixup: notePartition(1) },
  };
  const functions: FunctionExport[] = DECLARED.functions!.map((f) => {
    const i = impls[f.name];
    if (i === undefined) return f;
    const out = implementedFn(f, i.impl, { params: f.params.map(noteBasename) });
    if (i.fixup !== undefined) out.fixup = i.fixup;
    return out;
  });

  const params: ModparamExport[] = DECLARED.params!.map((p) => {
    if (p.name === 'partition') {
      return {
        ...p,
        validate: (v) => {
          try {
            parsePartition(String(v));
            return undefined;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
        set: (v) => { partitionSpecs.push(parsePartition(String(v))); },
      };
    }
    return { ...p, set: (v: string | number) => { values.set(p.name, v); } };
  });

  const load = async (p: Partition): Promise<AddressTable> => {
    if (p.conn === null) p.conn = await dbm!.open(p.url);
    const cols = [cfg<string>('ip_col'), cfg<string>('grp_col'), cfg<string>('mask_col'), cfg<string>('port_col'),
      cfg<string>('proto_col'), cfg<string>('pattern_col'), cfg<string>('info_col'), 'id'] as const;
    const rows = await p.conn.query(p.table, { columns: cols });
    const mapped: AddressRow[] = rows.map((r) => ({
      ip: r[cols[0]], grp: r[cols[1]], mask: r[cols[2]], port: r[cols[3]], proto: r[cols[4]],
      pattern: r[cols[5]] ?? null, info: r[cols[6]] ?? null, id: r['id'],
    }));
    const t = AddressTable.fromRows(mapped);
    for (const s of t.skipped) log(4, `permissions: partition '${p.name}': ${s}, ignoring the entry`);
    return t;
  };

  const reload = async (p: Partition): Promise<void> => {
    const t = await load(p);
    store.set(p.name, t);
    log(4, `permissions: partition '${p.name}': ${t.size} address entries loaded from '${p.table}'`);
  };

  const findPart = (name: string): Partition | undefined => partitions.find((p) => p.name === name);

  const miReload = async (params: Record<string, string>): Promise<unknown> => {
    const name = params['partition'];
    if (name !== undefined) {
      const p = findPart(name);
      if (p === undefined) throw new PermissionsMiError(400, 'Trusted table reload failed');
      try {
        await reload(p);
      } catch (e) {
        log(-1, `permissions: reload of partition '${p.name}' failed: ${e instanceof Error ? e.message : String(e)}`);
        throw new PermissionsMiError(500, 'Failed to reolad');
      }
      return 'OK';
    }
    for (const p of partitions) {
      try {
        await reload(p);
      } catch (e) {
        log(-1, `permissions: reload of partition '${p.name}' failed: ${e instanceof Error ? e.message : String(e)}`);
        throw new PermissionsMiError(400, `failed to reload partition  ${p.name}!`);
      }
    }
    return 'OK';
  };

  const miDump = (subnets: boolean) => (params: Record<string, string>): unknown => {
    const name = params['partition'];
    if (name !== undefined) {
      const p = findPart(name);
      if (p === undefined) throw new PermissionsMiError(404, 'No such partition');
      return { part: p.name, Destinations: (store.get(p.name) ?? AddressTable.empty()).dump(subnets) };
    }
    return {
      Partitions: partitions.map((p) => ({ name: p.name, Destinations: (store.get(p.name) ?? AddressTable.empty()).dump(subnets) })),
    };
  };

  const miImpl: Record<string, (p: Record<string, string>) => unknown> = {
    'permissions:address_reload': miReload,
    'permissions:address_dump': miDump(false),
    'permissions:subnet_dump': miDump(true),
    'permissions:allow_uri': miAllowUri,
  };

  return {
    ...DECLARED,
    functions,
    params,
    mi: DECLARED.mi!.map((m) => (miImpl[m.name] !== undefined ? implementedMi(m, miImpl[m.name]!) : m)),
    async init(e) {
      log = e.log;
      ruleSets.clear();
      ruleSets.set('', loadRuleSet(cfg<string>('default_allow_file'), cfg<string>('default_deny_file')));
      for (const b of basenames) ruleSets.set(b, loadRuleSet(b + cfg<string>('allow_suffix'), b + cfg<string>('deny_suffix')));
      dbm = dbManagerOf(e.services);
      const defaultUrl = cfg<string | null>('db_url');
      const table = cfg<string>('address_table');
      const list: Partition[] = [];
      for (const s of partitionSpecs) {
        if (list.some((p) => p.name === s.name)) throw new Error(`permissions: partition '${s.name}' is defined twice`);
        const url = s.url ?? (defaultUrl !== null && defaultUrl !== '' ? defaultUrl : dbm.defaultUrl);
        if (url === null || url === '') throw new Error(`permissions: partition '${s.name}' has no 'db_url' (and neither db_url nor db_default_url is set)`);
        list.push({ name: s.name, url, table: s.table ?? table, conn: null });
      }
      // The default partition comes from db_url (OpenSIPS does not use db_default_url for it).
      if (defaultUrl !== null && defaultUrl !== '' && !list.some((p) => p.name === DEFAULT_PART)) {
        list.unshift({ name: DEFAULT_PART, url: defaultUrl, table, conn: null });
      }
      if (list.length === 0) log(3, 'permissions: db_url parameter of permissions module not set, disabling the address checks');
      for (const n of namedInScript) {
        if (!list.some((p) => p.name === n)) throw new Error(`permissions: invoked partition <${n}> not defined`);
      }
      partitions = list;
      for (const p of list) {
        p.conn = await dbm.open(p.url);
        await checkTableVersion(p.conn, p.table, ADDRESS_TABLE_VERSION, dbm.versionTable);
        await reload(p);
      }
    },
    async destroy() {
      for (const p of partitions) {
        if (p.conn !== null) await p.conn.close();
        p.conn = null;
      }
      partitions = [];
    },
  };
}

/** The permissions table for checking scripts (no state is used until init). */
export const permissions: ModuleExports = createPermissions();

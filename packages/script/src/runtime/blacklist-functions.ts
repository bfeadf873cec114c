/**
 * The core's blacklist functions and MI commands (OpenSIPS core_cmds.c / blacklists.c):
 * use_blacklist, unuse_blacklist, check_blacklist_rule, add_blacklist_rule,
 * del_blacklist_rule; MI blacklists:list (list_blacklists), check (check_blacklist),
 * check_all (check_blacklists), add_rule (add_blacklist_rule), del_rule (del_blacklist_rule).
 */
import type { FunctionExport, MiExport, ParamSpec, RouteTypeName } from '../exports/types';
import type { ScriptContext } from './context';
import { CacheMiError } from '../cachedb/engine';
import { type BlacklistHead, type BlacklistStore, makeRule, parseIpInto, parseRuleText } from './blacklists';

const ALL_ROUTES: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE', 'ERROR_ROUTE', 'LOCAL_ROUTE', 'STARTUP_ROUTE', 'TIMER_ROUTE', 'EVENT_ROUTE'];

const str = (name: string, optional = false): ParamSpec => (optional ? { name, kind: 'string', optional } : { name, kind: 'string' });
const int = (name: string): ParamSpec => ({ name, kind: 'int-or-var', optional: true });

function storeOf(ctx: ScriptContext): BlacklistStore | null {
  return ctx.tables.blacklists ?? null;
}

/** The list a function names; logs and returns null when it does not exist. */
function headOf(ctx: ScriptContext, fn: string, name: string): BlacklistHead | null {
  const h = storeOf(ctx)?.get(name);
  if (h === undefined) {
    ctx.logError(`${fn}: blacklist '${name}' is not configured`);
    return null;
  }
  return h;
}

function mark(ctx: ScriptContext, fn: string, name: string, on: boolean): number {
  const store = storeOf(ctx);
  let bits: number;
  if (name.toLowerCase() === 'all') bits = -1;
  else {
    const h = headOf(ctx, fn, name);
    if (h === null) return -1;
    bits = h.bit;
  }
  ctx.blacklistMask = on ? ctx.blacklistMask | (bits & (store?.allMask ?? 0)) : ctx.blacklistMask & ~bits;
  return 1;
}

/** "[!]ip[/mask]" of add/del_blacklist_rule. */
function netArg(net: string): { negated: boolean; net: string } {
  const t = net.trim();
  return t.startsWith('!') ? { negated: true, net: t.slice(1).trim() } : { negated: false, net: t };
}

export function blacklistFunctions(): FunctionExport[] {
  return [
    {
      name: 'use_blacklist',
      params: [str('list')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, list: string) => mark(ctx, 'use_blacklist', list, true),
      doc: 'turns a blacklist ("all": every list) on for this message: its outgoing requests to matching destinations are refused',
    },
    {
      name: 'unuse_blacklist',
      params: [str('list')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, list: string) => mark(ctx, 'unuse_blacklist', list, false),
      doc: 'turns a blacklist ("all": every list) off for this message',
    },
    {
      name: 'check_blacklist_rule',
      params: [str('list'), str('ip'), int('port'), str('proto', true), str('pattern', true)],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, list: string, ip: string, port: number | null, proto: string | null, pattern: string | null) => {
        const store = storeOf(ctx);
        if (store === null) return -1;
        const scratch = new Uint8Array(16);
        if (parseIpInto(ip, scratch) === 0) {
          ctx.logError(`check_blacklist_rule: '${ip}' is not an IP address`);
          return -1;
        }
        const p = proto === null || proto === '' ? '' : proto.toLowerCase();
        const text = pattern ?? '';
        if (list.toLowerCase() === 'all') return store.check(ctx.blacklistMask, p, ip, port ?? 0, text) !== null ? 1 : -1;
        const h = headOf(ctx, 'check_blacklist_rule', list);
        if (h === null) return -1;
        return store.matchList(h, p, ip, port ?? 0, text) !== null ? 1 : -1;
      },
      doc: 'true when ip (port, proto, text) matches the list ("all": the lists in use for this message)',
    },
    {
      name: 'add_blacklist_rule',
      params: [str('list'), str('ip'), int('port'), str('proto', true), str('pattern', true), int('expire')],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, list: string, ip: string, port: number | null, proto: string | null, pattern: string | null, expire: number | null) => {
        const store = storeOf(ctx);
        const h = headOf(ctx, 'add_blacklist_rule', list);
        if (store === null || h === null) return -1;
        const n = netArg(ip);
        const r = makeRule({ negated: n.negated, net: n.net, port, proto, pattern });
        if (typeof r === 'string') {
          ctx.logError(`add_blacklist_rule: ${r}`);
          return -1;
        }
        const problem = store.add(h, [r], expire ?? 0);
        if (problem !== undefined) {
          ctx.logError(`add_blacklist_rule: ${problem}`);
          return -1;
        }
        return 1;
      },
      doc: 'adds a rule to a writable list; expire (seconds) needs a list with the expire flag',
    },
    {
      name: 'del_blacklist_rule',
      params: [str('list'), str('ip'), int('port'), str('proto', true), str('pattern', true)],
      routes: ALL_ROUTES,
      impl: (ctx: ScriptContext, list: string, ip: string, port: number | null, proto: string | null, pattern: string | null) => {
        const store = storeOf(ctx);
        const h = headOf(ctx, 'del_blacklist_rule', list);
        if (store === null || h === null) return -1;
        if (h.readonly) {
          ctx.logError(`del_blacklist_rule: blacklist '${list}' is read-only`);
          return -1;
        }
        const n = netArg(ip);
        const r = makeRule({ negated: n.negated, net: n.net, port, proto, pattern });
        if (typeof r === 'string') {
          ctx.logError(`del_blacklist_rule: ${r}`);
          return -1;
        }
        return store.remove(h, r) ? 1 : -1;
      },
      doc: 'removes the rule with exactly these fields from a writable list; -1 when there is none',
    },
  ];
}

function miExtra(params: Record<string, string>): { proto: string; port: number; text: string } {
  const proto = params.proto === undefined || params.proto.toLowerCase() === 'any' ? '' : params.proto.toLowerCase();
  let port = 0;
  if (params.port !== undefined) {
    if (!/^\d+$/.test(params.port.trim())) throw new CacheMiError(404, 'Bad params');
    port = Number(params.port);
  }
  return { proto, port, text: params.pattern ?? '' };
}

function miIp(params: Record<string, string>): string {
  const ip = params.ip;
  if (ip === undefined || parseIpInto(ip, new Uint8Array(16)) === 0) throw new CacheMiError(400, 'Missing or bad IP');
  return ip;
}

function miHead(store: BlacklistStore, params: Record<string, string>): BlacklistHead {
  const h = params.name === undefined ? undefined : store.get(params.name);
  if (h === undefined) throw new CacheMiError(400, 'Missing or bad blacklist name');
  return h;
}

export function blacklistMi(store: BlacklistStore): MiExport[] {
  return [
    {
      name: 'blacklists:list',
      aliases: ['list_blacklists'],
      params: [{ name: 'name', optional: true }],
      handler: (params) => {
        if (params.name !== undefined) {
          const h = store.get(params.name);
          if (h === undefined) throw new CacheMiError(404, 'Unknown name');
          return store.view(h);
        }
        return { Lists: store.lists().map((h) => store.view(h)) };
      },
      doc: 'every blacklist (or the one named) with its owner, flags and rules',
    },
    {
      name: 'blacklists:check_all',
      aliases: ['check_blacklists'],
      params: [{ name: 'proto', optional: true }, { name: 'ip' }, { name: 'port', optional: true }, { name: 'pattern', optional: true }],
      handler: (params) => {
        const ip = miIp(params);
        const x = miExtra(params);
        return store.lists().filter((h) => store.matchList(h, x.proto, ip, x.port, x.text) !== null).map((h) => h.name);
      },
      doc: 'names of every list a proto/IP/port/text matches',
    },
    {
      name: 'blacklists:check',
      aliases: ['check_blacklist'],
      params: [{ name: 'name' }, { name: 'proto', optional: true }, { name: 'ip' }, { name: 'port', optional: true }, { name: 'pattern', optional: true }],
      handler: (params) => {
        const ip = miIp(params);
        const h = miHead(store, params);
        const x = miExtra(params);
        const r = store.matchList(h, x.proto, ip, x.port, x.text);
        if (r === null) throw new CacheMiError(404, 'Not Matched');
        return store.view({ ...h, rules: [r], hasExpiring: false }).Rules[0];
      },
      doc: 'the first rule of a list a proto/IP/port/text matches (404 Not Matched)',
    },
    {
      name: 'blacklists:add_rule',
      aliases: ['add_blacklist_rule'],
      params: [{ name: 'name' }, { name: 'rule' }, { name: 'expire', optional: true }],
      handler: (params) => {
        const h = miHead(store, params);
        if (h.readonly) throw new CacheMiError(403, 'Cannot modify read-only blacklist');
        const r = parseRuleText(params.rule ?? '');
        if (typeof r === 'string') throw new CacheMiError(404, 'Bad rule');
        let expire = 0;
        if (params.expire !== undefined) {
          expire = Number(params.expire);
          if (!Number.isInteger(expire) || expire <= 0) throw new CacheMiError(404, 'Bad expire value');
          if (!h.expire) throw new CacheMiError(404, 'Blacklist without expire support');
        }
        const problem = store.add(h, [r], expire);
        if (problem !== undefined) throw new CacheMiError(500, problem);
        return 'OK';
      },
      doc: "adds a rule '[!][proto,]ip[/mask][,port[,pattern]]' (expire: seconds, lists with the expire flag)",
    },
    {
      name: 'blacklists:del_rule',
      aliases: ['del_blacklist_rule'],
      params: [{ name: 'name' }, { name: 'rule' }],
      handler: (params) => {
        const h = miHead(store, params);
        if (h.readonly) throw new CacheMiError(403, 'Cannot modify read-only blacklist');
        const r = parseRuleText(params.rule ?? '');
        if (typeof r === 'string') throw new CacheMiError(404, 'Bad rule');
        if (!store.remove(h, r)) throw new CacheMiError(404, 'Rule not found');
        return 'OK';
      },
      doc: 'removes a rule given as add_rule writes it',
    },
  ];
}

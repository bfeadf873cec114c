/**
 * registrar: REGISTER processing (RFC 3261 section 10) on top of usrloc, and lookup() that
 * turns an AOR into the Request-URI and branches for forking. Flag spellings: ./flags.ts.
 */
import type { FunctionExport, ModparamExport, ModuleEnv, ModuleExports, ParamSpec, ScriptContext } from '@tsips/script';
import { CORE } from '@tsips/core';
import { parseExpires, parseTokenList } from '@tsips/sip';
import { type ParsedFlags } from '../shared/flags';
import { ALL_METHODS, methodBit, methodsMask, USRLOC, type ContactInfo, type Ucontact, type UsrlocApi, type UsrlocDomain } from '../usrloc';
import { TM } from '../tm/api';
import { AorError, extractAor } from './aor';
import { R, RegistrarError, type RegError } from './errors';
import { counter, fn, implementedFn, gauge, intParam, strParam } from '../shared/declare';
import { flagsParam } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { inVar, intOrVar, staticStr, str } from '../shared/params';
import { ALL, MSG_NO_ERR, REQ_REPLY } from '../shared/routes';
import { LOOKUP_FLAGS, SAVE_FLAGS } from './flags';

/** The usrloc domain (table) name, e.g. "location": fixed at load. */
const domain = staticStr('domain');

const DECLARED: ModuleExports = {
  name: 'registrar',
  functions: [
    fn('save', [domain, flagsParam('flags', SAVE_FLAGS, true), str('aor', true), str('ownership tag', true)], REQ_REPLY, ISSUE.sipCore,
      'Stores, refreshes or removes the bindings of a REGISTER (Contact, Expires) and answers 200 OK with the current contacts. 1 ok, -1 error (a reply with the reason was sent).'),
    fn('remove', [domain, str('aor'), str('contact', true), str('next hop', true), str('sip instance', true), str('branch flag', true)], REQ_REPLY, ISSUE.sipCore,
      'Removes the bindings of an AOR, optionally only those matching contact / next hop / +sip.instance / branch flag.'),
    fn('remove_ip_port', [str('ip'), intOrVar('port'), domain, str('aor', true)], ALL, ISSUE.sipCore,
      'Removes the bindings received from an IP and port (of one AOR or of all).'),
    fn('lookup', [domain, flagsParam('flags', LOOKUP_FLAGS, true), str('aor', true)], ['REQUEST_ROUTE', 'ONREPLY_ROUTE', 'FAILURE_ROUTE'], ISSUE.sipCore,
      'Rewrites the Request-URI with the best contact of the AOR and adds the others as branches. 1 found; 2 only push notifications started; -1 no contact; -2 contacts exist but none allows the method; -3 internal error.'),
    fn('add_sock_hdr', [str('header name')], MSG_NO_ERR, ISSUE.unscheduled,
      'Adds a header holding the receiving socket, for a registrar behind this proxy (see the socket-header flag).'),
    fn('is_registered', [domain, str('aor', true)], MSG_NO_ERR, ISSUE.sipCore,
      'True when the AOR (default: the To URI for REGISTER, else the From URI) has at least one binding.'),
    fn('is_contact_registered', [domain, str('aor', true), str('contact', true), str('callid', true)], MSG_NO_ERR, ISSUE.sipCore,
      'True when the AOR has a binding with that contact (default: the Contact of the message) or that Call-ID.'),
    fn('is_ip_registered', [domain, str('aor', true), inVar('ip avp'), inVar('port avp', true)], MSG_NO_ERR, ISSUE.sipCore,
      'True when one of the IPs (and ports) in the AVPs is the source of a binding of the AOR.'),
  ],
  params: [
    intParam('default_expires', 3600, 'Expiry (s) used when a REGISTER gives none.'),
    intParam('default_q', 0, 'q value (x1000) for contacts without one.'),
    intParam('case_sensitive', 1, 'Compare AOR user parts case-sensitively.'),
    strParam('tcp_persistent_flag', null, 'Branch flag that keeps the TCP connection of a binding open for its lifetime.'),
    strParam('realm_prefix', null, 'Prefix removed from the domain of an AOR (e.g. "sip.").'),
    intParam('min_expires', 60, 'Lowest expiry accepted; lower values are raised (0: no check).'),
    intParam('max_expires', 0, 'Highest expiry accepted; higher values are lowered (0: no check).'),
    strParam('received_param', 'received', 'Contact parameter name carrying the NAT source address.'),
    strParam('received_avp', null, 'AVP (filled by nathelper) holding the source address to store with a contact.'),
    intParam('retry_after', 0, 'Retry-After value (s) added to 5xx replies of save (0: none).'),
    strParam('sock_hdr_name', null, 'Header read by the socket-header save flag.'),
    strParam('mcontact_avp', null, 'AVP holding the contact to save when save runs on a reply.'),
    strParam('attr_avp', null, 'AVP whose value is stored with the contact as its attributes.'),
    strParam('gruu_secret', null, 'Secret used to build temporary GRUUs (RFC 5627).'),
    intParam('disable_gruu', 1, 'Do not hand out GRUUs.'),
    intParam('max_contacts', 0, 'Cap of contacts per AOR (0: none).'),
    intParam('max_username_len', 64, 'Longest AOR user part accepted.'),
    intParam('max_domain_len', 64, 'Longest AOR domain accepted.'),
    intParam('max_aor_len', 256, 'Longest AOR accepted.'),
    intParam('max_contact_len', 255, 'Longest contact URI accepted.'),
    intParam('allow_dup_cseq', 1, 'Accept a REGISTER repeating the CSeq of the stored binding.'),
    intParam('expires_max_deviation', 0, 'Random spread (s) applied to expiries to smooth refresh storms.'),
    intParam('pn_enable', 0, 'Enable SIP push notifications (RFC 8599).'),
    strParam('pn_providers', null, 'Push notification providers and their URIs.'),
    strParam('pn_ct_match_params', 'pn-provider, pn-prid, pn-param', 'Contact parameters that identify a push-capable binding.'),
    intParam('pn_pnsreg_interval', 130, 'Seconds before binding expiry a refresh push is sent.'),
    intParam('pn_trigger_interval', 120, 'Least seconds between two pushes for one binding.'),
    intParam('pn_skip_pn_interval', 0, 'Skip the push when the binding refreshed this recently (s).'),
    intParam('pn_refresh_timeout', 6, 'Seconds to wait for a device to refresh after a push.'),
    intParam('pn_enable_purr', 0, 'Use the RFC 8599 "purr" parameter.'),
  ],
  stats: [
    gauge('max_expires', 'The max_expires setting.'),
    gauge('max_contacts', 'The max_contacts setting.'),
    gauge('default_expire', 'The default_expires setting.'),
    counter('accepted_regs', 'REGISTERs accepted.'),
    counter('rejected_regs', 'REGISTERs refused.'),
  ],
  dependencies: ['usrloc', 'signaling'],
};

/** Default User-Agent stored when a REGISTER has none (OpenSIPS stores "n/a"). */
const NO_UA = 'n/a';
/** OpenSIPS limits (lib/reg/config.h). */
const CALLID_MAX = 255;
const UA_MAX = 255;
const RECEIVED_MAX = 255;
const Q_UNSPECIFIED = -1;

interface SaveFlags {
  memoryOnly: boolean;
  noReply: boolean;
  maxContacts: number | null;
  force: boolean;
  matchingMode: number | null;
  path: 'none' | 'off' | 'lazy' | 'strict';
  pathReceived: boolean;
  onlyRequestContacts: boolean;
  socketHeader: boolean;
  minExpires: number | null;
  maxExpires: number | null;
}

function saveFlags(p: ParsedFlags | null): SaveFlags {
  const f = p?.flags ?? new Map<string, string | number | true>();
  const n = (k: string): number | null => {
    const v = f.get(k);
    return v === undefined || v === true ? null : Number(v);
  };
  return {
    memoryOnly: f.has('memory-only'), noReply: f.has('no-reply'), maxContacts: n('max-contacts'), force: f.has('force-registration'),
    matchingMode: n('matching-mode'),
    path: f.has('path-strict') ? 'strict' : f.has('path-lazy') ? 'lazy' : f.has('path-off') ? 'off' : 'none',
    pathReceived: f.has('path-received'), onlyRequestContacts: f.has('only-request-contacts'), socketHeader: f.has('socket-header'),
    minExpires: n('min-expires'), maxExpires: n('max-expires'),
  };
}

/** q text of a q x 1000 value, as OpenSIPS prints it ("0.5", "1", "0"). */
function qText(q: number): string {
  if (q >= 1000) return '1';
  if (q <= 0) return '0';
  return (q / 1000).toFixed(3).replace(/0+$/, '');
}

/** Parses a q parameter into q x 1000; throws on a value RFC 3261 does not allow. */
function parseQ(text: string): number {
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(text)) throw new RegistrarError(R.invQ, `invalid q value '${text}'`);
  return Math.round(Number(text) * 1000);
}

function param(params: readonly { name: string; value: string | null }[], name: string): { name: string; value: string | null } | undefined {
  const lower = name.toLowerCase();
  return params.find((p) => p.name.toLowerCase() === lower);
}

/** URI of the first name-addr of a header value (Path: "<sip:edge;lr>, <...>"). */
function firstUri(value: string): string {
  const lt = value.indexOf('<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    return value.slice(lt + 1, gt < 0 ? undefined : gt);
  }
  const comma = value.indexOf(',');
  return (comma < 0 ? value : value.slice(0, comma)).trim();
}

function uriParam(uri: string, name: string): string | null {
  const re = new RegExp(`;${name}=([^;>?]*)`, 'i');
  const m = re.exec(uri);
  if (m === null) return null;
  return m[1]!.replace(/^"|"$/g, '');
}

/** Host and port of a SIP URI text (without parsing everything), for IP matching. */
function hostPort(uri: string): { host: string; port: number | null } | null {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(uri.trim());
  if (m === null) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port: m[2] === undefined ? null : Number(m[2]) };
}

/** A fresh registrar instance. */
export function createRegistrar(): ModuleExports {
  const values = new Map<string, string | number>();
  const cfg = <T extends string | number | null>(name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v as T;
    return (DECLARED.params!.find((p) => p.name === name)?.default ?? null) as T;
  };
  /** Domains named by the script's calls (collected when the script compiles). */
  const usedDomains = new Set<string>();
  let env: ModuleEnv | null = null;
  let ul: UsrlocApi | null = null;

  const log = (ctx: ScriptContext, level: number, text: string): void => {
    ctx.log(level, `registrar: ${text}`);
  };
  const stat = (name: string): void => env?.services.find(CORE)?.stat(`registrar:${name}`);

  const aorOpts = () => ({
    useDomain: ul?.useDomain ?? true,
    caseSensitive: cfg<number>('case_sensitive') !== 0,
    realmPrefix: cfg<string | null>('realm_prefix'),
    maxUsernameLen: cfg<number>('max_username_len'),
    maxDomainLen: cfg<number>('max_domain_len'),
    maxAorLen: cfg<number>('max_aor_len'),
  });

  const usrlocDomain = (ctx: ScriptContext, name: string): UsrlocDomain | null => {
    const d = ul?.domain(name);
    if (d === undefined) {
      log(ctx, -1, `usrloc table '${name}' is not registered (usrloc not loaded or start-up failed)`);
      return null;
    }
    return d;
  };

  const avpName = (param: string): string | null => {
    const v = cfg<string | null>(param);
    if (v === null) return null;
    const m = /^\$avp\(([^)]+)\)$/.exec(v.trim());
    return m === null ? null : m[1]!;
  };

  const reply = async (ctx: ScriptContext, status: number, reason: string, headers: string[]): Promise<number> => {
    const start = ctx.replyHeaders.length;
    ctx.replyHeaders.push(...headers);
    try {
      // As OpenSIPS's signaling binding: statefully when the REGISTER has a transaction (t_newtran).
      const tm = env?.services.find(TM);
      if (tm !== undefined && tm.transactionOf(ctx) !== null) return await tm.reply(ctx, status, reason);
      return await ctx.sinks.reply(ctx, status, reason);
    } finally {
      // Our lines belong to this reply only; lines the script added stay for its own replies.
      ctx.replyHeaders.splice(start, headers.length);
    }
  };

  const contactHeader = (list: readonly Ucontact[], nowSec: number): string | null => {
    if (list.length === 0) return null;
    const rcvParam = cfg<string>('received_param');
    const parts = list.map((c) => {
      let s = `<${c.uri}>`;
      if (c.q !== Q_UNSPECIFIED) s += `;q=${qText(c.q)}`;
      s += `;expires=${c.expires === 0 ? 0 : Math.max(0, c.expires - nowSec)}`;
      if (c.received !== null) s += `;${rcvParam}="${c.received}"`;
      return s;
    });
    return `Contact: ${parts.join(', ')}`;
  };

  // ------------------------------------------------------------------ save()
  const save = async (ctx: ScriptContext, domainName: string, flagsIn: ParsedFlags | null, aorIn: string | null): Promise<number> => {
    const d = usrlocDomain(ctx, domainName);
    if (d === null || ul === null) return -1;
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) {
      log(ctx, -1, 'save() on a reply needs mcontact_avp, which tsips does not support yet');
      return -1;
    }
    const flags = saveFlags(flagsIn);
    const extra: string[] = [];
    const fail = async (err: RegError, detail: string): Promise<number> => {
      log(ctx, 1, `save(): ${detail}`);
      stat('rejected_regs');
      if (!flags.noReply) {
        const h = [...extra, `P-Registrar-Error: ${err.info}`];
        const retry = cfg<number>('retry_after');
        if (err.status >= 500 && err.status < 600 && retry > 0) h.push(`Retry-After: ${retry}`);
        await reply(ctx, err.status, err.reason, h);
      }
      return -1;
    };
    try {
      const usrloc = ul;
      const nowMs = usrloc.now();
      const nowSec = Math.floor(nowMs / 1000);
      // --- mandatory headers
      if (msg.getHeader('To') === undefined) throw new RegistrarError(R.toMiss);
      if (msg.getHeader('Call-ID') === undefined) throw new RegistrarError(R.cidMiss);
      if (msg.getHeader('CSeq') === undefined) throw new RegistrarError(R.csMiss);
      let aor: string;
      try {
        aor = extractAor(aorIn ?? msg.to().uri, aorOpts());
      } catch (e) {
        if (e instanceof AorError) throw new RegistrarError(e.kind === 'too-long' ? R.aorLen : e.kind === 'no-user' ? R.toUser : R.aorParse, e.message);
        throw new RegistrarError(R.toMiss, e instanceof Error ? e.message : String(e));
      }
      let callid: string;
      let cseq: number;
      try {
        callid = msg.callId().trim();
        cseq = msg.cseq().seq;
      } catch (e) {
        throw new RegistrarError(R.parse, e instanceof Error ? e.message : String(e));
      }
      if (callid.length > CALLID_MAX) throw new RegistrarError(R.callidLen);
      let headerExpires: number | null = null;
      const eh = msg.getHeader('Expires');
      if (eh !== undefined) {
        try {
          headerExpires = parseExpires(eh);
        } catch {
          throw new RegistrarError(R.parseExp, `bad Expires header '${eh}'`);
        }
      }
      let cl: ReturnType<typeof msg.contacts>;
      try {
        cl = msg.contacts();
      } catch (e) {
        throw new RegistrarError(R.parseCont, e instanceof Error ? e.message : String(e));
      }

      // --- Path (RFC 3327)
      let path: string | null = null;
      let pathReceived: string | null = null;
      if (flags.path !== 'none') {
        const ph = msg.getHeaders('Path');
        if (ph.length > 0) {
          path = ph.map((h) => h.trim()).join(',');
          if (flags.pathReceived) pathReceived = uriParam(firstUri(path), 'received');
          if (flags.path !== 'off') {
            const supported = msg.getHeaders('Supported').flatMap((h) => {
              try {
                return parseTokenList(h);
              } catch {
                return [];
              }
            }).some((t) => t.toLowerCase() === 'path');
            if (supported) extra.push(`Path: ${path}`);
            else if (flags.path === 'strict') {
              extra.push('Unsupported: path', `Path: ${path}`);
              throw new RegistrarError(R.pathUnsup);
            }
          }
        }
      }

      const maxContacts = flags.maxContacts ?? cfg<number>('max_contacts');
      const minExp = flags.minExpires ?? cfg<number>('min_expires');
      const maxExp = flags.maxExpires ?? cfg<number>('max_expires');
      const defaultExp = cfg<number>('default_expires');
      const matchingMode = flags.matchingMode ?? usrloc.matchingMode;
      const allowDupCseq = cfg<number>('allow_dup_cseq') !== 0;

      const ok = async (requestUris: ReadonlySet<string> | null): Promise<number> => {
        stat('accepted_regs');
        if (flags.noReply) return 1;
        let list = d.validContacts(aor, nowSec);
        if (requestUris !== null && flags.onlyRequestContacts) list = list.filter((c) => requestUris.has(c.uri));
        const h = contactHeader(list, nowSec);
        const headers = h === null ? [...extra] : [h, ...extra];
        await reply(ctx, 200, 'OK', headers);
        return 1;
      };

      // --- Contact: * (remove every binding)
      if (cl.star) {
        if (cl.contacts.length > 0) throw new RegistrarError(R.starCont);
        if (headerExpires !== 0) throw new RegistrarError(R.starExp);
        await usrloc.withContext(ctx, () => d.removeAor(aor));
        return ok(null);
      }
      // --- no Contact: a query
      if (cl.contacts.length === 0) return ok(null);

      // --- per-contact data common to the request
      const uaHdr = msg.getHeader('User-Agent');
      const userAgent = uaHdr !== undefined && uaHdr.length > 0 && uaHdr.length < UA_MAX ? uaHdr : NO_UA;
      let allowed = ALL_METHODS;
      const allowHdrs = msg.getHeaders('Allow');
      if (allowHdrs.length > 0) {
        try {
          allowed = methodsMask(allowHdrs.flatMap((h) => parseTokenList(h)));
        } catch {
          allowed = ALL_METHODS;
        }
      }
      let avpReceived: string | null = null;
      const rcvAvp = avpName('received_avp');
      if (rcvAvp !== null) {
        const v = ctx.avps.get(rcvAvp);
        if (v !== null && String(v) !== '') avpReceived = String(v);
      }
      const attrAvp = avpName('attr_avp');
      const attr = attrAvp === null ? null : ((v) => (v === null ? null : String(v)))(ctx.avps.get(attrAvp));
      let socket: string | null = null;
      if (flags.socketHeader) {
        const hn = cfg<string | null>('sock_hdr_name');
        socket = hn === null ? null : (msg.getHeader(hn)?.trim() ?? null);
      }
      if (socket === null) {
        const core = env?.services.find(CORE);
        socket = core?.localSocket(ctx.rcv)?.name ?? `${ctx.rcv.proto}:${ctx.rcv.dstIp.includes(':') ? `[${ctx.rcv.dstIp}]` : ctx.rcv.dstIp}:${ctx.rcv.dstPort}`;
      }
      let cflags = ctx.branchFlags[0] ?? 0;
      const natBit = usrloc.natBflag(ctx.tables);
      if (pathReceived !== null && natBit >= 0) cflags = (cflags | (1 << natBit)) >>> 0;

      // --- plan every change first, apply them only when the whole request is acceptable
      type Plan = { kind: 'insert'; uri: string; info: ContactInfo } | { kind: 'update'; c: Ucontact; info: ContactInfo } | { kind: 'delete'; c: Ucontact };
      const plans: Plan[] = [];
      const existing = d.validContacts(aor, nowSec);
      const requestUris = new Set<string>();
      for (const ct of cl.contacts) {
        const uri = ct.uri;
        if (uri.length > cfg<number>('max_contact_len')) throw new RegistrarError(R.contactLen, `contact URI longer than ${cfg<number>('max_contact_len')}`);
        requestUris.add(uri);
        let exp: number;
        const ep = param(ct.params, 'expires');
        if (ep !== undefined) {
          if (ep.value === null || !/^\d+$/.test(ep.value.trim())) throw new RegistrarError(R.invExp, `bad expires parameter in contact ${uri}`);
          exp = Number(ep.value.trim());
        } else exp = headerExpires ?? defaultExp;
        if (exp > 0) {
          if (minExp > 0 && exp < minExp) exp = minExp;
          if (maxExp > 0 && exp > maxExp) exp = maxExp;
          const dev = cfg<number>('expires_max_deviation');
          if (dev > 0) exp = Math.max(1, exp + Math.floor(Math.random() * (2 * dev + 1)) - dev);
        }
        const qp = param(ct.params, 'q');
        const dq = values.has('default_q') ? Math.min(1000, Math.max(0, cfg<number>('default_q'))) : Q_UNSPECIFIED;
        const q = qp === undefined || qp.value === null ? dq : parseQ(qp.value.trim());
        const ctMethods = param(ct.params, 'methods');
        let methods = allowed;
        if (ctMethods !== undefined && ctMethods.value !== null) methods = methodsMask(ctMethods.value.replace(/"/g, '').split(','));
        const rp = param(ct.params, 'received');
        const received = pathReceived ?? (rp !== undefined && rp.value !== null ? rp.value : avpReceived);
        if (received !== null && received.length > RECEIVED_MAX) throw new RegistrarError(R.contactLen, 'received too long');
        const inst = param(ct.params, '+sip.instance');
        const info: ContactInfo = {
          expires: exp === 0 ? 0 : nowSec + exp, q, callid, cseq, flags: 0, cflags, userAgent, received, path, socket,
          methods, sipInstance: inst?.value ?? null, attr,
        };
        const match = existing.find((c) => c.uri === uri && (matchingMode !== 1 || c.callid === callid));
        if (match === undefined) {
          if (exp > 0) plans.push({ kind: 'insert', uri, info });
          continue;
        }
        if (match.callid === callid) {
          const effective = allowDupCseq ? cseq + 1 : cseq;
          if (effective < match.cseq) throw new RegistrarError(R.invCseq, `CSeq ${cseq} is lower than the stored ${match.cseq} for ${uri}`);
          if (effective === match.cseq) {
            // A retransmission inside cseq_delay changes nothing; later, it is an error.
            if (match.lastModified + usrloc.cseqDelay * 1000 > nowMs) continue;
            throw new RegistrarError(R.invCseq, `CSeq ${cseq} repeats the stored one for ${uri}`);
          }
        }
        plans.push(exp === 0 ? { kind: 'delete', c: match } : { kind: 'update', c: match, info });
      }

      // --- max_contacts
      if (maxContacts > 0) {
        const removed = new Set(plans.filter((p) => p.kind === 'delete').map((p) => (p as { c: Ucontact }).c));
        const inserts = plans.filter((p) => p.kind === 'insert').length;
        const kept = existing.filter((c) => !removed.has(c));
        const excess = kept.length + inserts - maxContacts;
        if (excess > 0) {
          if (!flags.force || inserts > maxContacts) throw new RegistrarError(R.tooMany, `AOR ${aor} would have ${kept.length + inserts} contacts, max_contacts is ${maxContacts}`);
          // Drop the bindings refreshed least recently, keeping the ones this request updates.
          const updated = new Set(plans.filter((p) => p.kind === 'update').map((p) => (p as { c: Ucontact }).c));
          const victims = kept.filter((c) => !updated.has(c)).sort((a, b) => a.lastModified - b.lastModified).slice(0, excess);
          if (victims.length < excess) throw new RegistrarError(R.tooMany, `AOR ${aor}: cannot make room for ${inserts} new contact(s)`);
          for (const v of victims) plans.push({ kind: 'delete', c: v });
        }
      }

      // --- apply (memory-only: no database write for this request)
      try {
        await usrloc.withContext(ctx, async () => {
          for (const p of plans) {
            if (p.kind === 'insert') await d.insert(aor, p.uri, p.info, flags.memoryOnly);
            else if (p.kind === 'update') await d.update(p.c, p.info, flags.memoryOnly);
            else await d.remove(p.c);
          }
        });
      } catch (e) {
        throw new RegistrarError(R.internal, `usrloc update failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      // TCP: keep the connection for the binding's lifetime (tcp_persistent_flag) is the core's job;
      // the flag is stored with the contact's branch flags.
      return ok(requestUris);
    } catch (e) {
      if (e instanceof RegistrarError) return fail(e.reg, e.message);
      return fail(R.internal, e instanceof Error ? e.message : String(e));
    }
  };

  // ------------------------------------------------------------------ lookup()
  /** Valid contacts of an AOR after the filters: the list, or -1 (none) / -2 (none allows the method). */
  const candidates = (d: UsrlocDomain, aor: string, f: ReadonlyMap<string, string | number | true>, method: string | null, nowSec: number): Ucontact[] | -1 | -2 => {
    let list = d.validContacts(aor, nowSec);
    if (list.length === 0) return -1;
    const uaFilter = f.get('ua-filtering');
    if (typeof uaFilter === 'string') {
      const m = /^\/(.*)\/([a-z]*)$/s.exec(uaFilter);
      if (m !== null) {
        const re = new RegExp(m[1]!, f.has('case-insensitive') || m[2]!.includes('i') ? 'i' : '');
        list = list.filter((c) => re.test(c.userAgent));
      }
      if (list.length === 0) return -1;
    }
    if (method !== null && f.has('method-filtering')) {
      const bit = methodBit(method);
      list = list.filter((c) => c.methods === null || (c.methods & bit) !== 0);
      if (list.length === 0) return -2;
    }
    // max-ping-latency / sort-by-latency: tsips does not ping contacts yet, so every latency is
    // unknown (0, as OpenSIPS has before its first ping): nothing is over a limit, the order stays.
    return list;
  };

  const lookup = (ctx: ScriptContext, domainName: string, flagsIn: ParsedFlags | null, aorIn: string | null): number => {
    const d = usrlocDomain(ctx, domainName);
    if (d === null || ul === null) return -3;
    const usrloc = ul;
    const f = flagsIn?.flags ?? new Map<string, string | number | true>();
    const msg = ctx.msg;
    const method = msg !== null && msg.isRequest ? msg.method : null;
    const nowSec = Math.floor(usrloc.now() / 1000);
    let aor: string;
    try {
      aor = extractAor(aorIn ?? ctx.ruri(), aorOpts());
    } catch (e) {
      log(ctx, -1, `lookup(): ${e instanceof Error ? e.message : String(e)}`);
      return -3;
    }
    const toBranchesOnly = f.has('to-branches-only');
    const noBranches = f.has('no-branches');
    const tables = ctx.tables;
    const destOf = (c: Ucontact): string | null => (c.path !== null ? firstUri(c.path) : c.received);
    const pushBranch = (c: Ucontact): void => {
      const flags = usrloc.contactBflags(c, tables);
      ctx.branches.push({ uri: c.uri, dstUri: destOf(c), q: c.q < 0 ? null : c.q / 1000, path: c.path, flags, socket: c.socket });
      ctx.branchFlags[ctx.branches.length] = flags;
    };
    // 'branch': AORs already in the branch set are expanded too (and replaced by their contacts).
    const oldBranches = f.has('branch') && !noBranches ? ctx.branches : [];
    if (oldBranches.length > 0) {
      ctx.branches = [];
      ctx.branchFlags.length = 1;
    }

    const main = candidates(d, aor, f, method, nowSec);
    let found = false;
    let worst: -1 | -2 = -1;
    if (typeof main === 'number') worst = main;
    else {
      found = true;
      let rest = main;
      if (!toBranchesOnly) {
        const first = main[0]!;
        if (!ctx.setRuri(first.uri)) return -3;
        ctx.dstUri = destOf(first);
        ctx.branchFlags[0] = usrloc.contactBflags(first, tables);
        ctx.moduleState.set('registrar:path', first.path);
        ctx.moduleState.set('registrar:socket', first.socket);
        rest = main.slice(1);
      }
      if (!noBranches) for (const c of rest) pushBranch(c);
    }
    for (const b of oldBranches) {
      let bAor: string;
      try {
        bAor = extractAor(b.uri, aorOpts());
      } catch {
        continue;
      }
      const list = candidates(d, bAor, f, method, nowSec);
      if (typeof list === 'number') {
        if (list === -2) worst = -2;
        continue;
      }
      found = true;
      for (const c of list) pushBranch(c);
    }
    return found ? 1 : worst;
  };

  const defaultAor = (ctx: ScriptContext, aorIn: string | null): string | null => {
    if (aorIn !== null) return aorIn;
    const msg = ctx.msg;
    if (msg === null || !msg.isRequest) return null;
    return msg.method.toUpperCase() === 'REGISTER' ? msg.to().uri : msg.from().uri;
  };

  const aorKey = (ctx: ScriptContext, text: string | null, fn: string): string | null => {
    if (text === null) {
      log(ctx, -1, `${fn}(): no AOR (a reply needs the AOR parameter)`);
      return null;
    }
    try {
      return extractAor(text, aorOpts());
    } catch (e) {
      log(ctx, -1, `${fn}(): ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };

  const isRegistered = (ctx: ScriptContext, domainName: string, aorIn: string | null): number => {
    const d = usrlocDomain(ctx, domainName);
    if (d === null || ul === null) return -1;
    const aor = aorKey(ctx, defaultAor(ctx, aorIn), 'is_registered');
    if (aor === null) return -1;
    return d.validContacts(aor, Math.floor(ul.now() / 1000)).length > 0 ? 1 : -1;
  };

  const isContactRegistered = (ctx: ScriptContext, domainName: string, aorIn: string | null, contact: string | null, callid: string | null): number => {
    const d = usrlocDomain(ctx, domainName);
    if (d === null || ul === null) return -1;
    const aor = aorKey(ctx, defaultAor(ctx, aorIn), 'is_contact_registered');
    if (aor === null) return -1;
    const list = d.validContacts(aor, Math.floor(ul.now() / 1000));
    let uris: string[] = [];
    if (contact !== null) uris = [firstUriOrSelf(contact)];
    else if (callid === null && ctx.msg !== null) {
      try {
        uris = ctx.msg.contacts().contacts.map((c) => c.uri);
      } catch {
        return -1;
      }
    }
    return list.some((c) => (uris.length > 0 && uris.includes(c.uri)) || (callid !== null && c.callid === callid)) ? 1 : -1;
  };

  const remove = async (ctx: ScriptContext, domainName: string, aorIn: string, contact: string | null, nextHop: string | null, instance: string | null, bflag: string | null): Promise<number> => {
    const d = usrlocDomain(ctx, domainName);
    if (d === null || ul === null) return -1;
    const aor = aorKey(ctx, aorIn, 'remove');
    if (aor === null) return -1;
    const rec = d.get(aor);
    if (rec === undefined) return -1;
    let bit = -1;
    if (bflag !== null && bflag !== '') {
      bit = ctx.flagBit(/^\d+$/.test(bflag) ? Number(bflag) : bflag);
      if (bit < 0) {
        log(ctx, -1, `remove(): unknown branch flag '${bflag}'`);
        return -1;
      }
    }
    const hop = nextHop === null || nextHop === '' ? null : nextHop.toLowerCase().replace(/^\[|\]$/g, '');
    const usrloc = ul;
    const victims = rec.contacts.filter((c) => {
      if (contact !== null && contact !== '' && c.uri !== firstUriOrSelf(contact)) return false;
      if (instance !== null && instance !== '' && c.sipInstance !== instance) return false;
      if (bit >= 0 && (usrloc.contactBflags(c, ctx.tables) & (1 << bit)) === 0) return false;
      if (hop !== null) {
        const via = c.path !== null ? firstUri(c.path) : c.received ?? c.uri;
        if (hostPort(via)?.host !== hop) return false;
      }
      return true;
    });
    if (victims.length === 0) return -1;
    await usrloc.withContext(ctx, async () => {
      for (const c of victims) await d.remove(c);
    });
    return 1;
  };

  const removeIpPort = async (ctx: ScriptContext, ip: string, port: number, domainName: string, aorIn: string | null): Promise<number> => {
    const d = usrlocDomain(ctx, domainName);
    if (d === null || ul === null) return -1;
    const host = ip.toLowerCase().replace(/^\[|\]$/g, '');
    let records = [...d.aors()];
    if (aorIn !== null) {
      const aor = aorKey(ctx, aorIn, 'remove_ip_port');
      if (aor === null) return -1;
      records = records.filter((r) => r.aor === aor);
    }
    const victims = records.flatMap((r) => r.contacts.filter((c) => {
      const hp = hostPort(c.received ?? c.uri);
      return hp !== null && hp.host === host && (hp.port ?? 5060) === port;
    }));
    if (victims.length === 0) return -1;
    const usrloc = ul;
    await usrloc.withContext(ctx, async () => {
      for (const c of victims) await d.remove(c);
    });
    return 1;
  };

  const impls: Record<string, FunctionExport['impl']> = {
    save: save as FunctionExport['impl'],
    lookup: lookup as FunctionExport['impl'],
    is_registered: isRegistered as FunctionExport['impl'],
    is_contact_registered: isContactRegistered as FunctionExport['impl'],
    remove: remove as FunctionExport['impl'],
    remove_ip_port: removeIpPort as FunctionExport['impl'],
  };
  /** Flag strings written in the 2.x letter form, reported with their named spelling at start. */
  const letterFlags: Array<{ fn: string; raw: string; named: string }> = [];
  const wrapSpec = (fnName: string, spec: ParamSpec): ParamSpec => {
    if (spec.name === 'domain' && spec.kind === 'static-string') {
      return { ...spec, parse: (literal: string) => { usedDomains.add(literal); return literal; } };
    }
    const parse = spec.parse;
    if (spec.kind === 'flags' && parse !== undefined) {
      return {
        ...spec,
        parse: (literal, fixupEnv) => {
          const parsed = parse(literal, fixupEnv) as ParsedFlags;
          if (parsed.spelling !== 'named' && !letterFlags.some((l) => l.fn === fnName && l.raw === literal)) {
            letterFlags.push({ fn: fnName, raw: literal, named: parsed.named });
          }
          return parsed;
        },
      };
    }
    return spec;
  };
  const functions: FunctionExport[] = DECLARED.functions!.map((f) => {
    const impl = impls[f.name];
    if (impl === undefined) return f;
    return implementedFn(f, impl, { params: f.params.map((p) => wrapSpec(f.name, p)) });
  });
  const params: ModparamExport[] = DECLARED.params!.map((p) => ({ ...p, set: (v: string | number) => { values.set(p.name, v); } }));

  return {
    ...DECLARED,
    functions,
    params,
    async init(e) {
      env = e;
      ul = e.services.find(USRLOC) ?? null;
      if (ul === null) throw new Error('registrar needs the usrloc module (loadmodule "usrloc.so" before registrar)');
      for (const l of letterFlags) {
        e.log(2, `${l.fn}() flags "${l.raw}" use the OpenSIPS 2.x letter form (OpenSIPS 4.x refuses it); write "${l.named}"`);
      }
      for (const name of usedDomains) await ul.registerDomain(name);
    },
  };
}

function firstUriOrSelf(text: string): string {
  return text.includes('<') ? firstUri(text) : text.trim();
}

/** The registrar table for checking scripts (no state is used until init). */
export const registrar: ModuleExports = createRegistrar();

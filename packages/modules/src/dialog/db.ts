/**
 * Dialog persistence in the OpenSIPS `dialog` table (version 12): confirmed dialogs are
 * written (db_mode 1 at once, 2 every db_update_period, 3 at shutdown) and loaded back at
 * start-up so in-dialog requests keep matching across a restart.
 */
import type { DbConnection, DbRow, DbValue } from '@tsips/core';
import { ProfileTable } from './profiles';
import { CALLEE, CALLER, DLG_STATE, Dialog } from './store';

/** Column names (the *_column modparams). */
export interface DialogColumns {
  dlg_id: string; callid: string; from_uri: string; from_tag: string; to_uri: string; to_tag: string;
  state: string; start_time: string; timeout: string; callee_cseq: string; caller_cseq: string;
  callee_route_set: string; caller_route_set: string; callee_contact: string; caller_contact: string;
  callee_sock: string; caller_sock: string; profiles: string; vars: string; script_flags: string;
  module_flags: string; flags: string;
}

/** modparam name -> key of {@link DialogColumns}. */
export const COLUMN_PARAMS: Record<string, keyof DialogColumns> = {
  dlg_id_column: 'dlg_id', call_id_column: 'callid', from_uri_column: 'from_uri', from_tag_column: 'from_tag',
  to_uri_column: 'to_uri', to_tag_column: 'to_tag', state_column: 'state', start_time_column: 'start_time',
  timeout_column: 'timeout', to_cseq_column: 'callee_cseq', from_cseq_column: 'caller_cseq',
  to_route_column: 'callee_route_set', from_route_column: 'caller_route_set', to_contact_column: 'callee_contact',
  from_contact_column: 'caller_contact', to_sock_column: 'callee_sock', from_sock_column: 'caller_sock',
  profiles_column: 'profiles', vars_column: 'vars', sflags_column: 'script_flags', mflags_column: 'module_flags',
  flags_column: 'flags',
};

export function defaultColumns(): DialogColumns {
  const c = {} as DialogColumns;
  for (const key of Object.values(COLUMN_PARAMS)) c[key] = key;
  return c;
}

const str = (v: DbValue | undefined): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
const num = (v: DbValue | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export class DialogDb {
  constructor(
    private readonly conn: DbConnection,
    private readonly table: string,
    private readonly col: DialogColumns,
  ) {}

  private row(d: Dialog): Record<string, DbValue> {
    const c = this.col;
    const caller = d.legs[CALLER];
    const callee = d.legs[CALLEE];
    const vars = d.vals === null ? null : JSON.stringify([...d.vals]);
    return {
      [c.dlg_id]: d.dbId,
      [c.callid]: d.callid,
      [c.from_uri]: d.fromUri,
      [c.from_tag]: caller.tag,
      [c.to_uri]: d.toUri,
      [c.to_tag]: callee.tag,
      [c.caller_cseq]: String(caller.cseq),
      [c.callee_cseq]: String(callee.cseq),
      caller_ping_cseq: 0,
      callee_ping_cseq: 0,
      [c.caller_route_set]: caller.routes === null ? null : caller.routes.join(','),
      [c.callee_route_set]: callee.routes === null ? null : callee.routes.join(','),
      [c.caller_contact]: caller.contact,
      [c.callee_contact]: callee.contact,
      [c.caller_sock]: caller.socket ?? '',
      [c.callee_sock]: callee.socket ?? '',
      [c.state]: d.state,
      [c.start_time]: d.startTime,
      [c.timeout]: d.startTime + d.timeout,
      [c.vars]: vars,
      [c.profiles]: ProfileTable.serialize(d),
      [c.script_flags]: d.userFlags === 0 ? null : String(d.userFlags),
      [c.module_flags]: 0,
      [c.flags]: d.flags,
      rt_on_answer: d.rtAnswer,
      rt_on_timeout: d.rtTimeout,
      rt_on_hangup: d.rtHangup,
    };
  }

  async write(d: Dialog): Promise<void> {
    await this.conn.replace(this.table, this.row(d));
    d.inDb = true;
    d.dirty = false;
  }

  async remove(d: Dialog): Promise<void> {
    if (!d.inDb) return;
    d.inDb = false;
    await this.conn.delete(this.table, { keys: [this.col.dlg_id], values: [d.dbId] });
  }

  async removeAll(): Promise<void> {
    await this.conn.delete(this.table, {});
  }

  /**
   * Loads the stored dialogs: `make` builds a dialog for (hEntry, hId, callid, fromUri,
   * toUri, timeout); rows already expired are dropped from the table.
   */
  async load(nowSec: number, make: (hEntry: number, hId: number, callid: string, fromUri: string, toUri: string, timeout: number) => Dialog, profiles: ProfileTable): Promise<Dialog[]> {
    const c = this.col;
    const rows = (await this.conn.query(this.table)) as DbRow[];
    const out: Dialog[] = [];
    for (const r of rows) {
      const id = num(r[c.dlg_id]);
      const hEntry = Math.floor(id / 0x100000000);
      const hId = id % 0x100000000;
      const state = num(r[c.state]);
      const start = num(r[c.start_time]);
      const expires = num(r[c.timeout]);
      if (state >= DLG_STATE.DELETED || expires <= nowSec || (state !== DLG_STATE.CONFIRMED && state !== DLG_STATE.CONFIRMED_NA)) {
        await this.conn.delete(this.table, { keys: [c.dlg_id], values: [id] });
        continue;
      }
      const d = make(hEntry, hId, str(r[c.callid]), str(r[c.from_uri]), str(r[c.to_uri]), expires - start);
      d.state = state;
      d.startTime = start;
      d.flags = num(r[c.flags]);
      d.userFlags = num(r[c.script_flags]) >>> 0;
      d.rtAnswer = r['rt_on_answer'] == null ? null : str(r['rt_on_answer']);
      d.rtTimeout = r['rt_on_timeout'] == null ? null : str(r['rt_on_timeout']);
      d.rtHangup = r['rt_on_hangup'] == null ? null : str(r['rt_on_hangup']);
      const caller = d.legs[CALLER];
      const callee = d.legs[CALLEE];
      caller.tag = str(r[c.from_tag]);
      callee.tag = str(r[c.to_tag]);
      caller.cseq = num(r[c.caller_cseq]);
      callee.cseq = num(r[c.callee_cseq]);
      callee.invCseq = 0;
      caller.invCseq = callee.cseq;
      caller.contact = str(r[c.caller_contact]);
      callee.contact = str(r[c.callee_contact]);
      caller.routes = splitRoutes(r[c.caller_route_set]);
      callee.routes = splitRoutes(r[c.callee_route_set]);
      caller.socket = str(r[c.caller_sock]) || null;
      callee.socket = str(r[c.callee_sock]) || null;
      const vars = r[c.vars];
      if (vars !== null && vars !== undefined && str(vars) !== '') {
        try {
          d.vals = new Map(JSON.parse(str(vars)) as Array<[string, string]>);
        } catch {
          d.vals = null;
        }
      }
      profiles.restore(d, r[c.profiles] === null ? null : str(r[c.profiles]));
      d.inDb = true;
      d.dirty = false;
      out.push(d);
    }
    return out;
  }
}

/** "<a>,<b>" -> ['<a>', '<b>'] (commas inside <> kept). */
export function splitRoutes(v: DbValue | undefined): string[] | null {
  const s = str(v).trim();
  if (s === '') return null;
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out.filter((x) => x !== '');
}

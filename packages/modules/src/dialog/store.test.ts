import { ProfileTable } from './profiles';
import { splitRoutes } from './db';
import { sameUri } from './index';
import { callIdHash, CALLEE, CALLER, Dialog, LocalDialogStore, matchBySipIds, parseDid } from './store';

function dlg(id: number, callid: string, ftag: string, ttag: string): Dialog {
  const d = new Dialog(callIdHash(callid, 4095), id, callid, 'sip:a@x', 'sip:b@x', 0, 60, () => undefined);
  d.legs[CALLER].tag = ftag;
  d.legs[CALLEE].tag = ttag;
  return d;
}

describe('dialog store', () => {
  it('finds dialogs by did and by Call-ID + tags in both directions, and forgets removed ones', () => {
    const s = new LocalDialogStore();
    const a = dlg(1, 'call', 'f1', 't1');
    const b = dlg(2, 'call', 'f2', 't2');
    s.insert(a);
    s.insert(b);
    expect(s.size).toBe(2);
    const id = parseDid(b.did)!;
    expect(s.byId(id.hEntry, id.hId)).toBe(b);
    expect(s.byId(id.hEntry + 1, id.hId)).toBeUndefined();
    expect(matchBySipIds(s, 'call', 'f2', 't2')).toEqual({ dlg: b, dir: 1 });
    expect(matchBySipIds(s, 'call', 't1', 'f1')).toEqual({ dlg: a, dir: 2 });
    expect(matchBySipIds(s, 'call', 'f1', 'zz')).toBeNull();
    s.remove(a);
    expect(matchBySipIds(s, 'call', 't1', 'f1')).toBeNull();
    expect(matchBySipIds(s, 'call', 'f2', 't2')!.dlg).toBe(b);
    s.remove(b);
    expect(s.byCallId('call')).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('parses dids strictly', () => {
    expect(parseDid('a3f.1c')).toEqual({ hEntry: 0xa3f, hId: 0x1c });
    expect(parseDid('A3F.1C')).toEqual({ hEntry: 0xa3f, hId: 0x1c });
    for (const bad of ['', '.', 'a3f', 'a3f.', '.1c', 'x.1', '1.2.3', '123456789.1', '1.g']) expect(parseDid(bad)).toBeNull();
  });

  it('compares URIs as validate_dialog needs (default port, host case, transport)', () => {
    expect(sameUri('sip:bob@Example.com', 'sip:bob@example.com:5060')).toBe(true);
    expect(sameUri('sip:bob@example.com;transport=tcp', 'sip:bob@example.com')).toBe(false);
    expect(sameUri('sip:bob@example.com:5070', 'sip:bob@example.com')).toBe(false);
    expect(sameUri('sip:Bob@example.com', 'sip:bob@example.com')).toBe(false);
  });

  it('splits stored route sets on top-level commas', () => {
    expect(splitRoutes('<sip:a;lr>,<sip:b,c;lr>')).toEqual(['<sip:a;lr>', '<sip:b,c;lr>']);
    expect(splitRoutes(null)).toBeNull();
  });
});

describe('dialog profiles', () => {
  it('counts members per value and in total; removing a dialog frees every membership', () => {
    const t = new ProfileTable();
    expect(t.declare('caller; callee/s', true)).toBeUndefined();
    expect(t.declare('calls', false)).toBeUndefined();
    expect(t.declare('calls', false)).toContain('declared twice');
    expect(t.declare('x/q', false)).toContain("unknown option '/q'");
    const caller = t.get('caller')!;
    const calls = t.get('calls')!;
    const a = dlg(1, 'c1', 'f', 't');
    const b = dlg(2, 'c2', 'f', 't');
    t.add(caller, a, 'alice');
    t.add(caller, b, 'alice');
    expect(t.add(caller, b, 'alice')).toBe(false);
    t.add(caller, b, 'bob');
    t.add(calls, a, 'ignored');
    expect(caller.size('alice')).toBe(2);
    expect(caller.size('bob')).toBe(1);
    expect(caller.size(null)).toBe(3);
    expect(calls.size(null)).toBe(1);
    expect(t.isIn(calls, a, null)).toBe(true);
    expect(t.isIn(caller, a, 'bob')).toBe(false);
    expect(ProfileTable.serialize(b)).toBe('caller#alice;caller#bob');
    expect(t.remove(caller, b, 'bob')).toBe(1);
    expect(caller.size('bob')).toBe(0);
    t.removeAll(a);
    expect(caller.size('alice')).toBe(1);
    expect(calls.size(null)).toBe(0);
    const c = dlg(3, 'c3', 'f', 't');
    t.restore(c, 'caller#carol;calls#;nosuch#x');
    expect(caller.size('carol')).toBe(1);
    expect(calls.size(null)).toBe(1);
  });
});

import type { RaisedEvent } from '@tsips/script';
import { EventSubscriptions } from './events';

describe('event subscriptions', () => {
  let now = 1_000_000;
  const got: Array<[string, string, Record<string, unknown>]> = [];
  const make = (): EventSubscriptions => {
    const subs = new EventSubscriptions(() => now);
    subs.registerTransport('udp', {
      check: (t) => (/^[\d.]+:\d+$/.test(t) ? undefined : `bad udp target '${t}'`),
      deliver: (ev: RaisedEvent, target) => got.push([ev.name, target, ev.params]),
    });
    return subs;
  };
  beforeEach(() => {
    now = 1_000_000;
    got.length = 0;
  });

  it('refuses sockets without a protocol, with an unknown one, or that the transport rejects', () => {
    const subs = make();
    expect(subs.subscribe('E_PIKE_BLOCKED', 'collector')).toContain('has no protocol');
    expect(subs.subscribe('E_PIKE_BLOCKED', 'kafka:broker/topic')).toBe("no event transport for 'kafka' (known: udp)");
    expect(subs.subscribe('E_PIKE_BLOCKED', 'udp:nowhere')).toBe("bad udp target 'nowhere'");
    expect(subs.list()).toEqual([]);
    expect(() => subs.registerTransport('UDP', { deliver: () => undefined })).toThrow('registered twice');
  });

  it('delivers an event to the live subscribers of that event only; a repeated subscription refreshes its expiry', () => {
    const subs = make();
    expect(subs.subscribe('E_PIKE_BLOCKED', 'udp:127.0.0.1:8888', 10)).toBeUndefined();
    expect(subs.subscribe('E_PIKE_BLOCKED', 'UDP:127.0.0.1:9999')).toBeUndefined();
    expect(subs.subscribe('E_OTHER', 'udp:127.0.0.1:7777')).toBeUndefined();
    subs.deliver({ name: 'E_PIKE_BLOCKED', params: { ip: '192.0.2.1' } });
    expect(got).toEqual([
      ['E_PIKE_BLOCKED', '127.0.0.1:8888', { ip: '192.0.2.1' }],
      ['E_PIKE_BLOCKED', '127.0.0.1:9999', { ip: '192.0.2.1' }],
    ]);
    now += 9_000;
    expect(subs.subscribe('E_PIKE_BLOCKED', 'udp:127.0.0.1:8888', 10)).toBeUndefined(); // refreshed to now + 10 s
    expect(subs.list('E_PIKE_BLOCKED')).toHaveLength(2);
    now += 9_000;
    got.length = 0;
    subs.deliver({ name: 'E_PIKE_BLOCKED', params: { ip: '192.0.2.2' } });
    expect(got.map((g) => g[1])).toEqual(['127.0.0.1:8888', '127.0.0.1:9999']);
    now += 1_001;
    got.length = 0;
    subs.deliver({ name: 'E_PIKE_BLOCKED', params: { ip: '192.0.2.3' } });
    expect(got.map((g) => g[1])).toEqual(['127.0.0.1:9999']); // the 10 s one expired; no expiry stays
    expect(subs.list().map((s) => `${s.event} ${s.socket}`)).toEqual(['E_PIKE_BLOCKED UDP:127.0.0.1:9999', 'E_OTHER udp:127.0.0.1:7777']);
  });
});

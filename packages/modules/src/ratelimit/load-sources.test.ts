import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { procNetKey, procNetQueueLoad, procStatCpuLoad, sumRxQueue } from './load-sources';
import { globToRegExp } from './glob';

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 1402: 0100007F:13C4 00000000:0000 07 00000000:00000A00 00:00000000 00000000     0        0 54439 2 000000006b00a022 0
 1403: 0100007F:13C5 00000000:0000 07 00000000:00000100 00:00000000 00000000     0        0 54440 2 000000006b00a023 0
 1404: 0200007F:13C4 00000000:0000 07 00000000:00000001 00:00000000 00000000     0        0 54441 2 000000006b00a024 0
`;
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:13C4 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:13C4 0100007F:D431 01 00000000:00000020 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:13C4 00000000000000000000000000000000:0000 0A 00000000:00000007 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
`;

describe('the /proc/net address keys', () => {
  it('encode IPv4 and IPv6 addresses as the kernel prints them', () => {
    expect(procNetKey('127.0.0.1', 5060)).toBe('0100007F:13C4');
    expect(procNetKey('0.0.0.0', 5060)).toBe('00000000:13C4');
    expect(procNetKey('::1', 5061)).toBe('00000000000000000000000001000000:13C5');
    expect(procNetKey('2001:db8::1', 5060)).toBe('B80D0120000000000000000001000000:13C4');
    expect(procNetKey('::ffff:127.0.0.1', 5060)).toBe('0000000000000000FFFF00000100007F:13C4');
    expect(procNetKey('not-an-ip', 5060)).toBeNull();
  });

  it('match what the kernel lists for a socket we bind', async () => {
    if (!fs.existsSync('/proc/net/udp')) return; // not Linux
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    try {
      const key = procNetKey('127.0.0.1', sock.address().port)!;
      const lines = fs.readFileSync('/proc/net/udp', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[1]);
      expect(lines).toContain(key);
    } finally {
      sock.close();
    }
  });
});

describe('NETWORK load from /proc/net', () => {
  it('sums rx_queue of the lines of our addresses only', () => {
    expect(sumRxQueue(UDP, new Set(['0100007F:13C4']))).toBe(0xa00);
    expect(sumRxQueue(UDP, new Set(['0100007F:13C4', '0100007F:13C5']))).toBe(0xa00 + 0x100);
    expect(sumRxQueue(UDP, new Set())).toBe(0);
  });

  it('reads udp tables for UDP sockets and tcp tables for TCP/TLS ones', () => {
    const files: Record<string, string> = { '/proc/net/udp': UDP, '/proc/net/tcp': TCP, '/proc/net/tcp6': TCP6 };
    const reads: string[] = [];
    const read = (p: string) => {
      reads.push(p);
      return files[p] ?? null;
    };
    let sockets = [{ proto: 'udp' as const, address: '127.0.0.1', port: 5060 }];
    const src = procNetQueueLoad(() => sockets, read);
    expect(src()).toBe(0xa00);
    expect(reads).toEqual(['/proc/net/udp', '/proc/net/udp6']);
    sockets = [
      { proto: 'udp', address: '127.0.0.1', port: 5060 },
      { proto: 'tcp', address: '127.0.0.1', port: 5060 },
      { proto: 'tls', address: '::1', port: 5060 },
    ] as typeof sockets;
    expect(src()).toBe(0xa00 + 3 + 0x20 + 7);
    expect(procNetQueueLoad(() => [], read)()).toBe(0);
  });
});

describe('CPU load from /proc/stat', () => {
  it('is the busy share of the CPU time since the previous reading (0 the first time)', () => {
    const samples = [
      'cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3 4\n',
      'cpu  160 0 140 900 0 0 0 0 0 0\n', // +100 busy of +200 total
      'cpu  160 0 140 1100 0 0 0 0\n', // idle only
      'cpu  160 0 140 1100 0 0 0 0\n', // no time passed: error
      'garbage',
    ];
    const errors: string[] = [];
    let i = 0;
    const src = procStatCpuLoad(() => samples[i++] ?? null, (t) => errors.push(t));
    expect(src()).toBe(0);
    expect(src()).toBeCloseTo(0.5, 10);
    expect(src()).toBe(0);
    expect(src()).toBeNull();
    expect(src()).toBeNull();
    expect(src()).toBeNull(); // unreadable file
    expect(errors).toEqual(['invalid CPU time delta 0', '/proc/stat did not contain the expected cpu line']);
  });

  it('reads the real /proc/stat on Linux', () => {
    if (!fs.existsSync('/proc/stat')) return;
    const src = procStatCpuLoad();
    expect(src()).toBe(0);
    let spin = 0;
    const until = Date.now() + 30;
    while (Date.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    const v = src();
    if (v !== null) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('MI filter wildcards', () => {
  it('follow fnmatch without flags', () => {
    const m = (p: string, s: string) => globToRegExp(p).test(s);
    expect(m('gw_*', 'gw_10.0.0.1')).toBe(true);
    expect(m('gw_*', 'xgw_1')).toBe(false);
    expect(m('*', 'a/b')).toBe(true);
    expect(m('10.0.0.?', '10.0.0.7')).toBe(true);
    expect(m('10.0.0.?', '10.0.0.17')).toBe(false);
    expect(m('[a-c]x', 'bx')).toBe(true);
    expect(m('[!a-c]x', 'bx')).toBe(false);
    expect(m('a.b', 'aXb')).toBe(false);
    expect(m('\\*', '*')).toBe(true);
    expect(m('[', '[')).toBe(true);
  });
});

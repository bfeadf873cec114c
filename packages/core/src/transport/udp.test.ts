import * as fs from 'node:fs';
import type { LocalSocket } from '../api';
import { UdpTransport } from './udp';

function localSocket(): LocalSocket {
  return { proto: 'udp', address: '127.0.0.1', port: 0, name: 'udp:127.0.0.1:0', advertisedAddress: null, advertisedPort: null };
}

function rmemMax(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return 0;
  }
}

describe('UdpTransport receive buffer', () => {
  it('asks the kernel for the configured receive buffer (capped at rmem_max)', async () => {
    const t = new UdpTransport(localSocket(), () => undefined, () => undefined, 1 << 20);
    await t.open();
    try {
      const max = rmemMax();
      // Linux grants min(asked, rmem_max) and reports twice that.
      const expected = max > 0 ? Math.min(1 << 20, max) : 1 << 20;
      expect(t.receiveBufferSize()).toBeGreaterThanOrEqual(expected);
    } finally {
      await t.close();
    }
  });

  it('keeps the system default when no size is configured', async () => {
    const plain = new UdpTransport(localSocket(), () => undefined, () => undefined);
    const big = new UdpTransport(localSocket(), () => undefined, () => undefined, 4 << 20);
    await plain.open();
    await big.open();
    try {
      if (rmemMax() > 2 * 212992) expect(big.receiveBufferSize()).toBeGreaterThan(plain.receiveBufferSize());
      expect(plain.receiveBufferSize()).toBeGreaterThan(0);
    } finally {
      await plain.close();
      await big.close();
    }
  });
});

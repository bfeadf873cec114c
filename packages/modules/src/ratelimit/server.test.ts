/**
 * ratelimit in a running server: UDP requests on 127.0.0.1 through the real core, with the
 * module instance createAllModules() gives (its timer, the core's clock and sockets).
 */
import { coreTesting, SipServer } from '@tsips/core';
import { createAllModules } from '../index';
import type { RatelimitModule } from './index';

const { sipText, UdpPeer, writeScript } = coreTesting;

const OPTIONS = (port: number, n: number): string =>
  sipText(`OPTIONS sip:tsips@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-rl-${n}
From: <sip:alice@example.com>;tag=a${n}
To: <sip:tsips@127.0.0.1>
Call-ID: rl-${n}@example.com
CSeq: ${n} OPTIONS
Max-Forwards: 70
Content-Length: 0

`);

const SCRIPT = `
socket = udp:127.0.0.1:0
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "ratelimit.so"
modparam("ratelimit", "timer_interval", 60)
modparam("ratelimit", "limit_per_interval", 1)

route {
  if (!rl_check("$si:$sp", 3)) {
    sl_send_reply(429, "Too Many Requests");
    exit;
  }
  sl_send_reply(200, "OK");
}
`;

describe('ratelimit over UDP', () => {
  it('answers 429 once a source passed its limit, other sources unaffected', async () => {
    const modules = createAllModules();
    const server = await SipServer.start(writeScript(SCRIPT, 'ratelimit.cfg'), { modules, logWriter: (l) => { if (process.env.RL_DEBUG) process.stderr.write(l); } });
    const a = await UdpPeer.open();
    const b = await UdpPeer.open();
    try {
      const port = server.sockets[0]!.port;
      const status = async (ua: InstanceType<typeof UdpPeer>, n: number) => {
        await ua.send(OPTIONS(ua.port, n), port);
        return Number(/^SIP\/2\.0 (\d{3})/.exec((await ua.next()).text)![1]);
      };
      const seenA: number[] = [];
      for (let i = 1; i <= 5; i++) seenA.push(await status(a, i));
      expect(seenA).toEqual([200, 200, 200, 429, 429]);
      expect(await status(b, 100)).toBe(200);
      const rl = modules.find((m) => m.name === 'ratelimit') as RatelimitModule;
      expect(rl.engine().count(`127.0.0.1:${a.port}`)).toBe(5);
      expect(rl.engine().count(`127.0.0.1:${b.port}`)).toBe(1);
      rl.engine().timer(); // a new interval: the first source is admitted again
      expect(await status(a, 6)).toBe(200);
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  });
});

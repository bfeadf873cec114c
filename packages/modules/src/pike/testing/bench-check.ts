/**
 * Cost of pike's check on the path of a source that is not blocked. Run after a build:
 *   node --expose-gc packages/modules/dist/pike/testing/bench-check.js [iterations]
 * Prints nanoseconds per check and heap bytes per check for:
 *  - the tree alone (address text -> bytes, one hit on an existing leaf), IPv4 and IPv6;
 *  - the whole automatic-mode raw hook: parse of the datagram, check_route (`if ($si == ...) drop;`)
 *    on a pooled context, then the tree.
 * Not a test.
 */
import { CORE, ScriptRuntime, type SipCoreApi } from '@tsips/core';
import { checkScript, createModuleRegistry, parseScript, Services, type ReceiveInfo, type RunResult, type ScriptSinks } from '@tsips/script';
import { IpTree, parseIpInto } from '../ip-tree';
import { createPike } from '../index';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function measure(label: string, n: number, body: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 200_000); i++) body(i); // warm-up
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  const heap1 = process.memoryUsage().heapUsed;
  console.log(`${label.padEnd(58)} ${ns.toFixed(1).padStart(8)} ns/check   heap +${((heap1 - heap0) / n).toFixed(2)} B/check`);
}

function treeOnly(n: number): void {
  // A density no counter reaches (they saturate at 65534): the not-blocked path every time.
  const tree = new IpTree({ density: 1 << 20, timeoutMs: 120_000 });
  const bytes = new Uint8Array(16);
  // 1000 busy sources of one /16 and the tree as it is after they were seen.
  const v4 = Array.from({ length: 1000 }, (_, i) => `10.20.${i >> 8}.${i & 255}`);
  const v6 = Array.from({ length: 1000 }, (_, i) => `2001:db8::${i.toString(16)}`);
  for (const list of [v4, v6]) for (let k = 0; k < 40; k++) for (const ip of list) tree.hit(bytes, parseIpInto(ip, bytes), 0);
  // Per message the socket gives a new string; the same ones are reused here (parse is done each time anyway).
  measure('tree: parse IPv4 text + hit (1000 sources)', n, (i) => {
    tree.hit(bytes, parseIpInto(v4[i % 1000]!, bytes), 1);
  });
  measure('tree: parse IPv6 text + hit (1000 sources)', n, (i) => {
    tree.hit(bytes, parseIpInto(v6[i % 1000]!, bytes), 1);
  });
}

async function wholeHook(n: number): Promise<void> {
  const pike = createPike();
  const SCRIPT = `
loadmodule "pike.so"
modparam("pike", "reqs_density_per_unit", 1000000)
modparam("pike", "check_route", "pike")
route[pike] {
  if ($si == "192.0.2.250") drop;
}
route { exit; }
`;
  const checked = checkScript(parseScript(SCRIPT, 'bench.cfg').script, createModuleRegistry([pike]));
  if (checked.compiled === null) throw new Error('bench script does not compile');
  const compiled = checked.compiled;
  compiled.applyModparams();
  const sinks: ScriptSinks = { reply: () => 1, forward: () => 1, log: () => undefined, event: () => undefined };
  const rt = new ScriptRuntime(compiled, sinks, new Map());
  let hook: ((data: Buffer, rcv: ReceiveInfo) => boolean) | null = null;
  const core: Partial<SipCoreApi> = {
    now: () => 0,
    log: () => undefined,
    stat: () => undefined,
    onRawMessage: (h) => { hook = h; },
    hasRoute: (type, name) => compiled.hasRoute(type, name),
    runRouteNow: (type, name, msg, rcv) => {
      const ctx = rt.acquire(msg, rcv, 'REQUEST_ROUTE');
      const r = compiled.run(ctx, type, name) as RunResult;
      rt.release(ctx);
      return r;
    },
  };
  const services = new Services();
  services.provide(CORE, core as SipCoreApi);
  await pike.init!({ services, log: () => undefined });
  await pike.destroy?.();
  const h = hook!;
  const data = Buffer.from(
    'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.20.0.1:5060;branch=z9hG4bK-1\r\nFrom: <sip:a@example.com>;tag=1\r\n' +
      'To: <sip:b@example.com>\r\nCall-ID: bench\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
  );
  const rcvs: ReceiveInfo[] = Array.from({ length: 1000 }, (_, i) => ({ srcIp: `10.20.${i >> 8}.${i & 255}`, srcPort: 5060, proto: 'udp', dstIp: '127.0.0.1', dstPort: 5060 }));
  measure('automatic mode: raw hook (parse + check_route + tree)', n, (i) => {
    if (h(data, rcvs[i % 1000]!)) throw new Error('blocked?');
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2_000_000);
  treeOnly(n);
  await wholeHook(Math.max(1, n >> 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * The load figures the dynamic algorithms read once per timer_interval, as OpenSIPS reads
 * them: the CPU load from /proc/stat (busy share of the CPU time since the previous read)
 * for FEEDBACK, and the bytes waiting in the receive queues of our listening sockets from
 * /proc/net/{udp,tcp} for NETWORK. Both take the file reader as a parameter so tests feed
 * them text; the engine itself takes any function returning a number (or null on failure).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

/** Reads a file's text; null when it cannot be read (not Linux, no /proc). */
export type TextReader = (path: string) => string | null;

export const readProcFile: TextReader = (path) => {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** CPU load in 0..1, or null when it cannot be read this time. */
export type CpuLoadSource = () => number | null;
/** Bytes waiting to be read on our sockets, or null when it cannot be read. */
export type NetworkLoadSource = () => number | null;

/**
 * CPU load from the aggregate `cpu` line of /proc/stat: 1 - idle/total over the time since
 * the previous call (the first call has no previous sample and reads as 0, as in
 * OpenSIPS). /proc/loadavg is not used: its averaging period is not ours.
 */
export function procStatCpuLoad(read: TextReader = readProcFile, log?: (text: string) => void): CpuLoadSource {
  let prev: number[] | null = null;
  return () => {
    const text = read('/proc/stat');
    if (text === null) return null;
    const m = /^cpu\s+(\d+(?:\s+\d+)*)/m.exec(text);
    if (m === null) {
      log?.('/proc/stat did not contain the expected cpu line');
      return null;
    }
    // user nice system idle iowait irq softirq steal (later fields are guest time, already in user).
    const cur = m[1]!.split(/\s+/).slice(0, 8).map(Number);
    while (cur.length < 8) cur.push(0);
    const before = prev;
    prev = cur;
    if (before === null) return 0;
    let total = 0;
    for (let i = 0; i < 8; i++) total += cur[i]! - before[i]!;
    const idle = cur[3]! - before[3]!;
    if (total <= 0) {
      log?.(`invalid CPU time delta ${total}`);
      return null;
    }
    return 1 - idle / total;
  };
}

/** A listening socket as the NETWORK source matches it against /proc/net lines. */
export interface QueueSocket {
  proto: 'udp' | 'tcp' | 'tls';
  address: string;
  port: number;
}

/** `ADDR:PORT` as /proc/net/{udp,tcp}[6] print a local address (words in host order, x86 little-endian). */
export function procNetKey(address: string, port: number): string | null {
  const fam = net.isIP(address);
  if (fam === 0) return null;
  const bytes: number[] = [];
  if (fam === 4) {
    for (const p of address.split('.')) bytes.push(Number(p));
  } else {
    const full = expandV6(address);
    for (let i = 0; i < 8; i++) {
      const w = full[i]!;
      bytes.push(w >> 8, w & 0xff);
    }
  }
  let hex = '';
  for (let i = 0; i < bytes.length; i += 4) {
    for (let j = 3; j >= 0; j--) hex += bytes[i + j]!.toString(16).padStart(2, '0');
  }
  return `${hex.toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

function expandV6(address: string): number[] {
  let a = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex words.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4 !== null) {
    const o = v4[1]!.split('.').map(Number);
    a = `${a.slice(0, -v4[1]!.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') as [string, string] : [a, null];
  const h = head === '' ? [] : head.split(':');
  const t = tail === null || tail === '' ? [] : tail.split(':');
  const fill = tail === null ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16));
}

/** Sum of rx_queue over the lines of a /proc/net/{udp,tcp}[6] table whose local address is in `keys`. */
export function sumRxQueue(table: string, keys: ReadonlySet<string>): number {
  let sum = 0;
  const lines = table.split('\n');
  for (let i = 1; i < lines.length; i++) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue ..."
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 5 || !keys.has(f[1]!.toUpperCase())) continue;
    const q = f[4]!.split(':');
    if (q.length !== 2) continue;
    const rx = parseInt(q[1]!, 16);
    if (Number.isFinite(rx)) sum += rx;
  }
  return sum;
}

/**
 * Bytes waiting on our sockets: rx_queue of /proc/net/udp(6) lines for UDP sockets plus
 * /proc/net/tcp(6) lines for TCP/TLS ones (as OpenSIPS's get_total_bytes_waiting; tsips
 * reads the IPv6 tables too). `sockets` is read on every call, since the listening sockets
 * open after the modules start. 0 when /proc is not there.
 */
export function procNetQueueLoad(sockets: () => readonly QueueSocket[], read: TextReader = readProcFile): NetworkLoadSource {
  return () => {
    const udp = new Set<string>();
    const tcp = new Set<string>();
    for (const s of sockets()) {
      const k = procNetKey(s.address, s.port);
      if (k === null) continue;
      (s.proto === 'udp' ? udp : tcp).add(k);
    }
    let sum = 0;
    if (udp.size > 0) {
      for (const f of ['/proc/net/udp', '/proc/net/udp6']) sum += sumRxQueue(read(f) ?? '', udp);
    }
    if (tcp.size > 0) {
      for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) sum += sumRxQueue(read(f) ?? '', tcp);
    }
    return sum;
  };
}

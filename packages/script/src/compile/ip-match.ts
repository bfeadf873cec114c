import { parseIp } from '../pv/transformations/ip';

/** An address as 4 or 16 bytes (script-pv's parser); null when the text is not an address. */
function ipBytes(text: string): Uint8Array | null {
  return parseIp(text);
}

/** A network from an address and an optional mask (prefix length or dotted/colon mask). */
export interface IpNet {
  addr: Uint8Array;
  mask: Uint8Array;
}

export function ipNet(address: string, mask: string | null): IpNet | null {
  const addr = ipBytes(address);
  if (addr === null) return null;
  const m = new Uint8Array(addr.length);
  if (mask === null) {
    m.fill(0xff);
  } else if (/^\d+$/.test(mask)) {
    const bits = Number(mask);
    if (bits > addr.length * 8) return null;
    for (let i = 0; i < m.length; i++) {
      const b = Math.max(0, Math.min(8, bits - i * 8));
      m[i] = b === 0 ? 0 : (0xff << (8 - b)) & 0xff;
    }
  } else {
    const mb = ipBytes(mask);
    if (mb === null || mb.length !== addr.length) return null;
    m.set(mb);
  }
  return { addr, mask: m };
}

let lastText = '';
let lastBytes: Uint8Array | null = null;

/** Whether an address text lies in a network (same family only). */
export function ipInNet(text: string, net: IpNet): boolean {
  // The same source address is tested against many networks per message.
  let a: Uint8Array | null;
  if (text === lastText) a = lastBytes;
  else {
    a = ipBytes(text);
    lastText = text;
    lastBytes = a;
  }
  if (a === null || a.length !== net.addr.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i]! & net.mask[i]!) !== (net.addr[i]! & net.mask[i]!)) return false;
  return true;
}

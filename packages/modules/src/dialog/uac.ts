/**
 * Requests the dialog module sends itself (BYE on timeout, dlg_end_dlg): built from the
 * stored leg, sent through the core with our Via, retransmitted over UDP at T1 doubling
 * (RFC 3261 timer E) until a final reply or 32 s pass. Their replies are absorbed here.
 */
import type { Destination, SipCoreApi } from '@tsips/core';
import type { SipMessage } from '@tsips/sip';
import { CALLEE, CALLER, type Dialog } from './store';

const BRANCH_PREFIX = 'z9hG4bKdlgu';
const T1 = 500;
const T2 = 4000;
const TIMEOUT = 32000;

interface Pending {
  data: Buffer;
  dest: Destination;
  interval: number;
  deadline: number;
  handle: NodeJS.Timeout | null;
  resolve: (status: number) => void;
}

export class DialogUac {
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly salt = Math.floor(Math.random() * 0xffffff).toString(36);

  constructor(private readonly core: SipCoreApi, private readonly extraHeaders: () => string | null, private readonly log: (level: number, text: string) => void) {
    core.onReply((msg) => this.onReply(msg));
  }

  /** Consumes replies to our own requests. */
  private onReply(msg: SipMessage): boolean {
    let branch: string | null;
    try {
      branch = msg.topViaBranch();
    } catch {
      return false;
    }
    if (branch === null || !branch.startsWith(BRANCH_PREFIX)) return false;
    const p = this.pending.get(branch);
    if (p !== undefined && msg.status >= 200) {
      if (p.handle !== null) clearTimeout(p.handle);
      this.pending.delete(branch);
      p.resolve(msg.status);
    }
    return true;
  }

  /**
   * Sends a BYE to one side (`leg` CALLER or CALLEE) of the dialog. Resolves to the final
   * status received (408 when none came, 477 when it could not be sent).
   */
  async bye(d: Dialog, leg: number): Promise<number> {
    const to = d.legs[leg];
    const other = d.legs[leg === CALLER ? CALLEE : CALLER];
    const routes = to.routes ?? [];
    const firstRoute = routes.length > 0 ? /<([^>]*)>/.exec(routes[0]!)?.[1] ?? null : null;
    const strict = firstRoute !== null && !/;lr(?:[=;]|$)/i.test(firstRoute);
    const ruri = strict ? firstRoute! : to.contact;
    const routeValues = strict ? [...routes.slice(1), `<${to.contact}>`] : routes;
    const next = firstRoute ?? to.contact;
    if (ruri === '') return 477;
    let dests: Destination[];
    try {
      dests = await this.core.resolve(next);
    } catch (e) {
      this.log(-1, `dialog ${d.did}: cannot resolve '${next}' for the BYE: ${e instanceof Error ? e.message : String(e)}`);
      return 478;
    }
    const dest = dests[0];
    if (dest === undefined) return 478;
    const sock = this.core.socketFor(dest, to.socket);
    if (sock === null) {
      this.log(-1, `dialog ${d.did}: no socket to send the BYE to ${dest.proto}:${dest.address}:${dest.port}`);
      return 477;
    }
    const branch = `${BRANCH_PREFIX}${this.salt}.${(++this.seq).toString(36)}`;
    to.cseq += 1;
    const fromUri = leg === CALLEE ? d.fromUri : d.toUri;
    const toUri = leg === CALLEE ? d.toUri : d.fromUri;
    const lines = [
      `BYE ${ruri} SIP/2.0`,
      `Via: ${this.core.viaFor(sock, branch)}`,
      ...(routeValues.length > 0 ? [`Route: ${routeValues.join(', ')}`] : []),
      'Max-Forwards: 70',
      `From: <${fromUri}>;tag=${other.tag}`,
      `To: <${toUri}>;tag=${to.tag}`,
      `Call-ID: ${d.callid}`,
      `CSeq: ${to.cseq} BYE`,
    ];
    const extra = this.extraHeaders();
    if (extra !== null && extra !== '') lines.push(...extra.replace(/\r?\n$/, '').split(/\r?\n/));
    if (this.core.userAgentHeader !== null) lines.push(this.core.userAgentHeader);
    lines.push('Content-Length: 0', '', '');
    const data = Buffer.from(lines.join('\r\n'), 'latin1');
    return new Promise<number>((resolve) => {
      const p: Pending = { data, dest, interval: T1, deadline: Date.now() + TIMEOUT, handle: null, resolve };
      this.pending.set(branch, p);
      const fail = (status: number): void => {
        if (p.handle !== null) clearTimeout(p.handle);
        this.pending.delete(branch);
        resolve(status);
      };
      const send = (): void => {
        this.core.send(dest, data, sock).catch((e: unknown) => {
          this.log(-1, `dialog ${d.did}: sending the BYE failed: ${e instanceof Error ? e.message : String(e)}`);
          fail(477);
        });
      };
      const arm = (): void => {
        if (dest.proto !== 'udp') {
          p.handle = setTimeout(() => fail(408), TIMEOUT);
          p.handle.unref();
          return;
        }
        p.handle = setTimeout(() => {
          if (!this.pending.has(branch)) return;
          if (Date.now() >= p.deadline) return fail(408);
          send();
          p.interval = Math.min(p.interval * 2, T2);
          arm();
        }, p.interval);
        p.handle.unref();
      };
      send();
      arm();
    });
  }

  stop(): void {
    for (const p of this.pending.values()) {
      if (p.handle !== null) clearTimeout(p.handle);
      p.resolve(408);
    }
    this.pending.clear();
  }
}

/**
 * Subscriptions to events (OpenSIPS's event interface, evi): `subscribe_event(event,
 * socket[, expire])` in the script adds one; every raised event (script raise_event, or a
 * module: E_PIKE_BLOCKED...) goes to event_route[E_NAME] and to each live subscriber.
 * Delivery is done by transports registered by scheme ("udp", "tcp", "rabbitmq"... the
 * text before the first ':' of the socket, as OpenSIPS's event_datagram/event_stream
 * modules register their protocols); a socket whose scheme has no transport is refused.
 * Subscriptions live in memory, one list per event.
 */
import { serviceKey, type RaisedEvent } from '@tsips/script';

export interface EventTransport {
  /** Checks the part of the socket after "scheme:" when subscribing; an error text refuses it. */
  check?(target: string): string | undefined;
  /** Sends one event to one subscriber (must not throw; failures are the transport's to log). */
  deliver(ev: RaisedEvent, target: string): void;
}

export interface EventSubscription {
  event: string;
  /** The socket as subscribed ("udp:127.0.0.1:8888"). */
  socket: string;
  scheme: string;
  target: string;
  /** Milliseconds since the epoch; null: never expires. */
  expires: number | null;
}

export class EventSubscriptions {
  private readonly transports = new Map<string, EventTransport>();
  private readonly byEvent = new Map<string, EventSubscription[]>();

  constructor(private readonly now: () => number) {}

  registerTransport(scheme: string, t: EventTransport): void {
    const s = scheme.toLowerCase();
    if (this.transports.has(s)) throw new Error(`event transport '${s}' is registered twice`);
    this.transports.set(s, t);
  }

  /**
   * Adds (or refreshes: same event and socket) a subscription. `expireSec` 0 or absent: it
   * does not expire. Returns an error text when the socket is refused.
   */
  subscribe(event: string, socket: string, expireSec = 0): string | undefined {
    const colon = socket.indexOf(':');
    if (colon <= 0) return `socket '${socket}' has no protocol (e.g. udp:127.0.0.1:8888)`;
    const scheme = socket.slice(0, colon).toLowerCase();
    const target = socket.slice(colon + 1);
    const t = this.transports.get(scheme);
    if (t === undefined) return `no event transport for '${scheme}' (known: ${[...this.transports.keys()].join(', ') || 'none'})`;
    const problem = t.check?.(target);
    if (problem !== undefined) return problem;
    const expires = expireSec > 0 ? this.now() + expireSec * 1000 : null;
    let list = this.byEvent.get(event);
    if (list === undefined) this.byEvent.set(event, (list = []));
    const same = list.find((s) => s.scheme === scheme && s.target === target);
    if (same !== undefined) same.expires = expires;
    else list.push({ event, socket, scheme, target, expires });
    return undefined;
  }

  /** Live subscriptions (of one event, or all). */
  list(event?: string): EventSubscription[] {
    const out: EventSubscription[] = [];
    for (const [name, subs] of this.byEvent) if (event === undefined || name === event) out.push(...this.live(name, subs));
    return out;
  }

  /** Hands the event to every live subscriber of it. */
  deliver(ev: RaisedEvent): void {
    const subs = this.byEvent.get(ev.name);
    if (subs === undefined) return;
    for (const s of this.live(ev.name, subs)) this.transports.get(s.scheme)!.deliver(ev, s.target);
  }

  private live(name: string, subs: EventSubscription[]): EventSubscription[] {
    const now = this.now();
    const kept = subs.filter((s) => s.expires === null || s.expires > now);
    if (kept.length !== subs.length) {
      if (kept.length === 0) this.byEvent.delete(name);
      else this.byEvent.set(name, kept);
    }
    return kept;
  }
}

/** The server's subscriptions, for transports to register with (event_datagram-like modules). */
export const EVENTS = serviceKey<EventSubscriptions>('events');

/** The service usrloc offers to registrar (and later nathelper): its tables and helpers. */
import { serviceKey, type ScriptContext, type ScriptTables } from '@tsips/script';
import type { Ucontact } from './contact';
import type { UsrlocDomain } from './domain';

export interface UsrlocApi {
  /** A table registered at start (registerDomain), or undefined. */
  domain(name: string): UsrlocDomain | undefined;
  /** Registers a table: checks its database version and loads its bindings (start-up). */
  registerDomain(name: string): Promise<UsrlocDomain>;
  /** AORs are user@domain (use_domain). */
  readonly useDomain: boolean;
  /** Contact matching: 0 contact URI, 1 contact URI + Call-ID (matching_mode). */
  readonly matchingMode: number;
  /** Seconds during which a repeated Call-ID/CSeq counts as a retransmission (cseq_delay). */
  readonly cseqDelay: number;
  /** Bit of nat_bflag for this script, or -1 when unset/unknown. */
  natBflag(tables: ScriptTables): number;
  /** Branch flags of a contact as bits of this script (resolves names loaded from the database). */
  contactBflags(c: Ucontact, tables: ScriptTables): number;
  /** Runs `fn` with events going to the message's event routes (ctx.raiseEvent). */
  withContext<T>(ctx: ScriptContext, fn: () => T): T;
  /** Milliseconds since the epoch (the core's clock). */
  now(): number;
}

export const USRLOC = serviceKey<UsrlocApi>('usrloc');

/**
 * The send-path side of the core blacklists (OpenSIPS check_blacklists()): the store itself
 * lives in @tsips/script (the script's core functions fill and switch it), this is the one
 * question the core's stateless forward and tm's branches ask before sending.
 */
import { serviceKey, type BlacklistStore, type ScriptContext } from '@tsips/script';
import type { Destination } from './api';


/**
 * The name of the list (in use for this message) that refuses sending `data` to `dest`, or
 * null. Costs one integer test when the message uses no list.
 */
export function blacklistRefusal(ctx: ScriptContext, dest: Destination, data: Buffer | string): string | null {
  const mask = ctx.blacklistMask;
  if (mask === 0) return null;
  const store = ctx.tables.blacklists;
  if (store === undefined) return null;
  const h = store.check(mask, dest.proto, dest.address, dest.port, data);
  return h === null ? null : h.name;
}

/**
 * How modules reach the blacklists outside a script run (drouting filling its
 * define_blacklist lists at init or reload): the store of the running script, which a
 * script reload replaces.
 */
export interface BlacklistsService {
  current(): BlacklistStore | undefined;
}

export const BLACKLISTS = serviceKey<BlacklistsService>('blacklists');

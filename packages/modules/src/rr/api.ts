/**
 * The rr service: what other modules (dialog) use of Record-Route processing. Provided by
 * rr's init under {@link RR}.
 */
import { serviceKey, type ScriptContext } from '@tsips/script';

/**
 * Called when loose_route() consumed a Route header naming this proxy (OpenSIPS's rr
 * callbacks, register_rrcb): `params` are the parameters of that Route URI (no leading ';').
 */
export type LooseRouteHook = (ctx: ScriptContext, params: string) => void;

export interface RrApi {
  onLooseRoute(hook: LooseRouteHook): void;
}

export const RR = serviceKey<RrApi>('rr');

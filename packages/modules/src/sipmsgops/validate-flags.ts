/**
 * sipmsg_validate() flags, letters as OpenSIPS documents them (upper case accepted too):
 * s check the SDP body, h check header formats (From/To/Contact...), m do NOT require
 * Max-Forwards, r check the Request-URI, f the From URI, t the To URI, c the Contact.
 * OpenSIPS only logs an unknown letter at debug level and ignores it; tsips refuses it at
 * load, because a typo there silently weakens the check.
 */
import type { ParamSpec } from '@tsips/script';

export const VALIDATE_FLAGS = {
  s: 'sdp',
  h: 'headers',
  m: 'no-max-forwards',
  r: 'ruri',
  f: 'from-uri',
  t: 'to-uri',
  c: 'contact',
} as const;

export type ValidateCheck = (typeof VALIDATE_FLAGS)[keyof typeof VALIDATE_FLAGS];

export function parseValidateFlags(literal: string): Set<ValidateCheck> {
  const out = new Set<ValidateCheck>();
  for (const ch of literal) {
    const key = ch.toLowerCase() as keyof typeof VALIDATE_FLAGS;
    const check = VALIDATE_FLAGS[key];
    if (check === undefined) {
      throw new Error(`unknown sipmsg_validate flag '${ch}' (expected letters of "shmrftc")`);
    }
    out.add(check);
  }
  return out;
}

export const validateFlagsParam: ParamSpec = {
  name: 'flags',
  kind: 'flags',
  optional: true,
  validate: (literal) => {
    try {
      parseValidateFlags(literal);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  },
  parse: (literal) => parseValidateFlags(literal),
};

/**
 * Validation of flag references by name or number (setflag-style): OpenSIPS allocates a
 * bit for each new name at load, and refuses numbers outside 0..31.
 */
export function flagNameOrNumber(kind: string): (literal: string) => string | undefined {
  return (literal) => {
    const t = literal.trim();
    if (/^\d+$/.test(t)) {
      const n = Number(t);
      return n <= 31 ? undefined : `${kind} ${n} is out of range (0..31)`;
    }
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(t) ? undefined : `'${literal}' is neither a ${kind} number (0..31) nor a ${kind} name`;
  };
}

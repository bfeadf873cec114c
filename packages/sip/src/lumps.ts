/**
 * Lumps (the OpenSIPS idea): an edit of a received message is recorded as
 * "at byte `offset` of the original, drop `remove` bytes and put `text`
 * there". Serializing splices the lumps into the original buffer, so every
 * byte no edit touched is copied as received — no re-printing of headers,
 * no normalisation of what the sender wrote.
 */

export interface Lump {
  /** Byte offset in the original buffer. */
  offset: number;
  /** Bytes of the original dropped from `offset` on (0 for a pure insert). */
  remove: number;
  /** Inserted text (UTF-8 encoded unless `latin1`). */
  text: string;
  /** Tie-break for lumps at the same offset: lower first. Inserts before removals at one offset. */
  order: number;
  /** The text is a latin1 slice of the original (byte-exact copy). */
  latin1?: boolean;
}

/**
 * Apply lumps to original[start, end) and return the result. Lumps must not
 * overlap each other's removed ranges (the message layer guarantees it: it
 * only removes whole header lines or a value inside one line, and only once).
 */
export function applyLumps(original: Buffer, start: number, end: number, lumps: Lump[]): Buffer {
  lumps.sort((a, b) => a.offset - b.offset || (a.remove === 0 ? 0 : 1) - (b.remove === 0 ? 0 : 1) || a.order - b.order);
  const parts: Buffer[] = [];
  let cursor = start;
  for (const l of lumps) {
    if (l.offset < cursor || l.offset + l.remove > end) {
      throw new RangeError(`overlapping or out-of-range lump at ${l.offset} (cursor ${cursor})`);
    }
    if (l.offset > cursor) parts.push(original.subarray(cursor, l.offset));
    if (l.text.length > 0) parts.push(Buffer.from(l.text, l.latin1 ? 'latin1' : 'utf8'));
    cursor = l.offset + l.remove;
  }
  if (cursor < end) parts.push(original.subarray(cursor, end));
  return Buffer.concat(parts);
}

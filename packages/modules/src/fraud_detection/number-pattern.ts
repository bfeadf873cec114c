/**
 * Draws random digit strings that match one of libphonenumber's national-number patterns.
 * The metadata patterns use a small regex subset (digits, `\d`, `[..]` classes with ranges,
 * `(?:..|..)`, `?`, `{n}`, `{n,m}`), so a tiny parser suffices; anything else is an error
 * rather than a silently wrong number.
 */
import type { Prng } from './prng';

type Node =
  | { kind: 'chars'; chars: string }
  | { kind: 'alt'; options: Node[][] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

export type DigitPattern = Node[];

/** Parses a national-number pattern of libphonenumber's metadata. */
export function parseDigitPattern(source: string): DigitPattern {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`digit pattern ${JSON.stringify(source)} at ${pos}: ${what}`);
  };

  function atom(): Node {
    const c = source[pos];
    if (c === '\\') {
      if (source[pos + 1] !== 'd') fail('only \\d is supported');
      pos += 2;
      return { kind: 'chars', chars: '0123456789' };
    }
    if (c === '[') {
      pos++;
      let chars = '';
      while (source[pos] !== ']') {
        const from = source[pos];
        if (from === undefined || from < '0' || from > '9') fail('digit expected in class');
        if (source[pos + 1] === '-') {
          const to = source[pos + 2]!;
          for (let d = from!.charCodeAt(0); d <= to.charCodeAt(0); d++) chars += String.fromCharCode(d);
          pos += 3;
        } else {
          chars += from;
          pos++;
        }
      }
      pos++;
      return { kind: 'chars', chars };
    }
    if (c === '(') {
      if (source.slice(pos, pos + 3) !== '(?:') fail('only (?: groups are supported');
      pos += 3;
      const node = alternation();
      if (source[pos] !== ')') fail(') expected');
      pos++;
      return node;
    }
    if (c !== undefined && c >= '0' && c <= '9') {
      pos++;
      return { kind: 'chars', chars: c };
    }
    return fail(`unexpected ${JSON.stringify(c ?? 'end')}`);
  }

  function quantified(): Node {
    const node = atom();
    const c = source[pos];
    if (c === '?') {
      pos++;
      return { kind: 'repeat', node, min: 0, max: 1 };
    }
    if (c === '{') {
      const m = /^\{(\d+)(?:,(\d+))?\}/.exec(source.slice(pos));
      if (!m) return fail('bad {n,m}');
      pos += m[0].length;
      const min = Number(m[1]);
      return { kind: 'repeat', node, min, max: m[2] === undefined ? min : Number(m[2]) };
    }
    return node;
  }

  function sequence(): Node[] {
    const seq: Node[] = [];
    while (pos < source.length && source[pos] !== '|' && source[pos] !== ')') seq.push(quantified());
    return seq;
  }

  function alternation(): Node {
    const options = [sequence()];
    while (source[pos] === '|') {
      pos++;
      options.push(sequence());
    }
    return { kind: 'alt', options };
  }

  const top = alternation();
  if (pos !== source.length) fail('trailing input');
  return [top];
}

/** One random digit string the pattern matches (each alternative equally likely). */
export function sampleDigits(pattern: DigitPattern, rng: Prng): string {
  let out = '';
  const walk = (nodes: readonly Node[]): void => {
    for (const node of nodes) {
      if (node.kind === 'chars') out += node.chars[rng.int(0, node.chars.length - 1)];
      else if (node.kind === 'alt') walk(rng.pick(node.options));
      else for (let i = rng.int(node.min, node.max); i > 0; i--) walk([node.node]);
    }
  };
  walk(pattern);
  return out;
}

/**
 * A digit tree of number prefixes, each marked blacklisted or whitelisted, answering the
 * longest prefix of a number (OpenSIPS userblacklist dt.c). Lookups walk the digits
 * without allocating.
 */

interface Node {
  child: Array<Node | null> | null;
  /** A prefix ends here. */
  leaf: boolean;
  whitelist: boolean;
}

const node = (): Node => ({ child: null, leaf: false, whitelist: false });

export class PrefixTree {
  private root: Node = node();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Adds a prefix ('' = every number). A prefix with a non-digit is refused (false), as
   * OpenSIPS's dt_insert does; the same prefix again replaces its whitelist mark.
   */
  insert(prefix: string, whitelist: boolean): boolean {
    for (let i = 0; i < prefix.length; i++) {
      const d = prefix.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return false;
    }
    let n = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const d = prefix.charCodeAt(i) - 48;
      if (n.child === null) n.child = new Array<Node | null>(10).fill(null);
      let c = n.child[d]!;
      if (c === null) {
        c = node();
        n.child[d] = c;
      }
      n = c;
    }
    if (!n.leaf) this.count++;
    n.leaf = true;
    n.whitelist = whitelist;
    return true;
  }

  /**
   * The mark of the longest prefix of `digits` (a string of digits only): 'white',
   * 'black', or null when no prefix matches.
   */
  longestMatch(digits: string): 'white' | 'black' | null {
    let n = this.root;
    let found: Node | null = n.leaf ? n : null;
    for (let i = 0; i < digits.length; i++) {
      const d = digits.charCodeAt(i) - 48;
      if (d < 0 || d > 9 || n.child === null) break;
      const c = n.child[d]!;
      if (c === null) break;
      n = c;
      if (n.leaf) found = n;
    }
    if (found === null) return null;
    return found.whitelist ? 'white' : 'black';
  }
}

/** Keeps only the digits of a number, as OpenSIPS does before matching. */
export function digitsOf(s: string): string {
  let ok = true;
  for (let i = 0; i < s.length && ok; i++) {
    const c = s.charCodeAt(i);
    ok = c >= 48 && c <= 57;
  }
  if (ok) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

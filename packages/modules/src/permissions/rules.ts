/**
 * The allow/deny files of allow_routing / allow_register / allow_uri, read as OpenSIPS's
 * parse_config.c reads them (the format of tcpd's hosts.allow):
 *
 *     left-expressions : right-expressions        # comment
 *
 * Each side is `ALL`, or a comma-separated list of POSIX extended regular expressions
 * (case-insensitive, unanchored; quote them when they hold ':' ',' or '#'), optionally
 * followed by ` EXCEPT ` and a list of exceptions. A rule matches a (left, right) pair when
 * each side matches one of its expressions and none of its exceptions.
 */
import * as fs from 'node:fs';
import { compilePosixRegex } from '@tsips/script';

/** OpenSIPS EXPRESSION_LENGTH / LINE_LENGTH. */
export const EXPRESSION_LENGTH = 256;
const LINE_LENGTH = 500;

export interface Rule {
  /** null: ALL. */
  left: RegExp[] | null;
  leftExceptions: RegExp[];
  right: RegExp[] | null;
  rightExceptions: RegExp[];
}

/** A comma-separated list of expressions (commas inside double quotes do not split). */
function parseList(text: string): RegExp[] {
  const out: RegExp[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text[i] : '\0';
    if (c === '"') quoted = !quoted;
    if ((c === ',' && !quoted) || c === '\0') {
      let word = text.slice(start, i).replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
      if (word.startsWith('"')) word = word.slice(1);
      if (word.endsWith('"')) word = word.slice(0, -1);
      if (word === '') throw new Error('empty expression');
      if (word.length >= EXPRESSION_LENGTH) throw new Error(`expression too long <${word}>`);
      try {
        out.push(compilePosixRegex(word));
      } catch {
        throw new Error(`bad regular expression: ${word}`);
      }
      start = i + 1;
    }
  }
  return out;
}

function parseSide(text: string): { list: RegExp[] | null; exceptions: RegExp[] } {
  const at = text.indexOf(' EXCEPT ');
  const main = (at < 0 ? text : text.slice(0, at)).trim();
  const exceptions = at < 0 ? [] : parseList(text.slice(at + 8));
  return { list: main === 'ALL' ? null : parseList(main), exceptions };
}

/** One line: a rule, null for a blank/comment line; throws on a malformed line. */
export function parseRuleLine(line: string): Rule | null {
  let quoted = false;
  let colon = -1;
  let end = line.length;
  let content = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      quoted = !quoted;
      content = true;
    } else if (c === ':') {
      if (!quoted) colon = i;
      content = true;
    } else if ((c === '#' && !quoted) || c === '\n' || c === '\r') {
      end = i;
      break;
    } else if (c !== ' ' && c !== '\t') content = true;
  }
  if (!content) return null;
  if (!(colon > 0 && colon + 1 < end)) throw new Error('missing ":" between the two sides');
  const left = parseSide(line.slice(0, colon));
  const right = parseSide(line.slice(colon + 1, end));
  return { left: left.list, leftExceptions: left.exceptions, right: right.list, rightExceptions: right.exceptions };
}

/** A whole file; bad lines are reported through `bad` and left out. */
export function parseRules(text: string, bad: (line: string, why: string) => void = () => undefined): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.length > LINE_LENGTH ? raw.slice(0, LINE_LENGTH) : raw;
    try {
      const r = parseRuleLine(line);
      if (r !== null) rules.push(r);
    } catch (e) {
      bad(line, e instanceof Error ? e.message : String(e));
    }
  }
  return rules;
}

/** Reads a rules file; null when it does not exist (an empty rule set, as OpenSIPS treats it). */
export function loadRules(file: string, bad?: (line: string, why: string) => void): Rule[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const rules = parseRules(text, bad);
  return rules.length === 0 ? null : rules;
}

const anyOf = (list: readonly RegExp[], s: string): boolean => {
  for (const re of list) if (re.test(s)) return true;
  return false;
};

/** OpenSIPS search_rule: does any rule match the pair? */
export function searchRules(rules: readonly Rule[] | null, left: string, right: string): boolean {
  if (rules === null) return false;
  for (const r of rules) {
    if ((r.left === null || anyOf(r.left, left)) && !anyOf(r.leftExceptions, left)
      && (r.right === null || anyOf(r.right, right)) && !anyOf(r.rightExceptions, right)) return true;
  }
  return false;
}

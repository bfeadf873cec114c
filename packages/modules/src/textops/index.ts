/**
 * textops: regular-expression search and replace on the raw message text (headers and
 * body) and sed-like substitutions on the whole message, the Request-URI or its user.
 */
import { implement } from '../sipmsgops/implement';
import { parseSubst, SubstError, type ModuleExports, type ParamSpec } from '@tsips/script';
import { implementations } from './functions';
import { fn } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { regex, str } from '../shared/params';
import { MSG_NO_ERR, REQ_FAIL_REPLY_BRANCH } from '../shared/routes';

/**
 * A sed-style `/re/replacement/flags` expression (any delimiter; flags i, g and s),
 * compiled at load as OpenSIPS does (REG_EXTENDED, REG_NEWLINE unless `s`, REG_ICASE with
 * `i`). Replacement escapes: \0-\9, \u (the Request-URI), \n \r \t.
 */
export function validateSubst(literal: string): string | undefined {
  if (literal.length < 4) return `'${literal}' is not a /regexp/replacement/flags expression`;
  const delim = literal[0]!;
  const parts: string[] = [];
  let cur = '';
  for (let i = 1; i < literal.length; i++) {
    const ch = literal[i]!;
    if (ch === '\\' && i + 1 < literal.length) {
      cur += ch + literal[i + 1]!;
      i++;
    } else if (ch === delim) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (parts.length !== 2) return `'${literal}' is not a ${delim}regexp${delim}replacement${delim}flags expression`;
  if (!/^[igs]*$/.test(cur)) return `unknown substitution flags '${cur}' (expected i, g and/or s)`;
  if (parts[0] === '') return 'empty regular expression in substitution';
  try {
    parseSubst(literal);
    return undefined;
  } catch (e) {
    return e instanceof SubstError ? `'${literal}': ${e.message}` : String(e);
  }
}

const subst: ParamSpec = { name: 'substitution', kind: 'static-string', validate: validateSubst, parse: (literal) => parseSubst(literal) };

const R = ISSUE.sipCore;

const declared: ModuleExports = {
  name: 'textops',
  functions: [
    fn('search', [regex('regex')], MSG_NO_ERR, R, 'True when the message text (start line, headers, body) matches.'),
    fn('search_body', [regex('regex')], MSG_NO_ERR, R, 'True when the body matches.'),
    fn('search_append', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Inserts the text after the first match in the message.'),
    fn('search_append_body', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Inserts the text after the first match in the body.'),
    fn('replace', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Replaces the first match in the message.'),
    fn('replace_body', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Replaces the first match in the body.'),
    fn('replace_all', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Replaces every match in the message.'),
    fn('replace_body_all', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Replaces every match in the body, line by line.'),
    fn('replace_body_atonce', [regex('regex'), str('text')], MSG_NO_ERR, R, 'Replaces every match in the body taken as one string.'),
    fn('subst', [subst], MSG_NO_ERR, R, 'sed-like substitution on the message after its start line (headers and body).'),
    fn('subst_uri', [subst], REQ_FAIL_REPLY_BRANCH, R, 'sed-like substitution on the Request-URI.'),
    fn('subst_user', [subst], REQ_FAIL_REPLY_BRANCH, R, 'sed-like substitution on the Request-URI user (added when missing).'),
    fn('subst_body', [subst], MSG_NO_ERR, R, 'sed-like substitution on the body.'),
  ],
};

export const textops: ModuleExports = implement(declared, implementations);

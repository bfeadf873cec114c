/**
 * Flags of registrar's save() and lookup(). OpenSIPS 3.x/4.x takes comma-separated names;
 * 2.x took single letters (some with a value right after them). Both spellings load in
 * tsips; the parsed result says which one was used and gives the named spelling, so the
 * checker can print a notice such as: lookup("location", "m") -> "method-filtering".
 *
 * Letter -> name, save():   m memory-only, r no-reply, c<N> max-contacts=N,
 *   f force-registration, M<N> matching-mode=N, p0 path-off, p1 path-lazy, p2 path-strict,
 *   v path-received, o only-request-contacts, s socket-header, e<N> min-expires=N,
 *   E<N> max-expires=N.
 * Letter -> name, lookup(): b no-branches, B to-branches-only, r branch, m method-filtering,
 *   u/re/ ua-filtering=/re/, i case-insensitive, e extended-regexp, g global,
 *   y<N> max-ping-latency=N, Y sort-by-latency.
 */
import type { FlagSetSpec } from '../shared/flags';

export const SAVE_FLAGS: FlagSetSpec = {
  fn: 'save',
  named: [
    { name: 'memory-only', doc: 'keep the contacts in memory only, no database write' },
    { name: 'no-reply', doc: 'do not answer the REGISTER (the script will)' },
    { name: 'max-contacts', value: 'int', doc: 'cap of contacts per AOR (0: no cap), overrides the modparam' },
    { name: 'force-registration', doc: 'when the cap is reached, drop the oldest contacts to make room' },
    { name: 'matching-mode', value: 'text', doc: '0 contact URI, 1 contact URI and Call-ID, or a URI parameter name' },
    { name: 'path-off', doc: 'store Path, never return it in the reply' },
    { name: 'path-lazy', doc: 'store Path, return it only when the UA supports path' },
    { name: 'path-strict', doc: 'require path support when Path is present (420 otherwise), RFC 3327' },
    { name: 'path-received', doc: "use the first Path URI's received parameter as the contact's source" },
    { name: 'only-request-contacts', doc: "list only this REGISTER's contacts in the 200 OK" },
    { name: 'socket-header', doc: 'take the socket from the header named by sock_hdr_name' },
    { name: 'min-expires', value: 'int', doc: 'lowest expiry accepted (raised to it), overrides the modparam' },
    { name: 'max-expires', value: 'int', doc: 'highest expiry accepted (lowered to it), overrides the modparam' },
  ],
  legacy: [
    { letters: 'm', name: 'memory-only' },
    { letters: 'r', name: 'no-reply' },
    { letters: 'c', name: 'max-contacts', value: 'int' },
    { letters: 'f', name: 'force-registration' },
    { letters: 'M', name: 'matching-mode', value: 'int' },
    { letters: 'p0', name: 'path-off' },
    { letters: 'p1', name: 'path-lazy' },
    { letters: 'p2', name: 'path-strict' },
    { letters: 'v', name: 'path-received' },
    { letters: 'o', name: 'only-request-contacts' },
    { letters: 's', name: 'socket-header' },
    { letters: 'e', name: 'min-expires', value: 'int' },
    { letters: 'E', name: 'max-expires', value: 'int' },
  ],
};

export const LOOKUP_FLAGS: FlagSetSpec = {
  fn: 'lookup',
  named: [
    { name: 'no-branches', doc: 'only the best contact goes to the Request-URI; the others are not added as branches' },
    { name: 'to-branches-only', doc: 'every contact becomes a branch; the Request-URI is left alone (usable on replies)' },
    { name: 'branch', doc: 'also expand AORs found in existing branches' },
    { name: 'method-filtering', doc: "skip contacts whose Allow (at registration) lacks the request's method" },
    { name: 'ua-filtering', value: 'slashed-regex', doc: 'keep only contacts whose User-Agent matches /regexp/' },
    { name: 'case-insensitive', doc: 'ua-filtering ignores case' },
    { name: 'extended-regexp', doc: 'ua-filtering uses extended regular expressions' },
    { name: 'global', doc: 'federated clustering: add branches for remote locations too' },
    { name: 'max-ping-latency', value: 'int', doc: 'skip contacts whose ping latency (us) is higher' },
    { name: 'sort-by-latency', doc: 'order contacts by ping latency, fastest first' },
  ],
  legacy: [
    { letters: 'b', name: 'no-branches' },
    { letters: 'B', name: 'to-branches-only' },
    { letters: 'r', name: 'branch' },
    { letters: 'm', name: 'method-filtering' },
    { letters: 'u', name: 'ua-filtering', value: 'slashed-regex' },
    { letters: 'i', name: 'case-insensitive' },
    { letters: 'e', name: 'extended-regexp' },
    { letters: 'g', name: 'global' },
    { letters: 'y', name: 'max-ping-latency', value: 'int' },
    { letters: 'Y', name: 'sort-by-latency' },
  ],
};

/**
 * sipmsgops: everyday message inspection and editing (methods, headers, Request-URI
 * parameters, bodies, SDP codecs and streams) and sipmsg_validate(), the structural check
 * of a message against RFC 3261 with its numbered error codes.
 */
import { implement } from './implement';
import type { FixupArg, ModuleExports } from '@tsips/script';
import { implementations } from './functions';
import { fn } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { intOrVar, outVar, regex, replyCodeFixup, str } from '../shared/params';
import { MSG_NO_ERR } from '../shared/routes';
import { validateFlagsParam } from './validate-flags';

/** Methods parse_methods() knows; a `|` list may name only these. */
export const KNOWN_METHODS = [
  'INVITE', 'CANCEL', 'ACK', 'BYE', 'INFO', 'OPTIONS', 'UPDATE', 'REGISTER', 'MESSAGE',
  'SUBSCRIBE', 'NOTIFY', 'PRACK', 'REFER', 'PUBLISH',
];

/** is_method("INVITE|BYE"): a list may hold only known methods; one name may be any token. */
function methodFixup(args: readonly FixupArg[]): string | undefined {
  const lit = args[0]?.literal ?? null;
  if (lit === null) return undefined;
  if (lit.trim() === '') return 'empty method name';
  if (!lit.includes('|')) return /^[A-Za-z0-9!%*_+`'~.-]+$/.test(lit.trim()) ? undefined : `'${lit}' is not a method name`;
  const unknown = lit.split('|').map((m) => m.trim()).filter((m) => !KNOWN_METHODS.includes(m.toUpperCase()));
  return unknown.length === 0 ? undefined : `unknown method${unknown.length > 1 ? 's' : ''} in list: ${unknown.join(', ')} (a list may name only ${KNOWN_METHODS.join(', ')})`;
}

const R = ISSUE;
const REQ_FAIL_BRANCH_ERR = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'ERROR_ROUTE'] as const;
const RURI_ROUTES = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE'] as const;

const declared: ModuleExports = {
  name: 'sipmsgops',
  functions: [
    fn('append_to_reply', [str('text')], REQ_FAIL_BRANCH_ERR, R.sipCore, 'Header lines added to the next reply the proxy generates.'),
    fn('append_body_to_reply', [str('body')], REQ_FAIL_BRANCH_ERR, R.unscheduled, 'Body of the next reply the proxy generates.'),
    fn('append_hf', [str('header line'), str('after header', true)], MSG_NO_ERR, R.sipCore, 'Adds a header line at the end of the headers (or after the named header).'),
    fn('insert_hf', [str('header line'), str('before header', true)], MSG_NO_ERR, R.sipCore, 'Adds a header line at the top of the headers (or before the named header).'),
    fn('append_urihf', [str('prefix'), str('suffix')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], R.unscheduled, 'Adds a header made of prefix + the received Request-URI + suffix.'),
    fn('remove_hf', [str('header name')], MSG_NO_ERR, R.sipCore, 'Removes every header with that name; false when there was none.'),
    fn('remove_hf_re', [regex('header name regex')], MSG_NO_ERR, R.insideAttacks, 'Removes every header whose name matches.'),
    fn('remove_hf_glob', [str('header name glob')], MSG_NO_ERR, R.insideAttacks, 'Removes every header whose name matches the glob.'),
    fn('is_present_hf', [str('header name')], MSG_NO_ERR, R.sipCore, 'True when the message has a header with that name.'),
    fn('append_time', [], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE'], R.unscheduled, 'Adds a Date header with the current time (GMT).'),
    { ...fn('is_method', [str('methods')], MSG_NO_ERR, R.sipCore, 'True when the method (of the request, or the CSeq method of a reply) is one of the "|"-separated names.'), fixup: methodFixup },
    fn('has_body', [str('mime type', true)], MSG_NO_ERR, R.sipCore, 'True when the message has a body (of that type).'),
    fn('has_body_part', [str('mime type', true)], MSG_NO_ERR, R.insideAttacks, 'True when the body (or one multipart part) has that type.'),
    fn('is_privacy', [str('privacy type')], MSG_NO_ERR, R.unscheduled, 'True when the Privacy header lists the value (RFC 3323).'),
    fn('remove_body_part', [str('mime type', true), str('revert', true)], MSG_NO_ERR, R.unscheduled, 'Removes the body parts of that type (or all but them with "revert").'),
    fn('add_body_part', [str('body'), str('mime type'), str('headers', true)], MSG_NO_ERR, R.unscheduled, 'Adds a body part (turning the body multipart when needed).'),
    fn('get_updated_body_part', [str('mime type', true), outVar('destination')], MSG_NO_ERR, R.unscheduled, 'The body part with the changes made so far.'),
    fn('codec_exists', [str('codec'), str('clock', true)], MSG_NO_ERR, R.insideAttacks, 'True when the SDP offers the codec.'),
    fn('codec_exists_re', [regex('codec regex')], MSG_NO_ERR, R.insideAttacks, 'True when the SDP offers a codec matching the regex.'),
    fn('codec_delete', [str('codec'), str('clock', true)], MSG_NO_ERR, R.insideAttacks, 'Removes the codec from the SDP.'),
    fn('codec_delete_re', [regex('codec regex')], MSG_NO_ERR, R.insideAttacks, 'Removes the matching codecs from the SDP.'),
    fn('codec_delete_except_re', [regex('codec regex')], MSG_NO_ERR, R.insideAttacks, 'Removes every codec but the matching ones.'),
    fn('codec_move_up', [str('codec'), str('clock', true)], MSG_NO_ERR, R.insideAttacks, 'Moves the codec to the front of its media line.'),
    fn('codec_move_up_re', [regex('codec regex')], MSG_NO_ERR, R.insideAttacks, 'Moves the matching codecs to the front.'),
    fn('codec_move_down', [str('codec'), str('clock', true)], MSG_NO_ERR, R.insideAttacks, 'Moves the codec to the end of its media line.'),
    fn('codec_move_down_re', [regex('codec regex')], MSG_NO_ERR, R.insideAttacks, 'Moves the matching codecs to the end.'),
    fn('is_audio_on_hold', [], MSG_NO_ERR, R.unscheduled, 'True when the SDP puts the audio stream on hold.'),
    fn('sipmsg_validate', [validateFlagsParam, outVar('reason', true)], ['REQUEST_ROUTE', 'ONREPLY_ROUTE', 'FAILURE_ROUTE', 'BRANCH_ROUTE'], R.insideAttacks,
      'Checks the message structure. 1 valid; -1 no message; -2 header parse error; -3 no Call-ID; -4 no Content-Length (stream transports); -5 Content-Length (0 when absent) differs from the body; -6 SDP error; -7 no CSeq; -8 no From; -9 no To; -10 no Via; -11 bad Request-URI; -12 bad R-URI host; -13 no Max-Forwards; -14 no Contact; -15 Path on a non-REGISTER; -16..-20 missing header required by a 405/423/407/420/401 reply; -21 no Content-Type; -22..-29 bad To/From/Contact or their user/host; -30 "*" Contact outside a REGISTER request with Expires 0; -255 the reason variable cannot be set. The OpenSIPS reason text goes to the variable (only on failure).'),
    { ...fn('change_reply_status', [intOrVar('code'), str('reason')], ['ONREPLY_ROUTE'], R.insideAttacks, 'Changes the status code and reason of the reply being relayed.'), fixup: replyCodeFixup(0) },
    fn('stream_exists', [regex('media regex'), regex('transport regex', true)], MSG_NO_ERR, R.unscheduled, 'True when the SDP has a matching media stream.'),
    fn('stream_delete', [regex('media regex'), regex('transport regex', true)], MSG_NO_ERR, R.unscheduled, 'Removes the matching media streams.'),
    fn('list_hdr_has_option', [str('header name'), str('option')], MSG_NO_ERR, R.insideAttacks, 'True when a list header (Supported, Require...) holds the option.'),
    fn('list_hdr_add_option', [str('header name'), str('option')], MSG_NO_ERR, R.insideAttacks, 'Adds an option to a list header.'),
    fn('list_hdr_remove_option', [str('header name'), str('option')], MSG_NO_ERR, R.insideAttacks, 'Removes an option from a list header.'),
    fn('has_totag', [], MSG_NO_ERR, R.sipCore, 'True when the To header has a tag (the request is in-dialog).'),
    fn('ruri_has_param', [str('name'), str('value', true)], RURI_ROUTES, R.insideAttacks, 'True when the Request-URI has the parameter (with that value).'),
    fn('ruri_add_param', [str('parameter')], RURI_ROUTES, R.insideAttacks, 'Adds ";parameter" to the Request-URI.'),
    fn('ruri_del_param', [str('name')], RURI_ROUTES, R.insideAttacks, 'Removes the parameter from the Request-URI.'),
    fn('ruri_tel2sip', [], RURI_ROUTES, R.unscheduled, 'Turns a tel: Request-URI into a sip: one.'),
    fn('is_uri_user_e164', [str('uri')], ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'LOCAL_ROUTE'], R.insideAttacks, 'True when the user part of the URI is an E.164 number (+ and 2..15 digits).'),
    fn('get_glob_headers_values', [str('header name glob'), outVar('names avp'), outVar('values avp')], MSG_NO_ERR, R.unscheduled, 'Names and values of the headers whose name matches the glob.'),
    fn('sip_to_json', [outVar('destination')], MSG_NO_ERR, R.unscheduled, 'The message as JSON.'),
  ],
};

export const sipmsgops: ModuleExports = implement(declared, implementations);

/**
 * rr: Record-Route (RFC 3261 section 16.6/16.12) and loose routing of in-dialog requests,
 * with the strict-router compatibility OpenSIPS keeps.
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, pvar, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';
import { oneOf, regex, staticStr, str } from '../shared/params';
import { REQ, REQ_BRANCH_FAIL } from '../shared/routes';

export const rr: ModuleExports = {
  name: 'rr',
  functions: [
    fn('loose_route', [], REQ, ISSUE.sipCore,
      'Routes an in-dialog request by its Route headers (removing the ones naming this proxy). True when Route headers drove the routing.'),
    fn('record_route', [str('parameters', true)], REQ_BRANCH_FAIL, ISSUE.sipCore,
      'Adds a Record-Route header naming this proxy (two when the in/out interfaces differ), with optional extra URI parameters.'),
    fn('record_route_preset', [str('address'), str('second address', true)], REQ_BRANCH_FAIL, ISSUE.sipCore,
      'Adds a Record-Route header with the given address instead of the socket one (and a second for double RR).'),
    fn('add_rr_param', [str('parameter')], REQ_BRANCH_FAIL, ISSUE.sipCore,
      'Appends a parameter (";name=value") to the Record-Route header this proxy adds.'),
    fn('check_route_param', [regex('parameter regex')], REQ, ISSUE.sipCore,
      'True when the parameters of the Route header that named this proxy match (after loose_route).'),
    fn('is_direction', [staticStr('direction', false, oneOf(['downstream', 'upstream'], true))], REQ, ISSUE.sipCore,
      "True when the in-dialog request flows 'downstream' (caller to callee) or 'upstream'; needs append_fromtag."),
  ],
  params: [
    intParam('append_fromtag', 1, 'Add the From tag as ";ftag=" to Record-Route (is_direction needs it).'),
    intParam('enable_double_rr', 1, 'Add two Record-Route headers when the request leaves by another interface or transport.'),
    strParam('ignore_user', null, 'A Route URI user part that makes loose_route skip the header (not ours).'),
    intParam('add_username', 0, 'Put the Request-URI user into the Record-Route URI.'),
    intParam('enable_socket_mismatch_warning', 1, 'Warn when a Route names our address but arrived on another socket.'),
  ],
  pvars: [
    pvar('rr_params', { inner: 'none' }, ISSUE.sipCore,
      'Parameters of the Route header that loose_route found to be ours.'),
  ],
};

/**
 * registrar: REGISTER processing (RFC 3261 section 10) on top of usrloc, and lookup() that
 * turns an AOR into the Request-URI and branches for forking. Flag spellings: ./flags.ts.
 */
import type { ModuleExports } from '@tsips/script';
import { counter, fn, gauge, intParam, strParam } from '../shared/declare';
import { flagsParam } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { inVar, intOrVar, staticStr, str } from '../shared/params';
import { ALL, MSG_NO_ERR, REQ_REPLY } from '../shared/routes';
import { LOOKUP_FLAGS, SAVE_FLAGS } from './flags';

/** The usrloc domain (table) name, e.g. "location": fixed at load. */
const domain = staticStr('domain');

export const registrar: ModuleExports = {
  name: 'registrar',
  functions: [
    fn('save', [domain, flagsParam('flags', SAVE_FLAGS, true), str('aor', true), str('ownership tag', true)], REQ_REPLY, ISSUE.sipCore,
      'Stores, refreshes or removes the bindings of a REGISTER (Contact, Expires) and answers 200 OK with the current contacts. 1 ok, -1 error (a reply with the reason was sent).'),
    fn('remove', [domain, str('aor'), str('contact', true), str('next hop', true), str('sip instance', true), str('branch flag', true)], REQ_REPLY, ISSUE.sipCore,
      'Removes the bindings of an AOR, optionally only those matching contact / next hop / +sip.instance / branch flag.'),
    fn('remove_ip_port', [str('ip'), intOrVar('port'), domain, str('aor', true)], ALL, ISSUE.sipCore,
      'Removes the bindings received from an IP and port (of one AOR or of all).'),
    fn('lookup', [domain, flagsParam('flags', LOOKUP_FLAGS, true), str('aor', true)], ['REQUEST_ROUTE', 'ONREPLY_ROUTE', 'FAILURE_ROUTE'], ISSUE.sipCore,
      'Rewrites the Request-URI with the best contact of the AOR and adds the others as branches. 1 found; 2 only push notifications started; -1 no contact; -2 contacts exist but none allows the method; -3 internal error.'),
    fn('add_sock_hdr', [str('header name')], MSG_NO_ERR, ISSUE.unscheduled,
      'Adds a header holding the receiving socket, for a registrar behind this proxy (see the socket-header flag).'),
    fn('is_registered', [domain, str('aor', true)], MSG_NO_ERR, ISSUE.sipCore,
      'True when the AOR (default: the To URI for REGISTER, else the From URI) has at least one binding.'),
    fn('is_contact_registered', [domain, str('aor', true), str('contact', true), str('callid', true)], MSG_NO_ERR, ISSUE.sipCore,
      'True when the AOR has a binding with that contact (default: the Contact of the message) or that Call-ID.'),
    fn('is_ip_registered', [domain, str('aor', true), inVar('ip avp'), inVar('port avp', true)], MSG_NO_ERR, ISSUE.sipCore,
      'True when one of the IPs (and ports) in the AVPs is the source of a binding of the AOR.'),
  ],
  params: [
    intParam('default_expires', 3600, 'Expiry (s) used when a REGISTER gives none.'),
    intParam('default_q', 0, 'q value (x1000) for contacts without one.'),
    intParam('case_sensitive', 1, 'Compare AOR user parts case-sensitively.'),
    strParam('tcp_persistent_flag', null, 'Branch flag that keeps the TCP connection of a binding open for its lifetime.'),
    strParam('realm_prefix', null, 'Prefix removed from the domain of an AOR (e.g. "sip.").'),
    intParam('min_expires', 60, 'Lowest expiry accepted; lower values are raised (0: no check).'),
    intParam('max_expires', 0, 'Highest expiry accepted; higher values are lowered (0: no check).'),
    strParam('received_param', 'received', 'Contact parameter name carrying the NAT source address.'),
    strParam('received_avp', null, 'AVP (filled by nathelper) holding the source address to store with a contact.'),
    intParam('retry_after', 0, 'Retry-After value (s) added to 5xx replies of save (0: none).'),
    strParam('sock_hdr_name', null, 'Header read by the socket-header save flag.'),
    strParam('mcontact_avp', null, 'AVP holding the contact to save when save runs on a reply.'),
    strParam('attr_avp', null, 'AVP whose value is stored with the contact as its attributes.'),
    strParam('gruu_secret', null, 'Secret used to build temporary GRUUs (RFC 5627).'),
    intParam('disable_gruu', 1, 'Do not hand out GRUUs.'),
    intParam('max_contacts', 0, 'Cap of contacts per AOR (0: none).'),
    intParam('max_username_len', 64, 'Longest AOR user part accepted.'),
    intParam('max_domain_len', 64, 'Longest AOR domain accepted.'),
    intParam('max_aor_len', 256, 'Longest AOR accepted.'),
    intParam('max_contact_len', 255, 'Longest contact URI accepted.'),
    intParam('allow_dup_cseq', 1, 'Accept a REGISTER repeating the CSeq of the stored binding.'),
    intParam('expires_max_deviation', 0, 'Random spread (s) applied to expiries to smooth refresh storms.'),
    intParam('pn_enable', 0, 'Enable SIP push notifications (RFC 8599).'),
    strParam('pn_providers', null, 'Push notification providers and their URIs.'),
    strParam('pn_ct_match_params', 'pn-provider, pn-prid, pn-param', 'Contact parameters that identify a push-capable binding.'),
    intParam('pn_pnsreg_interval', 130, 'Seconds before binding expiry a refresh push is sent.'),
    intParam('pn_trigger_interval', 120, 'Least seconds between two pushes for one binding.'),
    intParam('pn_skip_pn_interval', 0, 'Skip the push when the binding refreshed this recently (s).'),
    intParam('pn_refresh_timeout', 6, 'Seconds to wait for a device to refresh after a push.'),
    intParam('pn_enable_purr', 0, 'Use the RFC 8599 "purr" parameter.'),
  ],
  stats: [
    gauge('max_expires', 'The max_expires setting.'),
    gauge('max_contacts', 'The max_contacts setting.'),
    gauge('default_expire', 'The default_expires setting.'),
    counter('accepted_regs', 'REGISTERs accepted.'),
    counter('rejected_regs', 'REGISTERs refused.'),
  ],
  dependencies: ['usrloc', 'signaling'],
};

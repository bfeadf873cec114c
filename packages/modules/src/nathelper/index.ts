/**
 * nathelper: NAT traversal helpers: detecting clients behind NAT, rewriting Contact and
 * SDP addresses to the source address, and keepalive pings of registered NATed contacts.
 */
import type { ModuleExports } from '@tsips/script';
import { fn, intParam, mi, multiStrParam, strParam } from '../shared/declare';
import { flagsParam, type FlagSetSpec } from '../shared/flags';
import { ISSUE } from '../shared/issues';
import { intOrVar, str } from '../shared/params';
import { MSG_NO_ERR, REQ_BRANCH_LOCAL } from '../shared/routes';

const R = ISSUE.unscheduled;

/** nat_uac_test tests; 2.x wrote them as a decimal bit mask (1, 2, 4, ... 128). */
export const NAT_UAC_TEST_FLAGS: FlagSetSpec = {
  fn: 'nat_uac_test',
  named: [
    { name: 'private-contact', doc: 'Contact holds a private (RFC 1918) address' },
    { name: 'diff-ip-src-via', doc: 'source IP differs from the top Via' },
    { name: 'private-via', doc: 'top Via holds a private address' },
    { name: 'private-sdp', doc: 'SDP holds a private address' },
    { name: 'diff-port-src-via', doc: 'source port differs from the top Via' },
    { name: 'diff-ip-src-contact', doc: 'source IP differs from the Contact' },
    { name: 'diff-port-src-contact', doc: 'source port differs from the Contact' },
    { name: 'carrier-grade-nat', doc: 'count RFC 6333 shared addresses as private too' },
  ],
  legacyBits: [
    { bit: 1, name: 'private-contact' },
    { bit: 2, name: 'diff-ip-src-via' },
    { bit: 4, name: 'private-via' },
    { bit: 8, name: 'private-sdp' },
    { bit: 16, name: 'diff-port-src-via' },
    { bit: 32, name: 'diff-ip-src-contact' },
    { bit: 64, name: 'diff-port-src-contact' },
    { bit: 128, name: 'carrier-grade-nat' },
  ],
};

/** fix_nated_sdp changes; 2.x wrote them as a hex mask (0x01 ... 0x10). */
export const FIX_NATED_SDP_FLAGS: FlagSetSpec = {
  fn: 'fix_nated_sdp',
  named: [
    { name: 'add-dir-active', doc: 'add a=direction:active' },
    { name: 'rewrite-media-ip', doc: 'rewrite c= lines with the source IP' },
    { name: 'add-no-rtpproxy', doc: 'add a=nortpproxy:yes' },
    { name: 'rewrite-origin-ip', doc: 'rewrite the o= line too' },
    { name: 'rewrite-null-ips', doc: 'rewrite 0.0.0.0 addresses too' },
  ],
  legacyBits: [
    { bit: 0x01, name: 'add-dir-active' },
    { bit: 0x02, name: 'rewrite-media-ip' },
    { bit: 0x04, name: 'add-no-rtpproxy' },
    { bit: 0x08, name: 'rewrite-origin-ip' },
    { bit: 0x10, name: 'rewrite-null-ips' },
  ],
};

const FIX_CONTACT_FLAGS: FlagSetSpec = {
  fn: 'fix_nated_contact',
  named: [{ name: 'preserve-uri', doc: 'keep the original host:port in an "org" URI parameter (base64)' }],
};

export const nathelper: ModuleExports = {
  name: 'nathelper',
  functions: [
    fn('fix_nated_contact', [str('uri parameters', true), flagsParam('flags', FIX_CONTACT_FLAGS, true)], [...REQ_BRANCH_LOCAL, 'ONREPLY_ROUTE'], R,
      'Rewrites the Contact host:port with the source address of the message.'),
    fn('restore_nated_ruri', [], REQ_BRANCH_LOCAL, R, 'Undoes fix_nated_contact on a Request-URI carrying the "org" parameter.'),
    fn('fix_nated_sdp', [flagsParam('flags', FIX_NATED_SDP_FLAGS), str('ip address', true), str('sdp fields', true)], MSG_NO_ERR, R,
      'Rewrites the SDP addresses with the source IP (or the given one).'),
    fn('nat_uac_test', [flagsParam('flags', NAT_UAC_TEST_FLAGS)], MSG_NO_ERR, R, 'True when any of the chosen tests says the client is behind NAT.'),
    fn('fix_nated_register', [], ['REQUEST_ROUTE'], R, 'Stores the source address of a REGISTER in received_avp for registrar.'),
    fn('add_rcv_param', [intOrVar('in uri', true)], ['REQUEST_ROUTE'], R, 'Adds the source address as a "received" Contact (or URI, with 1) parameter.'),
  ],
  params: [
    intParam('natping_interval', 0, 'Seconds between keepalive pings of NATed contacts (0: none).'),
    intParam('ping_nated_only', 0, 'Ping only contacts marked as NATed.'),
    strParam('nortpproxy_str', 'a=nortpproxy:yes\r\n', 'SDP line added by add-no-rtpproxy.'),
    strParam('received_avp', null, 'AVP filled by fix_nated_register.'),
    strParam('force_socket', null, 'Socket the pings leave from.'),
    strParam('sipping_ignore_rpl_codes', null, 'Reply codes to pings that do not count as alive.'),
    strParam('sipping_from', null, 'From URI of SIP pings (unset: UDP keepalives instead).'),
    strParam('sipping_method', 'OPTIONS', 'Method of SIP pings.'),
    strParam('sipping_bflag', null, 'Branch flag of contacts to ping with SIP requests.'),
    strParam('sipping_latency_flag', null, 'Branch flag of contacts whose ping latency is measured.'),
    strParam('remove_on_timeout_bflag', null, 'Branch flag of contacts removed when pings go unanswered.'),
    intParam('natping_tcp', 0, 'Ping TCP contacts too.'),
    intParam('natping_partitions', 1, 'Spread pings over this many timer ticks.'),
    strParam('natping_socket', null, 'Socket for UDP keepalives.'),
    multiStrParam('oldip_skip', 'SDP fields whose old IP is not kept ("a=oldoip"/"a=oldcip").'),
    intParam('ping_threshold', 3, 'Seconds without a ping reply that count as one lost ping.'),
    intParam('max_pings_lost', 3, 'Lost pings before a contact is removed.'),
    intParam('cluster_id', 0, 'Cluster sharing the pinging (0: none).'),
    strParam('cluster_sharing_tag', null, 'Sharing tag deciding which node pings.'),
  ],
  mi: [mi('nathelper', 'enable_ping', { aliases: ['nh_enable_ping'], params: [{ name: 'status', optional: true }], reason: R, doc: 'Shows or switches contact pinging.' })],
};

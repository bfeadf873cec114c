/**
 * tls_mgm: TLS domains (server and client), certificates, keys, CA lists and verification
 * settings, given as modparams ("[domain]value") or read from a database, and the $tls_*
 * variables describing the current TLS connection and certificates.
 */
import type { ModuleExports } from '@tsips/script';
import { column, fn, mi, multiStrParam, pvar, strParam } from '../shared/declare';
import { ISSUE } from '../shared/issues';

const R = ISSUE.sipCore;

/** Pseudo-variables describing the TLS connection of the current message (read-only). */
const TLS_PVARS: readonly (readonly [string, string])[] = [
  ['tls_version', 'TLS version of the connection.'],
  ['tls_description', 'Description of the TLS session.'],
  ['tls_cipher_info', 'Cipher of the connection.'],
  ['tls_cipher_bits', 'Cipher strength in bits.'],
  ['tls_peer_version', 'Peer certificate: version.'],
  ['tls_my_version', 'Own certificate: version.'],
  ['tls_peer_serial', 'Peer certificate: serial.'],
  ['tls_my_serial', 'Own certificate: serial.'],
  ['tls_peer_subject', 'Peer certificate: subject.'],
  ['tls_peer_issuer', 'Peer certificate: issuer.'],
  ['tls_my_subject', 'Own certificate: subject.'],
  ['tls_my_issuer', 'Own certificate: issuer.'],
  ['tls_peer_subject_cn', 'Peer certificate: subject cn.'],
  ['tls_peer_issuer_cn', 'Peer certificate: issuer cn.'],
  ['tls_my_subject_cn', 'Own certificate: subject cn.'],
  ['tls_my_issuer_cn', 'Own certificate: issuer cn.'],
  ['tls_peer_subject_locality', 'Peer certificate: subject locality.'],
  ['tls_peer_issuer_locality', 'Peer certificate: issuer locality.'],
  ['tls_my_subject_locality', 'Own certificate: subject locality.'],
  ['tls_my_issuer_locality', 'Own certificate: issuer locality.'],
  ['tls_peer_subject_country', 'Peer certificate: subject country.'],
  ['tls_peer_issuer_country', 'Peer certificate: issuer country.'],
  ['tls_my_subject_country', 'Own certificate: subject country.'],
  ['tls_my_issuer_country', 'Own certificate: issuer country.'],
  ['tls_peer_subject_state', 'Peer certificate: subject state.'],
  ['tls_peer_issuer_state', 'Peer certificate: issuer state.'],
  ['tls_my_subject_state', 'Own certificate: subject state.'],
  ['tls_my_issuer_state', 'Own certificate: issuer state.'],
  ['tls_peer_subject_organization', 'Peer certificate: subject organization.'],
  ['tls_peer_issuer_organization', 'Peer certificate: issuer organization.'],
  ['tls_my_subject_organization', 'Own certificate: subject organization.'],
  ['tls_my_issuer_organization', 'Own certificate: issuer organization.'],
  ['tls_peer_subject_unit', 'Peer certificate: subject unit.'],
  ['tls_peer_issuer_unit', 'Peer certificate: issuer unit.'],
  ['tls_my_subject_unit', 'Own certificate: subject unit.'],
  ['tls_my_subject_serial', 'Own certificate: subject serial.'],
  ['tls_peer_subject_serial', 'Peer certificate: subject serial.'],
  ['tls_my_issuer_unit', 'Own certificate: issuer unit.'],
  ['tls_peer_san_email', 'Peer certificate: san email.'],
  ['tls_my_san_email', 'Own certificate: san email.'],
  ['tls_peer_san_hostname', 'Peer certificate: san hostname.'],
  ['tls_my_san_hostname', 'Own certificate: san hostname.'],
  ['tls_peer_san_uri', 'Peer certificate: san uri.'],
  ['tls_my_san_uri', 'Own certificate: san uri.'],
  ['tls_peer_san_ip', 'Peer certificate: san ip.'],
  ['tls_my_san_ip', 'Own certificate: san ip.'],
  ['tls_peer_verified', 'Peer certificate: verified.'],
  ['tls_peer_revoked', 'Peer certificate: revoked.'],
  ['tls_peer_expired', 'Peer certificate: expired.'],
  ['tls_peer_selfsigned', 'Peer certificate: selfsigned.'],
  ['tls_peer_notBefore', 'Peer certificate: notBefore.'],
  ['tls_peer_notAfter', 'Peer certificate: notAfter.'],];

/** Per-domain settings: each value is written "[domain]value" and may be repeated. */
const DOMAIN_SETTINGS: readonly (readonly [string, string])[] = [
  ['server_domain', 'Declares a server TLS domain: "name[=ip:port]".'],
  ['client_domain', 'Declares a client TLS domain: "name[=ip:port]".'],
  ['match_ip_address', 'Addresses a domain applies to (default "*").'],
  ['match_sip_domain', 'SIP domains a domain applies to (default "*").'],
  ['tls_method', 'Protocol version or range (TLSv1_2, TLSv1_3, TLSv1_2-TLSv1_3, SSLv23).'],
  ['verify_cert', 'Verify the peer certificate (default 1).'],
  ['require_cert', 'Require a peer certificate (default 1).'],
  ['certificate', 'Certificate file (default CFG_DIR/tls/cert.pem).'],
  ['private_key', 'Private key file (default CFG_DIR/tls/ckey.pem).'],
  ['crl_check_all', 'Check the whole chain against CRLs.'],
  ['crl_dir', 'Directory of CRLs.'],
  ['ca_list', 'File of trusted CAs.'],
  ['ca_dir', 'Directory of trusted CAs (default /etc/pki/CA/).'],
  ['ciphers_list', 'Allowed ciphers (OpenSSL syntax).'],
  ['dh_params', 'Diffie-Hellman parameters file.'],
  ['ec_curve', 'Elliptic curve for ECDHE.'],
];

export const tls_mgm: ModuleExports = {
  name: 'tls_mgm',
  functions: [
    fn('is_peer_verified', [], ['REQUEST_ROUTE'], R, 'True when the request came over TLS with a peer certificate that verified.'),
  ],
  params: [
    strParam('tls_library', 'auto', 'TLS library: auto, openssl, wolfssl, none (tsips always uses node:tls).'),
    strParam('client_tls_domain_avp', null, 'AVP naming the client TLS domain for an outgoing connection.'),
    strParam('client_sip_domain_avp', null, 'AVP naming the SIP domain used to pick a client TLS domain.'),
    ...DOMAIN_SETTINGS.map(([name, doc]) => multiStrParam(name, doc)),
    strParam('db_url', null, 'Database holding TLS domains.'),
    strParam('db_table', 'tls_mgm', 'Table holding TLS domains.'),
    column('domain_col', 'domain'),
    column('match_ip_address_col', 'match_ip_address'),
    column('match_sip_domain_col', 'match_sip_domain'),
    column('tls_method_col', 'method'),
    column('verify_cert_col', 'verify_cert'),
    column('require_cert_col', 'require_cert'),
    column('certificate_col', 'certificate'),
    column('private_key_col', 'private_key'),
    column('crl_check_all_col', 'crl_check_all'),
    column('crl_dir_col', 'crl_dir'),
    column('ca_list_col', 'ca_list'),
    column('ca_dir_col', 'ca_dir'),
    column('ciphers_list_col', 'cipher_list'),
    column('dh_params_col', 'dh_params'),
    column('ec_curve_col', 'ec_curve'),
  ],
  pvars: TLS_PVARS.map(([name, doc]) => pvar(name, { inner: 'none' }, R, doc)),
  mi: [
    mi('tls_mgm', 'reload', { aliases: ['tls_reload'], reason: R, doc: 'Reloads the TLS domains from the database.' }),
    mi('tls_mgm', 'list', { aliases: ['tls_list'], reason: R, doc: 'Lists the TLS domains.' }),
  ],
};

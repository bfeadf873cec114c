/**
 * proto_udp: the UDP transport. Loading it is what makes `socket=udp:...` usable; it has
 * no script functions.
 */
import type { ModuleExports } from '@tsips/script';
import { intParam } from '../shared/declare';

export const proto_udp: ModuleExports = {
  name: 'proto_udp',
  params: [intParam('udp_port', 5060, 'Port of UDP sockets and UDP destinations that do not name one.')],
};

/** Route / Record-Route / Path (RFC 3261 §20.30, §20.34): lists of name-addrs. */
import { NameAddr, parseNameAddrList } from '../name-addr';

/** Parses a Route or Record-Route header body into its entries, in order. */
export function parseRoute(body: string, header = 'Route'): NameAddr[] {
  return parseNameAddrList(body, header);
}

/** Record-Route body, with errors naming "Record-Route". */
export function parseRecordRoute(body: string): NameAddr[] {
  return parseNameAddrList(body, 'Record-Route');
}

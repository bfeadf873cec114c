// Public API of @tsips/sip. Each module adds its own export line.
export * from './errors';
export { HeaderId, CANONICAL_NAMES, COMPACT_FORMS, headerId, canonicalHeaderName, compactForm, headerKey, isToken } from './header-names';
export * from './lumps';
export { parseMessage, SipMessage, unfold } from './message';
export type { Transport, ParseOptions } from './message';
export * from './framing';
export * from './reply';
// typed parsers (helper sip-parsers)
export * from './params';
export * from './uri';
export * from './name-addr';
export * from './headers/via';
export * from './headers/contact';
export * from './headers/from-to';
export * from './headers/cseq';
export * from './headers/numeric';
export * from './headers/content-type';
export * from './headers/route';
export * from './headers/digest';
export * from './headers/token-list';
export * from './sdp';

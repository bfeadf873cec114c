/**
 * The one error type of the SIP message layer. Every parser in this package
 * reports bad input by throwing a ParseError and nothing else, so callers
 * (transports, the script runtime, sipmsg_validate) can catch one type and
 * turn it into a 400, a log line or a counter.
 */
export class ParseError extends Error {
  /** Stable code for programs; the message is for people. */
  readonly code = 'SIP_PARSE_ERROR';

  constructor(
    message: string,
    /** Canonical header name the problem is in (e.g. "Via"), or the part ("start-line", "body", "uri", "sdp"). */
    readonly header: string | undefined = undefined,
    /** Byte (or character) offset into the input being parsed, when known. */
    readonly offset: number = -1,
  ) {
    super(header ? `${header}: ${message}${offset >= 0 ? ` (at offset ${offset})` : ''}` : message);
    this.name = 'ParseError';
  }
}

/** True for errors this package throws on bad input. */
export function isParseError(e: unknown): e is ParseError {
  return e instanceof ParseError;
}

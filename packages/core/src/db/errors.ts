/** The one error type of the database layer: bad URLs, driver failures, schema mismatches. */
export class DbError extends Error {
  /** Machine-readable kind, for callers that react differently (e.g. a version mismatch). */
  readonly kind: 'url' | 'driver' | 'schema' | 'version' | 'query';
  constructor(kind: DbError['kind'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbError';
    this.kind = kind;
  }
}

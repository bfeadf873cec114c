// Public API of @tsips/sip. Each module adds its own export line.
export * from './errors';

// Public API of @tsips/core.
export {};

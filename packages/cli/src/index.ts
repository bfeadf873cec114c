// Public API of @tsips/cli.
export {};

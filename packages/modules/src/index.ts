// Public API of @tsips/modules.
export {};

// Public API of @tsips/script.
export {};

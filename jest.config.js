/**
 * One jest run for every package. Tests import sibling packages by name
 * (`@tsips/sip`); the mapper points those names at the TypeScript sources so
 * tests never depend on a stale build. Type checking is done by `tsc -b`
 * (npm test runs the build first), so ts-jest only transpiles.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@tsips/(sip|script|core|modules|cli|test-support)$': '<rootDir>/packages/$1/src/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  testTimeout: 30000,
};

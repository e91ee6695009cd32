// The SDK warns on Node 20 that 2027 releases need Node 22; the lock pins a release that supports 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Three projects, all run by `npm test`: fast unit tests, CDK template tests, and integration
// tests against the local platform (DynamoDB Local, s3rver, aws-local-stepfunctions).
const shared = {
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // middy 7 is ESM-only: map to its entry and let swc transform it.
  moduleNameMapper: {
    '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
    // The SDK as flow files import it (package.json "exports"; tsx resolves it natively).
    '^dagy/sdk$': '<rootDir>/sdk/index.ts',
    '^dagy/sdk/testing$': '<rootDir>/sdk/testing.ts',
    '^dagy/sdk/compiler$': '<rootDir>/sdk/compile.ts',
  },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|aws-local-stepfunctions)/)'],
  testEnvironment: 'node',
};
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The web console in Debian's Chromium (playwright-core) against a local platform.
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The console's components and pure modules (graph layout, schema form) in jsdom.
    {
      ...shared,
      displayName: 'console',
      testMatch: ['<rootDir>/console/test/**/*.test.ts?(x)'],
      testEnvironment: 'jsdom',
      transform: {
        '^.+\\.tsx$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } } }],
        ...shared.transform,
      },
    },
  ],
  testTimeout: 30000,
  // Two workers on two cores: the integration files mostly wait on DynamoDB Local, the local
  // platform's timers and child processes, so a second file overlaps the first's waits (jest's
  // default, cores − 1, would run them one at a time).
  maxWorkers: 2,
};

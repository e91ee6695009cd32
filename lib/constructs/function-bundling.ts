import type { BuildOptions } from 'esbuild';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AWS_SERVICES, awsServicesOf, type FunctionDef } from '../../lambdas/catalogue/functions';
import { PROJECT_ROOT, fromRoot } from '../paths';

/** Prepended to every ESM bundle: CommonJS dependencies inside an ESM bundle still call require(). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __dagyCreateRequire } from 'node:module'; const require = __dagyCreateRequire(import.meta.url);";

/** Lambda's Node.js 22 runtime (lib/constructs/dagy-function.ts deploys every function on it). */
const TARGET = 'node22';
/** ESM entry points of dependencies first: their `module` builds tree-shake, CommonJS does not. */
const MAIN_FIELDS = ['module', 'main'];

/**
 * The links of the SDK's default credential chain after the environment variables, which the SDK
 * loads with `await import()` only when the link before failed. In Lambda the runtime always sets
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN and never AWS_PROFILE, so the first
 * link (fromEnv, bundled) always answers and these are never loaded: left external they cost
 * nothing, bundled they were ~90 KB of every function (SSO, STS and sign-in clients for profiles
 * and web identity, IMDS and container endpoints). test/infra/function-bundles.test.ts checks
 * they stay dynamic imports: a static import of one would fail at cold start.
 */
export const UNREACHABLE_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/**
 * The build-time switches of lambdas/shared/aws-clients.ts, one per AWS service: `false` for a
 * service the function's catalogue entry grants nothing on, so esbuild drops that SDK client
 * (e.g. the schedule evaluator carries DynamoDB, EventBridge and Step Functions, not S3, Lambda,
 * ECS, KMS, SES or SNS).
 */
export function awsClientDefines(def: FunctionDef): Record<string, string> {
  const granted = awsServicesOf(def);
  return Object.fromEntries(AWS_SERVICES.map((service) => [`__DAGY_AWS_${service.toUpperCase()}__`, String(granted.has(service))]));
}

/**
 * How NodejsFunction bundles a function (lib/constructs/dagy-function.ts): local esbuild, minified
 * ESM for Node.js 22, every dependency inside, with a source map.
 *
 * The AWS SDK is bundled, not left to the runtime's copy: the runtime's SDK v3 is the same major
 * version but its minor version changes under a deployed function (the lock pins e.g.
 * @aws-sdk/client-s3 and @aws-sdk/lib-dynamodb together, and the tests ran on those), and a
 * bundled, tree-shaken client loads faster than the runtime's from many files.
 */
export function nodejsBundling(def: FunctionDef): BundlingOptions {
  return {
    forceDockerBundling: false,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    target: TARGET,
    format: OutputFormat.ESM,
    mainFields: MAIN_FIELDS,
    banner: ESM_REQUIRE_BANNER,
    define: awsClientDefines(def),
    externalModules: UNREACHABLE_CREDENTIAL_PROVIDERS,
  };
}

/**
 * The same build through esbuild's API (the bench and the bundle-size test measure what CDK
 * deploys with this), without the source map unless asked: `outfile` is the bundle's path.
 */
export function esbuildOptions(def: FunctionDef, outfile: string, options: { sourcemap?: boolean } = {}): BuildOptions {
  return {
    entryPoints: [fromRoot(def.entry)],
    outfile,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'esm',
    mainFields: MAIN_FIELDS,
    banner: { js: ESM_REQUIRE_BANNER },
    define: awsClientDefines(def),
    external: UNREACHABLE_CREDENTIAL_PROVIDERS,
    minify: true,
    ...(options.sourcemap === true ? { sourcemap: true, sourcesContent: false } : {}),
    logLevel: 'silent',
  };
}

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { build, type Metafile } from 'esbuild';
import { AWS_SERVICES, FUNCTIONS, awsServicesOf, type AwsService, type FunctionDef, type FunctionName } from '../../lambdas/catalogue';
import { DagyFunction } from '../../lib/constructs/dagy-function';
import { UNREACHABLE_CREDENTIAL_PROVIDERS, awsClientDefines, esbuildOptions } from '../../lib/constructs/function-bundling';
import { stageConfig } from '../../lib/stage';

/** The budget: every Lambda bundle at most 1 MB minified (source map apart). */
const MAX_BUNDLE_BYTES = 1_000_000;

/** Each service's client class module: in a function's bundle exactly when the catalogue grants the service. */
const CLIENT_MODULE: Record<AwsService, string> = {
  ddb: 'node_modules/@aws-sdk/client-dynamodb/dist-es/DynamoDBClient.js',
  s3: 'node_modules/@aws-sdk/client-s3/dist-es/S3Client.js',
  events: 'node_modules/@aws-sdk/client-eventbridge/dist-es/EventBridgeClient.js',
  sfn: 'node_modules/@aws-sdk/client-sfn/dist-es/SFNClient.js',
  lambda: 'node_modules/@aws-sdk/client-lambda/dist-es/LambdaClient.js',
  ecs: 'node_modules/@aws-sdk/client-ecs/dist-es/ECSClient.js',
  kms: 'node_modules/@aws-sdk/client-kms/dist-es/KMSClient.js',
  ses: 'node_modules/@aws-sdk/client-sesv2/dist-es/SESv2Client.js',
  sns: 'node_modules/@aws-sdk/client-sns/dist-es/SNSClient.js',
};

interface Built {
  bytes: number;
  output: Metafile['outputs'][string];
}

const defs = Object.values(FUNCTIONS);
const built = new Map<FunctionName, Built>();

// Every function built as CDK deploys it (lib/constructs/function-bundling.ts), in memory. Functions
// with the same client switches share one esbuild call (one entry point each, no code splitting:
// each output is that function's whole bundle), so parsing is shared.
beforeAll(async () => {
  const groups = new Map<string, FunctionDef[]>();
  for (const def of defs) {
    const key = JSON.stringify(awsClientDefines(def));
    groups.set(key, [...(groups.get(key) ?? []), def]);
  }
  const outdir = path.join(tmpdir(), 'dagy-bundles-unwritten');
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const { outfile: _single, entryPoints: _one, ...options } = esbuildOptions(group[0]!, path.join(outdir, 'unused.mjs'));
      const result = await build({
        ...options,
        entryPoints: Object.fromEntries(group.map((def) => [def.name, path.resolve(def.entry)])),
        outdir,
        outExtension: { '.js': '.mjs' },
        write: false,
        metafile: true,
      });
      for (const def of group) {
        const file = path.join(outdir, `${def.name}.mjs`);
        const out = result.outputFiles.find((f) => f.path === file);
        const meta = Object.entries(result.metafile.outputs).find(([p]) => path.resolve(p) === file)?.[1];
        if (out === undefined || meta === undefined) throw new Error(`${def.name}: no bundle among ${result.outputFiles.map((f) => f.path).join(', ')}`);
        built.set(def.name, { bytes: out.contents.byteLength, output: meta });
      }
    }),
  );
}, 240_000);

const names = defs.map((def) => def.name);

test.each(names)('%s: the minified bundle is at most 1 MB', (name) => {
  const { bytes } = built.get(name)!;
  expect(bytes).toBeGreaterThan(1_000);
  expect(bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
});

test.each(names)('%s: carries the SDK clients of the services its catalogue entry grants, and no other', (name) => {
  const { output } = built.get(name)!;
  const inBundle = AWS_SERVICES.filter((service) => (output.inputs[CLIENT_MODULE[service]]?.bytesInOutput ?? 0) > 0);
  expect(inBundle).toEqual(AWS_SERVICES.filter((service) => awsServicesOf(FUNCTIONS[name]).has(service)));
});

test.each(names)('%s: imports nothing from outside but Node built-ins and, lazily, the unreachable credential links', (name) => {
  const { output } = built.get(name)!;
  const outside = output.imports.filter((i) => i.external === true && !isBuiltin(i.path));
  // A static import of a package that is not in the bundle would fail the cold start in Lambda.
  expect(outside.filter((i) => i.kind !== 'dynamic-import')).toEqual([]);
  for (const i of outside) expect(UNREACHABLE_CREDENTIAL_PROVIDERS).toContain(i.path);
});

test('CDK deploys the very bundle measured here: DagyFunction bundles the same bytes as esbuildOptions', async () => {
  // The smallest function whose switches leave clients out; its source map is compared apart.
  const def = FUNCTIONS['usage-meter'];
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'dagy-bundle-cdk-')) });
  const stack = new Stack(app, 'Bundles');
  new DagyFunction(stack, 'Meter', { def, stage: stageConfig('dev'), codeMode: 'bundle' });
  app.synth();
  const assets = readdirSync(app.outdir).filter((d) => d.startsWith('asset.') && readdirSync(path.join(app.outdir, d)).includes('index.mjs'));
  expect(assets).toHaveLength(1);
  const deployed = readFileSync(path.join(app.outdir, assets[0]!, 'index.mjs'), 'utf8');

  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'dagy-bundle-esbuild-')), 'index.mjs');
  await build(esbuildOptions(def, outfile, { sourcemap: true }));
  expect(deployed).toEqual(readFileSync(outfile, 'utf8'));
  expect(deployed.length).toBeLessThanOrEqual(MAX_BUNDLE_BYTES + 100);
  expect(built.get('usage-meter')!.bytes).toBeLessThan(deployed.length);
}, 120_000);

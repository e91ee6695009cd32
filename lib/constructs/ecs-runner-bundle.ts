import * as path from 'node:path';
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SingletonFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { ISource } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { buildSync, type BuildOptions } from 'esbuild';
import { ECS_RUNNER_BUNDLE_KEY } from '../../lambdas/catalogue';
import { acknowledge, acknowledgeWildcardResource } from '../nag-suppressions';
import { ECS_RUNNER_ENTRY, PROJECT_ROOT } from '../paths';
import type { StageConfig } from '../stage';
import type { BucketRef } from './bindings';
import { ESM_REQUIRE_BANNER } from './dagy-function';
import type { CodeMode } from './dagy-function';

/** `runtime/`: the folder of the artifacts bucket the deployment writes to (and only adds to). */
export const ECS_RUNNER_BUNDLE_PREFIX = `${path.posix.dirname(ECS_RUNNER_BUNDLE_KEY)}/`;
/** `ecs-runner.mjs`: the file inside the deployed asset, so prefix + file is the contract's key. */
export const ECS_RUNNER_BUNDLE_FILE = path.posix.basename(ECS_RUNNER_BUNDLE_KEY);

/** Placeholder runner: the container fails loudly if a placeholder synth is ever deployed and run. */
const PLACEHOLDER_RUNNER =
  'throw new Error("placeholder ECS runner: this stack was synthesized with dagy:skipBundling");\n';

/**
 * Bundles lambdas/execution/ecs-runner.ts into `<outputDir>/ecs-runner.mjs` with the local esbuild
 * (no Docker): one ESM file for Node.js 22 with every dependency inside, the SDK included, minified
 * with its names kept (a stack trace names its functions). Its source map goes beside it
 * (`ecs-runner.mjs.map`, deployed with it, for reading a trace afterwards) and is not loaded by the
 * container: every run starts a container, and parsing an inline map on each start cost more CPU
 * than loading the code (bench/PROFILE-NOTES.md, fourth pass).
 */
export function bundleEcsRunner(outputDir: string): string {
  const outfile = path.join(outputDir, ECS_RUNNER_BUNDLE_FILE);
  buildSync(ecsRunnerBuildOptions(outfile));
  return outfile;
}

/** The esbuild options of bundleEcsRunner (tests read the same build's metafile). */
export function ecsRunnerBuildOptions(outfile: string): BuildOptions {
  return {
    entryPoints: [ECS_RUNNER_ENTRY],
    outfile,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    keepNames: true,
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'warning',
  };
}

export interface EcsRunnerBundleProps {
  /** The artifacts bucket, where the orchestrator presigns GETs of the bundle. */
  readonly artifacts: BucketRef;
  readonly stage: StageConfig;
  readonly codeMode: CodeMode;
}

/**
 * The ECS runner's code, deployed to `runtime/ecs-runner.mjs` in the artifacts bucket: the Fargate
 * task runs a stock Node.js image whose command downloads that object (DAGY_RUNNER_URL) and imports
 * it. `bundle` builds it at synth with esbuild; `placeholder` (dagy:skipBundling) deploys a one-line
 * file that throws, and changes nothing else. The upload is a BucketDeployment that never prunes, so
 * the rest of the bucket (flow artifacts, run outputs) is left alone.
 */
export class EcsRunnerBundle extends Construct {
  readonly deployment: BucketDeployment;
  /** The deployment handler's own role: no AWS managed policy, log writes on its own group only. */
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: EcsRunnerBundleProps) {
    super(scope, id);
    const { artifacts, stage, codeMode } = props;

    this.role = new Role(this, 'HandlerRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Dagy ${stage.name} ECS runner bundle upload (CDK BucketDeployment handler)`,
    });
    this.logGroup = new LogGroup(this, 'HandlerLogs', { retention: stage.logRetention, removalPolicy: stage.removalPolicy });
    this.logGroup.grantWrite(this.role);

    const destination = Bucket.fromBucketAttributes(this, 'Artifacts', {
      bucketName: artifacts.bucketName,
      bucketArn: artifacts.bucketArn,
    });
    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [runnerSource(codeMode)],
      destinationBucket: destination,
      destinationKeyPrefix: ECS_RUNNER_BUNDLE_PREFIX,
      // Without pruning, objects the deployment did not write (everything outside this one key)
      // are never deleted.
      prune: false,
      extract: true,
      role: this.role,
      logGroup: this.logGroup,
    });

    this.acknowledgeFindings(artifacts);
  }

  /** The Lambda function behind the deployment: a singleton that CDK creates at the stack's root. */
  get handlerFunction(): IConstruct {
    const singleton = this.deployment.node.children.find((child): child is SingletonFunction => child instanceof SingletonFunction);
    if (!singleton) throw new Error('BucketDeployment created no singleton handler function');
    return Stack.of(this).node.findChild(singleton.constructName);
  }

  /**
   * The findings of aws-cdk-lib's BucketDeployment, whose grants and runtime the construct fixes
   * (the role above already avoids its AWSLambdaBasicExecutionRole managed policy).
   */
  private acknowledgeFindings(artifacts: BucketRef): void {
    const fixedGrants =
      "aws-cdk-lib's BucketDeployment grants its handler (a role used by this deployment only) grantRead on the CDK assets bucket and grantReadWrite on the destination bucket; the action lists are fixed by the construct.";
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      `${fixedGrants} s3:GetObject* reads the runner zip from the assets bucket and the deployed object's metadata.`,
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      `${fixedGrants} s3:GetBucket* lets aws s3 sync read the buckets' location and settings; no policy or ACL is changed.`,
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Action::s3:List*]',
      `${fixedGrants} s3:List* lets aws s3 sync compare what is already under ${ECS_RUNNER_BUNDLE_PREFIX} with the bundle.`,
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      `${fixedGrants} With prune: false the handler syncs without --delete, so it deletes no object of the artifacts bucket.`,
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      `${fixedGrants} s3:Abort* only abandons the handler's own failed multipart upload of the bundle.`,
    );
    acknowledgeWildcardResource(
      this.role,
      `${artifacts.bucketArn}/*`,
      `BucketDeployment grants on every object of the destination bucket; the handler writes ${ECS_RUNNER_BUNDLE_KEY} only (destinationKeyPrefix ${ECS_RUNNER_BUNDLE_PREFIX}, one file) and never deletes (prune: false).`,
    );
    acknowledgeWildcardResource(
      this.role,
      this.sourceAsset.bucket.arnForObjects('*'),
      'The CDK bootstrap assets bucket: the runner zip sits there under a content-hash key, and BucketDeployment grants read of its objects so the handler can fetch it.',
    );
    acknowledge(
      this.handlerFunction,
      'AwsSolutions-L1',
      "The BucketDeployment handler runtime (Python) is chosen by aws-cdk-lib's bucket-deployment provider and cannot be set; it runs only during deployments and moves to newer runtimes with aws-cdk-lib upgrades.",
    );
  }

  /** The asset the deployment uploads from (bundle or placeholder). */
  private get sourceAsset(): Asset {
    const asset = this.deployment.node.children.find((child): child is Asset => child instanceof Asset);
    if (!asset) throw new Error('BucketDeployment created no source asset');
    return asset;
  }
}

function runnerSource(codeMode: CodeMode): ISource {
  if (codeMode === 'placeholder') return Source.data(ECS_RUNNER_BUNDLE_FILE, PLACEHOLDER_RUNNER);
  return Source.asset(path.dirname(ECS_RUNNER_ENTRY), {
    // Hash the bundle, not its source folder: a deploy uploads only when the runner changed.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: local bundling either succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleEcsRunner(outputDir);
          return true;
        },
      },
    },
  });
}

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { ISource } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { CONSOLE_CSP, CONSOLE_DIST } from '../../console/serving';
import { acknowledge } from '../nag-suppressions';
import { fromRoot } from '../paths';
import type { StageConfig } from '../stage';
import type { ApiStack } from './api-stack';

/** `build`: deploy console/dist (it must exist); `placeholder`: a one-page stand-in (tests, like placeholder Lambda code). */
export type ConsoleAssets = 'build' | 'placeholder';

export interface ConsoleStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly api: ApiStack;
  readonly assets: ConsoleAssets;
}

/**
 * Paths that are not files are the single-page app's routes: CloudFront serves them index.html.
 * Done in a viewer-request function on the bucket behaviour only: a distribution-wide custom
 * error response would also turn the API's JSON 404s under /v1/* into the HTML page.
 */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

function consoleSource(assets: ConsoleAssets): ISource {
  if (assets === 'placeholder') return Source.data('index.html', '<!doctype html><title>Dagy</title><p>Placeholder console: synthesized without console/dist.</p>');
  const dist = fromRoot(CONSOLE_DIST);
  if (!existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${CONSOLE_DIST}/index.html is missing: run \`npm run build:console\` before synthesizing (\`npm run synth\` does it).`);
  }
  return Source.asset(dist);
}

/**
 * The web console in AWS: a private bucket read by CloudFront through origin access control,
 * `/v1/*` routed by the same distribution to the HTTP API so the browser stays on one origin
 * (no CORS), and security headers from a response headers policy.
 */
export class ConsoleStack extends Stack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { stage } = props;

    // CloudFront standard logging writes with an ACL, so this bucket keeps ACLs for the log writer.
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: stage.accessLogExpiration }],
      removalPolicy: stage.removalPolicy,
    });
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: stage.removalPolicy,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Dagy ${stage.name} console security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      code: FunctionCode.fromInline(SPA_REWRITE),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Console routes (paths without a file extension) are served index.html',
    });
    const apiOrigin = new HttpOrigin(`${props.api.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Dagy ${stage.name} console and API`,
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        // The API: never cached, every method, all viewer headers (Authorization, x-dagy-org) but Host.
        '/v1/*': {
          origin: apiOrigin,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });

    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [consoleSource(props.assets)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
    });
    this.acknowledgeDeploymentHandler(deployment);

    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'The console is for the organizations of any country the product serves: no geo restriction; tenants are separated by authentication, not by location.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAF web ACL by default: the HTTP API behind /v1/* is throttled per stage and every route but the catalogued public ones has the Lambda authorizer; an operator can attach a web ACL per account.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'Served on the default *.cloudfront.net certificate (no custom domain in this app), which cannot pin a minimum TLS version; a custom domain and certificate would set TLSv1.2_2021.',
    );

    new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.distribution.distributionDomainName}/`, description: 'Open the Dagy console' });
  }

  /** BucketDeployment's handler is CDK's own singleton function, created beside the construct at the stack root. */
  private acknowledgeDeploymentHandler(deployment: BucketDeployment): void {
    const handler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler === undefined) throw new Error(`no BucketDeployment handler found for ${deployment.node.path}`);
    const copyOnly = 'the aws-s3-deployment handler (CDK-managed code) copies the build from the CDK asset bucket into the console bucket and deletes stale files';
    acknowledge(handler, 'AwsSolutions-L1', `The runtime of ${copyOnly}; CDK chooses and upgrades it with aws-cdk-lib, the app does not run code of its own there.`);
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `AWSLambdaBasicExecutionRole only lets ${copyOnly} write its own CloudWatch logs.`,
    );
    for (const action of ['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*']) {
      acknowledge(handler, `AwsSolutions-IAM5[Action::${action}]`, `${action} is granted by grantRead/grantReadWrite to ${copyOnly}, scoped to those two buckets.`);
    }
    acknowledge(
      handler,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*]`,
      `Every object of the console bucket: ${copyOnly}, so it replaces the whole site on each deploy.`,
    );
    acknowledge(
      handler,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      `The CDK bootstrap asset bucket's objects: ${copyOnly}; the asset key is only known at deploy time.`,
    );
    acknowledge(
      handler,
      'AwsSolutions-IAM5[Resource::*]',
      'cloudfront:CreateInvalidation and GetInvalidation, granted by BucketDeployment to invalidate /index.html after a deploy, are not scoped by CDK to the distribution.',
    );
  }
}

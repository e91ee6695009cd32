import { Match } from 'aws-cdk-lib/assertions';
import { CONSOLE_CSP } from '../../console/serving';
import { synthDagy } from './synth';
import type { Synth } from './synth';

let synth: Synth;
beforeAll(() => {
  synth = synthDagy('dev');
});

const resourcesOf = (type: string) => Object.entries(synth.console.findResources(type));

describe('console stack', () => {
  test('the console bucket is private: public access blocked, TLS only, no website hosting, access-logged', () => {
    const site = resourcesOf('AWS::S3::Bucket').find(([id]) => id.startsWith('Site'));
    expect(site).toBeDefined();
    const [siteId, bucket] = site!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'site/' });
    const policies = resourcesOf('AWS::S3::BucketPolicy').filter(([, p]) => JSON.stringify(p.Properties.Bucket).includes(siteId));
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // The only principal allowed to read is CloudFront, for this distribution (origin access control).
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const s of allows) {
      expect(s.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(JSON.stringify(s.Condition)).toContain('AWS:SourceArn');
    }
  });

  test('CloudFront reads the bucket through origin access control, not a legacy OAI', () => {
    synth.console.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    synth.console.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
    synth.console.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
    const [, dist] = resourcesOf('AWS::CloudFront::Distribution')[0]!;
    const s3Origin = (dist.Properties.DistributionConfig.Origins as Array<Record<string, any>>).find((o) => o.S3OriginConfig !== undefined);
    expect(s3Origin?.OriginAccessControlId).toBeDefined();
    expect(s3Origin?.S3OriginConfig.OriginAccessIdentity).toBe('');
  });

  test('/v1/* goes to the HTTP API over HTTPS, uncached, with every method and the viewer headers but Host', () => {
    const [, dist] = resourcesOf('AWS::CloudFront::Distribution')[0]!;
    const config = dist.Properties.DistributionConfig;
    const behaviors = config.CacheBehaviors as Array<Record<string, any>>;
    expect(behaviors).toHaveLength(1);
    const api = behaviors[0]!;
    expect(api.PathPattern).toBe('/v1/*');
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']));
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
    expect(api.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // Managed-AllViewerExceptHostHeader
    expect(api.ViewerProtocolPolicy).toBe('https-only');
    const origin = (config.Origins as Array<Record<string, any>>).find((o) => o.Id === api.TargetOriginId);
    expect(origin?.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    // The API's own id, imported from the API stack: the execute-api host of this stage's HTTP API.
    expect(JSON.stringify(origin?.DomainName)).toContain('execute-api');
    expect(JSON.stringify(origin?.DomainName)).toContain('HttpApi');
    // Console routes get index.html from a viewer-request function on the bucket behaviour only:
    // no distribution-wide error page that would also rewrite the API's 404s.
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([expect.objectContaining({ EventType: 'viewer-request' })]);
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  test('security headers on both behaviours: the CSP, HSTS, nosniff, DENY framing, referrer policy', () => {
    synth.console.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CSP, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
        },
      }),
    });
    const [policyId] = resourcesOf('AWS::CloudFront::ResponseHeadersPolicy')[0]!;
    const [, dist] = resourcesOf('AWS::CloudFront::Distribution')[0]!;
    const config = dist.Properties.DistributionConfig;
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  test('the build is deployed by a BucketDeployment into the console bucket, invalidating index.html', () => {
    const [, deploy] = resourcesOf('Custom::CDKBucketDeployment')[0]!;
    const siteId = resourcesOf('AWS::S3::Bucket').find(([id]) => id.startsWith('Site'))![0];
    expect(deploy.Properties.DestinationBucketName).toEqual({ Ref: siteId });
    expect(deploy.Properties.DistributionPaths).toEqual(['/index.html']);
  });

  test('CloudFront access logs go to a private, expiring log bucket', () => {
    const [, dist] = resourcesOf('AWS::CloudFront::Distribution')[0]!;
    expect(dist.Properties.DistributionConfig.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    const logs = resourcesOf('AWS::S3::Bucket').find(([id]) => id.startsWith('Logs'))![1];
    expect(logs.Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    expect(logs.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(30);
  });
});

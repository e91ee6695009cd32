import { HTTP_DOMAINS, ROUTES, routeKey } from '../../lambdas/catalogue';
import type { HttpDomain } from '../../lambdas/catalogue';
import { stageConfig } from '../../lib/stage';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { logicalIdOf, resources } from './template-helpers';
import type { CfnResource, Json } from './template-helpers';

let dev: Synth;
let routesByKey: Map<string, CfnResource>;
beforeAll(() => {
  dev = synthDagy('dev');
  routesByKey = new Map(
    Object.values(resources(dev.api, 'AWS::ApiGatewayV2::Route')).map((r) => [r.Properties?.RouteKey as string, r]),
  );
});

/** The function logical id an integration (referenced as `integrations/<id>`) proxies to. */
function integrationFunctionId(route: CfnResource): string {
  const target = route.Properties?.Target as { 'Fn::Join': [string, unknown[]] };
  const integrationRef = target['Fn::Join'][1][1] as { Ref: string };
  const integration = resources(dev.api, 'AWS::ApiGatewayV2::Integration')[integrationRef.Ref];
  expect(integration?.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  return ((integration!.Properties!.IntegrationUri as Json)['Fn::GetAtt'] as string[])[0]!;
}

function domainFunctionId(domain: HttpDomain): string {
  return logicalIdOf(dev.stacks.api.functions[domain].function);
}

describe('HTTP API from the routes catalogue', () => {
  test('one route per catalogue entry, plus $default, and nothing else', () => {
    expect(routesByKey.size).toBe(ROUTES.length + 1);
    expect(routesByKey.has('$default')).toBe(true);
  });

  test.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s', (key, route) => {
    const cfn = routesByKey.get(key);
    expect(cfn).toBeDefined();
    // Routed to its domain's function (one function per domain, a router inside).
    expect(integrationFunctionId(cfn!)).toBe(domainFunctionId(route.domain));
    if (route.permission === 'public') {
      expect(cfn!.Properties?.AuthorizationType).toBe('NONE');
      expect(cfn!.Properties?.AuthorizerId).toBeUndefined();
    } else {
      expect(cfn!.Properties?.AuthorizationType).toBe('CUSTOM');
      expect(cfn!.Properties?.AuthorizerId).toEqual({ Ref: expect.any(String) });
    }
  });

  test('$default goes to http-platform without the authorizer', () => {
    const cfn = routesByKey.get('$default')!;
    expect(integrationFunctionId(cfn)).toBe(domainFunctionId('platform'));
    expect(cfn.Properties?.AuthorizationType).toBe('NONE');
  });

  test('the Lambda authorizer: REQUEST, simple responses, Authorization header, 30 s cache', () => {
    const authorizers = Object.entries(resources(dev.api, 'AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 30,
    });
    expect(JSON.stringify(authorizer.Properties?.AuthorizerUri)).toContain(logicalIdOf(dev.stacks.api.functions.authorizer.function));
    for (const route of ROUTES.filter((r) => r.permission !== 'public')) {
      expect(routesByKey.get(routeKey(route))!.Properties?.AuthorizerId).toEqual({ Ref: authorizerId });
    }
  });

  test('one API invoke permission per domain function, however many routes it serves', () => {
    const permissions = Object.values(resources(dev.api, 'AWS::Lambda::Permission'));
    for (const domain of HTTP_DOMAINS) {
      const fnId = domainFunctionId(domain);
      const mine = permissions.filter(
        (p) => JSON.stringify(p.Properties?.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
      );
      const routed = domain === 'platform' || ROUTES.some((r) => r.domain === domain);
      expect(mine).toHaveLength(routed ? 1 : 0);
      for (const p of mine) expect(p.Properties?.Principal).toBe('apigateway.amazonaws.com');
    }
    expect(permissions.length).toBeLessThanOrEqual(HTTP_DOMAINS.length + 1);
  });

  test('the $default stage logs access and throttles', () => {
    const stages = Object.values(resources(dev.api, 'AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const props = stages[0]!.Properties!;
    expect(props.StageName).toBe('$default');
    expect(props.AutoDeploy).toBe(true);
    const accessLog = props.AccessLogSettings as { DestinationArn: Json; Format: string };
    expect(accessLog.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(JSON.parse(accessLog.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    const { rateLimit, burstLimit } = stageConfig('dev').apiThrottle;
    expect(props.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit });
  });
});

import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV, FUNCTIONS, HTTP_DOMAINS, ROUTES, httpFunctionName, routeKey } from '../../lambdas/catalogue';
import type { FunctionName, HttpDomain, RouteDef } from '../../lambdas/catalogue';
import type { CatalogueResources } from '../constructs/bindings';
import { DagyFunction } from '../constructs/dagy-function';
import type { CodeMode } from '../constructs/dagy-function';
import { REASONS, acknowledge } from '../nag-suppressions';
import { pascal } from '../names';
import type { StageConfig } from '../stage';
import type { DataStack } from './data-stack';
import type { OrchestrationStack } from './orchestration-stack';

/** The functions this stack hosts: one per HTTP domain (a router inside each) and the authorizer. */
export function apiFunctionNames(): FunctionName[] {
  return [...HTTP_DOMAINS.map(httpFunctionName), 'authorizer'];
}

export interface ApiStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly orchestration: OrchestrationStack;
  readonly codeMode: CodeMode;
  /** Defaults to the routes catalogue; tests pass their own list to exercise every branch. */
  readonly routes?: readonly RouteDef[];
}

/**
 * The HTTP API, built from the routes catalogue: each route goes to its domain's function; routes
 * that need a permission go through the Lambda authorizer; anything else reaches http-platform
 * through $default, which answers 404/405 in the API's error shape.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Record<HttpDomain | 'authorizer', DagyFunction>;
  readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { stage, data, orchestration, codeMode } = props;
    const routes = props.routes ?? ROUTES;

    const resources: CatalogueResources = { ...data.importInto(this), ...orchestration.importInto(this) };
    const domainFunctions = Object.fromEntries(
      HTTP_DOMAINS.map((domain) => [
        domain,
        new DagyFunction(this, `Http${pascal(domain)}`, { def: FUNCTIONS[httpFunctionName(domain)], stage, codeMode }),
      ]),
    ) as Record<HttpDomain, DagyFunction>;
    const authorizerFunction = new DagyFunction(this, 'Authorizer', { def: FUNCTIONS.authorizer, stage, codeMode });
    this.functions = { ...domainFunctions, authorizer: authorizerFunction };
    for (const fn of Object.values(this.functions)) fn.bindCatalogue(resources);
    // The stage's signup setting, read once by lambdas/identity/identity-config.ts.
    domainFunctions.identity.addEnvironment(ENV.signupEnabled, String(stage.signupEnabled));

    this.api = new HttpApi(this, 'HttpApi', {
      description: `Dagy ${stage.name} HTTP API`,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: stage.logRetention, removalPolicy: stage.removalPolicy });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: stage.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    // One integration (and one invoke permission) per domain, shared by all its routes: the
    // function's resource policy stays small however many routes the catalogue grows to.
    const integrations = Object.fromEntries(
      HTTP_DOMAINS.map((domain) => [
        domain,
        new HttpLambdaIntegration(`${pascal(domain)}Integration`, domainFunctions[domain].function, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
          scopePermissionToRoute: false,
        }),
      ]),
    ) as Record<HttpDomain, HttpLambdaIntegration>;

    this.authorizer = new HttpLambdaAuthorizer('Authorizer', authorizerFunction.function, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // Short cache: a revoked credential or a changed role takes effect within 30 s in AWS
      // (the local gateway does not cache, so tests see revocations at once).
      resultsCacheTtl: Duration.seconds(30),
    });

    for (const route of routes) {
      const isPublic = route.permission === 'public';
      const httpRoute = new HttpRoute(this, `Route ${routeKey(route)}`.replace(/[^A-Za-z0-9 _.{}-]/g, '_'), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrations[route.domain],
        authorizer: isPublic ? undefined : this.authorizer,
      });
      if (isPublic) acknowledge(httpRoute, 'AwsSolutions-APIG4', REASONS.publicRoute);
    }
    const defaultRoute = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrations.platform,
    });
    acknowledge(defaultRoute, 'AwsSolutions-APIG4', REASONS.defaultRoute);

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the Dagy HTTP API' });
    new CfnOutput(this, 'IdentityFunctionName', {
      value: domainFunctions.identity.function.functionName,
      description: 'Invoked once by `dagy admin bootstrap` to create the first owner (docs/operations.md)',
    });
  }
}

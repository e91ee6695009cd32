import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { AWS_SERVICES, ENV, FUNCTIONS, awsServicesOf, requiredEnvVars, type AwsService, type FunctionName } from '../../../lambdas/catalogue';
import { createAwsClients } from '../../../lambdas/shared/aws-clients';
import { ConfigError, loadFunctionConfig } from '../../../lambdas/shared/config';

function clientsOf(name: FunctionName) {
  const env: Record<string, string> = {};
  for (const v of requiredEnvVars(FUNCTIONS[name])) env[v] = 'x';
  return createAwsClients(loadFunctionConfig(name, { ...env, [ENV.kmsKeyId]: 'arn:aws:kms:us-east-1:111111111111:key/k' }));
}

describe('awsServicesOf', () => {
  it('follows the catalogue entry: tables, buckets bound for more than their name, capabilities', () => {
    expect([...awsServicesOf(FUNCTIONS['usage-meter'])]).toEqual(['ddb']);
    expect([...awsServicesOf(FUNCTIONS['http-flows'])].sort()).toEqual(['ddb', 's3']);
    // The ingest bucket is bound by name only (to validate sensor configurations): no S3 client.
    expect([...awsServicesOf(FUNCTIONS['http-sensors'])].sort()).toEqual(['ddb', 'events', 'kms', 'sfn']);
    expect([...awsServicesOf(FUNCTIONS['run-orchestrator'])].sort()).toEqual(['ddb', 'ecs', 'events', 'kms', 'lambda', 's3', 'sfn']);
    expect([...awsServicesOf(FUNCTIONS['alert-dispatcher'])].sort()).toEqual(['ddb', 'kms', 'ses', 'sns']);
    // Tenant code's function binds nothing and gets nothing.
    expect([...awsServicesOf(FUNCTIONS['code-executor'])]).toEqual([]);
  });
});

describe('createAwsClients', () => {
  it('builds the clients of granted services, once', () => {
    const aws = clientsOf('http-flows');
    expect(aws.ddb).toBeInstanceOf(DynamoDBDocumentClient);
    expect(aws.s3).toBeInstanceOf(S3Client);
    expect(aws.s3).toBe(aws.s3);
    aws.destroy();
  });

  it('refuses, locally as in a Lambda bundle, a client of a service the catalogue grants nothing on', () => {
    const aws = clientsOf('usage-meter');
    const refused = AWS_SERVICES.filter((service: AwsService) => service !== 'ddb');
    for (const service of refused) {
      expect(() => aws[service]).toThrow(ConfigError);
      expect(() => aws[service]).toThrow(`function usage-meter has no ${service} client`);
    }
    aws.destroy();
  });
});

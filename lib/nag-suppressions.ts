import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag (AwsSolutions) acknowledgement of the app, each with its reason. cdk-nag 3 reads
 * CDK's native `Validations.of(x).acknowledge()`; IAM5 findings are acknowledged one by one by
 * their exact id (`AwsSolutions-IAM5[Resource::...]`), so a new wildcard is never hidden by an old
 * reason.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Acknowledges the IAM5 finding a wildcard resource ARN produces in `scope`'s policies. */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${nagResourceId(Stack.of(scope).resolve(resourceArn))}]`, reason);
}

/**
 * How cdk-nag names a resource in a finding id: intrinsics flattened to text (Ref → <Id>,
 * GetAtt → <Id.Attr>, ImportValue → its export name, Join joined, `${` → `<`).
 */
export function nagResourceId(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(nagResourceId).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return nagResourceId(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [id, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${nagResourceId(id)}.${nagResourceId(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return nagResourceId(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${nagResourceId(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** Reasons shared by several constructs, in one place. */
export const REASONS = {
  nodeRuntime:
    'Node.js 22 is the runtime the project pins for every Lambda (the runtime code and its locked dependencies are tested on it); moving to a newer major is a deliberate upgrade, not a lint fix.',
  xrayWildcard:
    'X-Ray tracing (active on every function and the state machine): xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  taskTokenCallbacks:
    'Task-token callbacks (states:SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) do not support resource-level permissions: a task token is not an ARN, so these actions are only allowed on Resource "*".',
  logDeliveryWildcard:
    'Step Functions logging to CloudWatch Logs: the logs:*LogDelivery and resource-policy actions do not support resource-level permissions (AWS documents Resource "*").',
  ecsEnvironment:
    'The runner container environment holds only resource names (tables, bucket, bus, key id), no secrets: secrets are envelope-encrypted in DynamoDB and decrypted by the runner with KMS.',
  publicRoute:
    'Public by design in the routes catalogue (health, OpenAPI, login, signed webhooks): the handler authenticates what needs it; every other route has the Lambda authorizer.',
  defaultRoute:
    'The $default catch-all only answers 404/405 in the error shape (http-platform); it reaches no data, and requiring auth would turn unknown paths into 401s.',
} as const;

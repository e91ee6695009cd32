import { Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { BucketName, EntityName, FunctionDef } from '../../lambdas/catalogue';
import type { DagyFunction } from '../../lib/constructs/dagy-function';
import type { Synth } from './synth';

export type Json = Record<string, unknown>;

export interface CfnResource {
  Type: string;
  Properties?: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: Json;
}

export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).getLogicalId(element);
}

export function resources(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

export function resource(template: Template, logicalId: string): CfnResource {
  const found = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}`);
  return found;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Every Allow/Deny statement of the IAM policies attached to `roleLogicalId`. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const statements: Statement[] = [];
  for (const policy of Object.values(resources(template, 'AWS::IAM::Policy'))) {
    const roles = asArray(policy.Properties?.Roles);
    if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    const document = policy.Properties?.PolicyDocument as { Statement: Json[] };
    for (const s of document.Statement) {
      statements.push({
        Effect: s.Effect as string,
        Action: asArray(s.Action) as string[],
        Resource: asArray(s.Resource),
        Condition: s.Condition as Json | undefined,
      });
    }
  }
  return statements;
}

/** What a resource reference in a consumer stack points at, through the data stack's exports. */
export type Target =
  | { kind: 'table'; entity: EntityName; index?: string }
  | { kind: 'bucket'; name: BucketName; objects: boolean }
  | { kind: 'other'; text: string };

export class DataIndex {
  private readonly exportValues = new Map<string, unknown>();
  private readonly tableByLogicalId = new Map<string, EntityName>();
  private readonly bucketByLogicalId = new Map<string, BucketName>();

  constructor(synth: Synth) {
    const outputs = (synth.data.toJSON() as { Outputs: Record<string, { Value: unknown; Export?: { Name: string } }> }).Outputs;
    for (const output of Object.values(outputs)) {
      if (output.Export) this.exportValues.set(output.Export.Name, output.Value);
    }
    for (const [entity, table] of Object.entries(synth.stacks.data.tables)) {
      this.tableByLogicalId.set(logicalIdOf(table), entity as EntityName);
    }
    for (const [name, bucket] of Object.entries(synth.stacks.data.buckets)) {
      this.bucketByLogicalId.set(logicalIdOf(bucket), name as BucketName);
    }
  }

  /** The data-stack value an `Fn::ImportValue` stands for, or undefined. */
  imported(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || !('Fn::ImportValue' in value)) return undefined;
    return this.exportValues.get((value as { 'Fn::ImportValue': string })['Fn::ImportValue']);
  }

  /** The data-stack resource logical id behind an import ({Ref} or {Fn::GetAtt}), or undefined. */
  importedLogicalId(value: unknown): string | undefined {
    const resolved = this.imported(value) as Json | undefined;
    if (!resolved) return undefined;
    if (typeof resolved.Ref === 'string') return resolved.Ref;
    if (Array.isArray(resolved['Fn::GetAtt'])) return resolved['Fn::GetAtt'][0] as string;
    return undefined;
  }

  entityOf(value: unknown): EntityName | undefined {
    const id = this.importedLogicalId(value);
    return id === undefined ? undefined : this.tableByLogicalId.get(id);
  }

  bucketOf(value: unknown): BucketName | undefined {
    const id = this.importedLogicalId(value);
    return id === undefined ? undefined : this.bucketByLogicalId.get(id);
  }

  /** `<bucket>/<prefix>` for an object ARN under a key prefix (e.g. artifacts/runs/*), else null. */
  bucketPrefixOf(ref: unknown): string | null {
    const join = (ref as Json | null)?.['Fn::Join'] as [string, unknown[]] | undefined;
    if (!join || join[0] !== '' || join[1].length !== 2 || typeof join[1][1] !== 'string') return null;
    const [head, tail] = join[1] as [unknown, string];
    const bucket = this.bucketOf(head);
    const prefix = /^\/(.+\/\*)$/.exec(tail);
    return bucket && prefix && tail !== '/*' ? `${bucket}/${prefix[1]}` : null;
  }

  classify(ref: unknown): Target {
    const entity = this.entityOf(ref);
    if (entity) return { kind: 'table', entity };
    const bucket = this.bucketOf(ref);
    if (bucket) return { kind: 'bucket', name: bucket, objects: false };
    const join = (ref as Json | null)?.['Fn::Join'] as [string, unknown[]] | undefined;
    if (join && join[0] === '' && join[1].length === 2 && typeof join[1][1] === 'string') {
      const [head, tail] = join[1] as [unknown, string];
      const joinedEntity = this.entityOf(head);
      const index = /^\/index\/(.+)$/.exec(tail);
      if (joinedEntity && index) return { kind: 'table', entity: joinedEntity, index: index[1] };
      const joinedBucket = this.bucketOf(head);
      if (joinedBucket && tail === '/*') return { kind: 'bucket', name: joinedBucket, objects: true };
    }
    return { kind: 'other', text: JSON.stringify(ref) };
  }
}

export interface HostedFunction {
  readonly def: FunctionDef;
  readonly construct: DagyFunction;
  readonly template: Template;
  readonly functionId: string;
  readonly roleId: string;
}

/** Every Dagy function of the app with the template of the stack that hosts it. */
export function hostedFunctions(synth: Synth): HostedFunction[] {
  const groups: [Template, DagyFunction[]][] = [
    [synth.orchestration, Object.values(synth.stacks.orchestration.functions)],
    [synth.api, Object.values(synth.stacks.api.functions)],
    [synth.events, Object.values(synth.stacks.events.functions).filter((f): f is DagyFunction => f !== undefined)],
  ];
  return groups.flatMap(([template, fns]) =>
    fns.map((construct) => ({
      def: construct.def,
      construct,
      template,
      functionId: logicalIdOf(construct.function),
      roleId: logicalIdOf(construct.role),
    })),
  );
}

/** DynamoDB actions per table (and the GSIs named) that `statements` allow. */
export function tableGrants(
  index: DataIndex,
  statements: Statement[],
): Map<EntityName, { actions: Set<string>; indexes: Set<string> }> {
  const grants = new Map<EntityName, { actions: Set<string>; indexes: Set<string> }>();
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    for (const ref of s.Resource) {
      const target = index.classify(ref);
      if (target.kind !== 'table') continue;
      const entry = grants.get(target.entity) ?? { actions: new Set<string>(), indexes: new Set<string>() };
      for (const action of s.Action) entry.actions.add(action);
      if (target.index) entry.indexes.add(target.index);
      grants.set(target.entity, entry);
    }
  }
  return grants;
}

export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENTITIES, FUNCTIONS, tableEnvVar } from '../../lambdas/catalogue';
import type { BucketName, EntityName, FunctionDef, FunctionName } from '../../lambdas/catalogue';
import { functionPlacement } from '../../lib/app';
import type { CatalogueResources } from '../../lib/constructs/bindings';
import { DagyFunction, missingEntries } from '../../lib/constructs/dagy-function';
import { stageConfig, stageFromContext } from '../../lib/stage';
import { roleStatements, logicalIdOf } from './template-helpers';

const tableArn = (entity: string): string => `arn:aws:dynamodb:eu-west-1:111111111111:table/${entity}`;
const resources: CatalogueResources = {
  tables: Object.fromEntries(ENTITIES.map((e) => [e, { tableName: `${e}-table`, tableArn: tableArn(e) }])) as Record<
    EntityName,
    { tableName: string; tableArn: string }
  >,
  buckets: {
    artifacts: { bucketName: 'artifacts', bucketArn: 'arn:aws:s3:::artifacts' },
    ingest: { bucketName: 'ingest', bucketArn: 'arn:aws:s3:::ingest' },
  } as Record<BucketName, { bucketName: string; bucketArn: string }>,
  secretsKey: { keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k' },
  eventBus: { eventBusName: 'bus', eventBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/bus' },
};

function probe(def: FunctionDef): { stack: Stack; fn: DagyFunction } {
  const stack = new Stack(new App(), 'Probe');
  return { stack, fn: new DagyFunction(stack, 'Fn', { def, stage: stageConfig('dev'), codeMode: 'placeholder' }) };
}

describe('stage', () => {
  test('an unknown stage stops the synth with the accepted values', () => {
    expect(() => stageFromContext(new App({ context: { stage: 'qa' } }))).toThrow(/Unknown stage "qa".*dev\|prod/);
    expect(() => stageFromContext(new App({ context: { stage: undefined } }))).toThrow(/Unknown stage/);
  });

  test('dev destroys and keeps logs briefly; prod retains, protects tables, keeps logs longer', () => {
    const dev = stageFromContext(new App({ context: { stage: 'dev' } }));
    const prod = stageFromContext(new App({ context: { stage: 'prod' } }));
    expect(dev.removalPolicy).toBe('destroy');
    expect(prod.removalPolicy).toBe('retain');
    expect(dev.tableDeletionProtection).toBe(false);
    expect(prod.tableDeletionProtection).toBe(true);
    expect(prod.logRetention).toBeGreaterThan(dev.logRetention);
  });
});

describe('DagyFunction bindings', () => {
  test('bindTable(append) sets the variable and grants PutItem on that table only', () => {
    const { stack, fn } = probe({ ...FUNCTIONS['http-platform'], tables: {}, buckets: {} });
    fn.bindTable('AuditLog', resources.tables.AuditLog, 'append');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [tableEnvVar('AuditLog')]: 'AuditLog-table' } },
    });
    const dynamo = roleStatements(template, logicalIdOf(fn.role)).filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([{ Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [tableArn('AuditLog')], Condition: undefined }]);
  });

  test('bindTable(read) names each catalogued GSI instead of index/*', () => {
    const { stack, fn } = probe({ ...FUNCTIONS['http-platform'], tables: {}, buckets: {} });
    fn.bindTable('Run', resources.tables.Run, 'read');
    const statements = roleStatements(Template.fromStack(stack), logicalIdOf(fn.role));
    const arns = statements.flatMap((s) => s.Resource).filter((r): r is string => typeof r === 'string' && r.includes(':table/'));
    expect(arns).toContain(`${tableArn('Run')}/index/by-flow`);
    expect(arns.some((a) => a.endsWith('/index/*'))).toBe(false);
    expect(statements.flatMap((s) => s.Action)).not.toContain('dynamodb:Scan');
  });

  test('binding one variable twice is refused', () => {
    const { fn } = probe({ ...FUNCTIONS['http-platform'], tables: {}, buckets: {} });
    fn.bindTable('Flow', resources.tables.Flow, 'read');
    expect(() => fn.bindTable('Flow', resources.tables.Flow, 'readwrite')).toThrow(/bound twice/);
  });

  test('a capability whose resource the stack does not provide fails the synth', () => {
    const { fn } = probe(FUNCTIONS['http-sensors']);
    expect(() => fn.bindCatalogue(resources)).toThrow(/http-sensors needs states:start but its stack provides no run state machine/);
  });
});

describe('app wiring', () => {
  test('every catalogued function has exactly one home stack', () => {
    const placement = functionPlacement();
    expect(Object.keys(placement).sort()).toEqual((Object.keys(FUNCTIONS) as FunctionName[]).sort());
  });

  test('missing entry files are reported', () => {
    const ghost: FunctionDef = { ...FUNCTIONS['http-platform'], entry: 'lambdas/nowhere/handler.ts' };
    expect(missingEntries([ghost, FUNCTIONS['http-platform']]).map((d) => d.entry)).toEqual(['lambdas/nowhere/handler.ts']);
  });
});

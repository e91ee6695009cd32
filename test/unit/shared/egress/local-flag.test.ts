// The loopback flag exists only on the local platform, only when asked for, and only on the
// functions that make requests for tenants.
import { ENV, FUNCTIONS, TENANT_EGRESS_FUNCTIONS, type FunctionName } from '../../../../lambdas/catalogue';
import { egressPolicyFromEnv } from '../../../../lambdas/shared/egress';
import { localFunctionEnv, type LocalResources } from '../../../../local/function-env';
import { localTableNames } from '../../../../local/tables';

const resources = (allowLoopbackEgress?: boolean): LocalResources => ({
  stage: 'local',
  tables: localTableNames('u-'),
  buckets: { artifacts: 'a', ingest: 'i' },
  eventBusName: 'bus',
  stateMachineArn: 'arn',
  localKeyFile: '/tmp/key',
  emulatorEndpoint: 'http://127.0.0.1:1',
  dynamodbEndpoint: 'http://127.0.0.1:2',
  s3Endpoint: 'http://127.0.0.1:3',
  ...(allowLoopbackEgress === undefined ? {} : { allowLoopbackEgress }),
});
const names = Object.keys(FUNCTIONS) as FunctionName[];

test('by default (npm start included) no function gets the flag: tenant requests are public https only', () => {
  for (const r of [resources(), resources(false)]) {
    for (const name of names) {
      const env = localFunctionEnv(name, r);
      expect({ name, value: env[ENV.egressAllowLoopbackHttp] }).toEqual({ name, value: undefined });
      expect(egressPolicyFromEnv(env)).toEqual({ allowLoopbackHttp: false });
    }
  }
});

test('with allowLoopbackEgress, exactly the tenant-egress functions get it', () => {
  const flagged = names.filter((name) => localFunctionEnv(name, resources(true))[ENV.egressAllowLoopbackHttp] === 'true');
  expect(flagged.sort()).toEqual([...TENANT_EGRESS_FUNCTIONS].sort());
  expect(flagged).toEqual(expect.arrayContaining(['task-runner', 'sensor-poller', 'http-flows']));
  expect(egressPolicyFromEnv(localFunctionEnv('task-runner', resources(true)))).toEqual({ allowLoopbackHttp: true });
});

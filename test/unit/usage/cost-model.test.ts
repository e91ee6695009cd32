import { PRICE_TABLE, PRICE_TABLE_AS_OF, pricesFor } from '../../../lambdas/usage/price-table';
import {
  priceQuantities,
  runCost,
  runLevelQuantities,
  taskRunCost,
  taskRunQuantities,
  type ComputeSizes,
  type TaskRunCostInput,
} from '../../../lambdas/usage/cost-model';
import { DEPLOYED_SIZES } from '../../../lambdas/usage/cost-context';

const sizes: ComputeSizes = { taskRunnerMemoryMb: 1024, orchestratorMemoryMb: 512, usageMeterMemoryMb: 256, fargateVcpu: 1, fargateMemoryGb: 2 };

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 29, 12, 0, 0) + seconds * 1000).toISOString();
const task = (over: Partial<TaskRunCostInput> = {}): TaskRunCostInput => ({
  status: 'SUCCEEDED',
  attempt: 1,
  executor: 'lambda',
  started_at: at(0),
  completed_at: at(2),
  reused_from_run_id: null,
  ...over,
});

describe('price table', () => {
  it('converts the list prices to per-unit prices (us-east-1)', () => {
    const p = PRICE_TABLE['us-east-1'];
    expect(1_000 * p.step_functions_transition).toBeCloseTo(0.025, 12);
    expect(1_000_000 * p.lambda_request).toBeCloseTo(0.2, 12);
    expect(3600 * p.fargate_arm_vcpu_second).toBeCloseTo(0.03238, 12);
    expect(3600 * p.fargate_arm_gb_second).toBeCloseTo(0.00356, 12);
    expect(1_000_000 * p.dynamodb_write_unit).toBeCloseTo(0.625, 12);
    expect(1_000_000 * p.dynamodb_read_unit).toBeCloseTo(0.125, 12);
    expect(1_000_000 * p.eventbridge_event).toBeCloseTo(1, 12);
    expect(1_000 * p.s3_put_request).toBeCloseTo(0.005, 12);
    expect(1_000 * p.s3_get_request).toBeCloseTo(0.0004, 12);
    expect(1_000_000 * p.sqs_request).toBeCloseTo(0.4, 12);
    expect(PRICE_TABLE_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('every region lists every unit price, positive', () => {
    const units = Object.keys(PRICE_TABLE['us-east-1']).sort();
    for (const prices of Object.values(PRICE_TABLE)) {
      expect(Object.keys(prices).sort()).toEqual(units);
      for (const price of Object.values(prices)) expect(price).toBeGreaterThan(0);
    }
  });

  it('prices by region, and says when a region is not in the table', () => {
    expect(pricesFor('eu-west-1')).toMatchObject({ region: 'eu-west-1', fallback: false });
    expect(pricesFor('ap-south-2')).toMatchObject({ region: 'us-east-1', fallback: true });
    const q = { dynamodb_write_units: 1_000_000 };
    expect(priceQuantities(q, 'us-east-1').total_usd).toBeCloseTo(0.625, 9);
    expect(priceQuantities(q, 'eu-west-1').total_usd).toBeCloseTo(0.7063, 9);
    expect(priceQuantities(q, 'ap-south-2')).toMatchObject({ price_region: 'us-east-1', total_usd: 0.625 });
  });
});

describe('priceQuantities', () => {
  it('prices each component and totals them', () => {
    const cost = priceQuantities({ lambda_requests: 10, lambda_gb_seconds: 3, step_functions_transitions: 4, eventbridge_events: 0 }, 'us-east-1');
    expect(cost.components.lambda_requests).toEqual({ quantity: 10, usd: 0.000002 });
    expect(cost.components.lambda_gb_seconds).toEqual({ quantity: 3, usd: 0.0000400002 });
    expect(cost.components.step_functions_transitions).toEqual({ quantity: 4, usd: 0.0001 });
    expect(cost.components.eventbridge_events).toBeUndefined();
    expect(cost.total_usd).toBe(0.0001420002);
  });
});

describe('task run quantities', () => {
  it('step-functions, lambda task: its own invocation per attempt, GB-seconds of its duration', () => {
    const q = taskRunQuantities(task(), 'step-functions', sizes);
    // The runner's request, and the attempt's event's share of a usage-meter batch (10 events, 0.1 s).
    expect(q.lambda_requests).toBeCloseTo(1 + 1 / 10, 12);
    expect(q.lambda_gb_seconds).toBeCloseTo(2 * 1 + (0.1 / 10) * 0.25, 9);
    // The event's SQS send, and its share of the batch's receive and delete (10 messages each).
    expect(q.sqs_requests).toBeCloseTo(1.2, 12);
    expect(q.fargate_vcpu_seconds).toBeUndefined();
    expect(q.eventbridge_events).toBe(2);
    expect(q.s3_put_requests).toBe(2);
  });

  it('an output and log held in the item cost no PUT, and a write unit per started KB of their text', () => {
    const objects = taskRunQuantities(task(), 'step-functions', sizes);
    const inline = taskRunQuantities(task({ output_json: '{"v":1}', log_text: 'x'.repeat(1500) }), 'step-functions', sizes);
    expect(inline.s3_put_requests ?? 0).toBe(0);
    expect(inline.dynamodb_write_units).toBe(objects.dynamodb_write_units! + 2);
    // Only the log inline: the output was put.
    expect(taskRunQuantities(task({ log_text: 'short' }), 'step-functions', sizes).s3_put_requests).toBe(1);
  });

  it('step-functions, ecs task: Fargate for at least a minute per attempt', () => {
    const short = taskRunQuantities(task({ executor: 'ecs' }), 'step-functions', sizes);
    expect(short.fargate_vcpu_seconds).toBe(60);
    expect(short.fargate_gb_seconds).toBe(120);
    const long = taskRunQuantities(task({ executor: 'ecs', completed_at: at(90), attempt: 2 }), 'step-functions', sizes);
    expect(long.fargate_vcpu_seconds).toBe(180);
  });

  it('whole-DAG executors: the task has no compute of its own (the host is run level)', () => {
    for (const mode of ['lambda', 'ecs'] as const) {
      const q = taskRunQuantities(task(), mode, sizes);
      expect(q.fargate_vcpu_seconds).toBeUndefined();
      // Only the attempt's share of a usage-meter batch.
      expect(q.lambda_requests).toBeCloseTo(1 / 10, 12);
    }
  });

  it('retries multiply the attempt costs; a skipped or reused task run costs its writes', () => {
    const once = taskRunQuantities(task(), 'step-functions', sizes);
    const thrice = taskRunQuantities(task({ attempt: 3 }), 'step-functions', sizes);
    expect(thrice.eventbridge_events).toBe(3 * once.eventbridge_events!);
    expect(thrice.lambda_gb_seconds).toBeCloseTo(3 * once.lambda_gb_seconds!, 9);
    // Under step-functions each attempt's runner also claims it: one write more per attempt.
    expect(thrice.dynamodb_write_units! - taskRunQuantities(task({ attempt: 3 }), 'lambda', sizes).dynamodb_write_units!).toBe(3);
    // Created, then skipped (its cost rides on the skip); a reused one's cost is a write of its own.
    expect(taskRunQuantities(task({ status: 'SKIPPED', attempt: 0, started_at: null }), 'step-functions', sizes)).toEqual({ dynamodb_write_units: 2, eventbridge_events: 1 });
    expect(taskRunQuantities(task({ reused_from_run_id: 'r0' }), 'step-functions', sizes)).toEqual({ dynamodb_write_units: 2 });
  });
});

describe('run cost', () => {
  it('is the sum of its task runs plus its run level, exactly', () => {
    const tasks = [task(), task({ completed_at: at(7) }), task({ status: 'FAILED', attempt: 2 }), task({ status: 'SKIPPED', attempt: 0 })].map((t) =>
      taskRunCost(t, 'step-functions', sizes, 'us-east-1'),
    );
    const cost = runCost(tasks, { executor: 'step-functions', started_at: at(0), completed_at: at(10), iterations: 5, task_runs: 4 }, sizes, 'us-east-1');
    const taskSum = tasks.reduce((acc, t) => acc + Math.round(t.total_usd * 1e12), 0);
    expect(Math.round(cost.task_runs_usd * 1e12)).toBe(taskSum);
    expect(Math.round(cost.total_usd * 1e12)).toBe(taskSum + Math.round(cost.run_level.total_usd * 1e12));
    // Components add up to the total too.
    const componentSum = Object.values(cost.components).reduce((acc, c) => acc + Math.round(c.usd * 1e12), 0);
    expect(componentSum).toBe(Math.round(cost.total_usd * 1e12));
    // 3 + 2 per iteration state transitions.
    expect(cost.run_level.components.step_functions_transitions?.quantity).toBe(13);
  });

  it('prices the whole-DAG host at run level: Lambda GB-seconds of the run, Fargate at least a minute', () => {
    const run = { started_at: at(0), completed_at: at(30), iterations: 0, task_runs: 5 };
    const lambda = runLevelQuantities({ ...run, executor: 'lambda' }, sizes);
    expect(lambda.step_functions_transitions).toBe(6);
    expect(lambda.lambda_gb_seconds).toBeCloseTo(30 * 1 + 2 * 0.1 * 0.5 + 2 * (0.1 / 10) * 0.25, 9);
    const ecs = runLevelQuantities({ ...run, executor: 'ecs' }, sizes);
    expect(ecs.fargate_vcpu_seconds).toBe(60);
    expect(ecs.fargate_gb_seconds).toBe(120);
  });

  it('a run that never started costs its records and events only', () => {
    const q = runLevelQuantities({ executor: 'step-functions', started_at: null, completed_at: at(1), iterations: 0, task_runs: 3 }, sizes);
    expect(q.step_functions_transitions).toBeUndefined();
    expect(q.eventbridge_events).toBe(2);
  });

  it('uses the deployed sizes of the catalogue', () => {
    expect(DEPLOYED_SIZES).toEqual({ taskRunnerMemoryMb: 1024, orchestratorMemoryMb: 512, usageMeterMemoryMb: 256, fargateVcpu: 1, fargateMemoryGb: 2 });
  });
});

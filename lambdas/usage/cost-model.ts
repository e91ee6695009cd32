import { PRICE_TABLE_AS_OF, pricesFor, type UnitPrices } from './price-table';

/*
 * The cost ledger's model: what a task run and a run consume (quantities), priced with the one
 * price table. Pure: the same records always give the same cost, so a run's cost is exactly the
 * sum of its task runs' costs plus its run-level items, whoever computes it.
 *
 * Measured: task seconds (started_at → completed_at recorded by the runner), run seconds, the number
 * of attempts, of advance-loop iterations and of task runs. Modelled (not measured): the DynamoDB
 * request units, S3 requests, EventBridge events and Lambda invocations each code path makes
 * (counted from the code, constants below), the orchestrator's and usage meter's invocation
 * durations, and the duration of attempts before the last one (each taken as long as the last).
 */

export const COST_COMPONENTS = [
  'step_functions_transitions',
  'lambda_requests',
  'lambda_gb_seconds',
  'fargate_vcpu_seconds',
  'fargate_gb_seconds',
  'dynamodb_write_units',
  'dynamodb_read_units',
  'eventbridge_events',
  's3_put_requests',
  's3_get_requests',
  'sqs_requests',
] as const;
export type CostComponent = (typeof COST_COMPONENTS)[number];

const UNIT_PRICE: Record<CostComponent, keyof UnitPrices> = {
  step_functions_transitions: 'step_functions_transition',
  lambda_requests: 'lambda_request',
  lambda_gb_seconds: 'lambda_arm_gb_second',
  fargate_vcpu_seconds: 'fargate_arm_vcpu_second',
  fargate_gb_seconds: 'fargate_arm_gb_second',
  dynamodb_write_units: 'dynamodb_write_unit',
  dynamodb_read_units: 'dynamodb_read_unit',
  eventbridge_events: 'eventbridge_event',
  s3_put_requests: 's3_put_request',
  s3_get_requests: 's3_get_request',
  sqs_requests: 'sqs_request',
};

/** Quantities consumed, by component. */
export type UsageQuantities = Partial<Record<CostComponent, number>>;

export interface CostLine {
  quantity: number;
  usd: number;
}

/** A priced usage: what is stored as `cost` on a TaskRun, and the shape of a run's parts. */
export interface Cost {
  total_usd: number;
  /** The region whose prices were applied, and the date of the price table. */
  price_region: string;
  prices_as_of: string;
  components: Partial<Record<CostComponent, CostLine>>;
}

/** A run's cost: everything (`components`, `total_usd`), split into its task runs and the run itself. */
export interface RunCost extends Cost {
  /** Sum of the task runs' `total_usd`. */
  task_runs_usd: number;
  /** What the run consumed beyond its task runs (orchestration, the whole-DAG host, run events). */
  run_level: { total_usd: number; components: Partial<Record<CostComponent, CostLine>> };
}

/** USD amounts are kept to 1e-12 (a pico-dollar) so sums of stored figures stay exact enough. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}

function sumUsd(values: number[]): number {
  // Sum in integer pico-dollars: the order of the sum does not change the result.
  return values.reduce((acc, v) => acc + Math.round(v * 1e12), 0) / 1e12;
}

export function addQuantities(...parts: UsageQuantities[]): UsageQuantities {
  const out: UsageQuantities = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part) as Array<[CostComponent, number]>) {
      if (v === 0) continue;
      out[k] = (out[k] ?? 0) + v;
    }
  }
  return out;
}

/** Prices quantities with a region's prices; components with no quantity are left out. */
export function priceQuantities(quantities: UsageQuantities, region: string): Cost {
  const { region: priced, prices } = pricesFor(region);
  const components: Partial<Record<CostComponent, CostLine>> = {};
  for (const component of COST_COMPONENTS) {
    const quantity = quantities[component];
    if (quantity === undefined || quantity === 0) continue;
    components[component] = { quantity: roundQuantity(quantity), usd: roundUsd(quantity * prices[UNIT_PRICE[component]]) };
  }
  return {
    total_usd: sumUsd(Object.values(components).map((c) => c.usd)),
    price_region: priced,
    prices_as_of: PRICE_TABLE_AS_OF,
    components,
  };
}

function roundQuantity(q: number): number {
  return Math.round(q * 1e6) / 1e6;
}

/** Sizes of the compute the model prices (from the functions catalogue and the runner task). */
export interface ComputeSizes {
  taskRunnerMemoryMb: number;
  orchestratorMemoryMb: number;
  usageMeterMemoryMb: number;
  fargateVcpu: number;
  fargateMemoryGb: number;
}

export type ExecutorMode = 'lambda' | 'step-functions' | 'ecs';

// Modelled per-operation figures (counted from the code paths, not measured):
/** One conditional UpdateItem or Put of an item under 1 KB. */
const WRITE = 1;
/** A transactional write costs two write units per item. */
const TX_WRITE = 2;
/** A strongly consistent GetItem or a one-page Query of a small partition (under 4 KB). */
const STRONG_READ = 1;
/** Fargate bills at least one minute per task. */
const FARGATE_MIN_SECONDS = 60;
/** Modelled duration of one orchestrator step (Start, an Advance iteration, Finalize). */
const ORCHESTRATOR_STEP_SECONDS = 0.1;
/** Modelled duration of one usage-meter invocation (one batch). */
const USAGE_METER_SECONDS = 0.1;
/**
 * Usage events per meter invocation, as modelled: a batch holds up to 100 and waits up to a
 * second to fill (catalogue/functions/usage.ts), so a busy account fills it and a quiet one sends
 * a few; the model takes 10.
 */
const METER_EVENTS_PER_BATCH = 10;
/** Aggregate counters one usage event adds to (e.g. task attempts and task seconds), shared by its batch. */
const METER_COUNTERS_PER_EVENT = 3;
/**
 * What metering one usage event costs: EventBridge sends it to the meter's queue (one SQS request);
 * Lambda receives and deletes it with its batch (up to 10 messages per request); the meter claims
 * the UsageEvent (a conditional Put) and flips it applied in its organization's transaction,
 * whose counter ADDs the batch shares (usage/usage-repository.ts, recordBatch).
 */
function meteringOf(sizes: ComputeSizes, events: number): UsageQuantities {
  const batches = events / METER_EVENTS_PER_BATCH;
  return {
    sqs_requests: events * (1 + 2 / 10),
    lambda_requests: batches,
    lambda_gb_seconds: batches * USAGE_METER_SECONDS * (sizes.usageMeterMemoryMb / 1024),
    dynamodb_write_units: events * (WRITE + TX_WRITE) + batches * METER_COUNTERS_PER_EVENT * TX_WRITE,
  };
}

/** A task run as the model needs it (a TaskRunRecord fits). */
export interface TaskRunCostInput {
  status: string;
  attempt: number;
  executor: string | null;
  started_at: string | null;
  completed_at: string | null;
  reused_from_run_id: string | null;
  /** Output and log text held in the item (no object was put for them); absent: none. */
  output_json?: string | null;
  log_text?: string | null;
}

function secondsBetween(from: string | null, to: string | null): number {
  if (from === null || to === null) return 0;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

/** Seconds of the task's last attempt (0 unless it ran to SUCCEEDED or FAILED). */
export function lastAttemptSeconds(t: TaskRunCostInput): number {
  return t.status === 'SUCCEEDED' || t.status === 'FAILED' ? secondsBetween(t.started_at, t.completed_at) : 0;
}

/**
 * What one task run consumed, given the executor mode of its run. Under `step-functions` each
 * attempt is its own task-runner invocation (or Fargate task); under `lambda` and `ecs` the
 * attempts run inside the run's one host, which is priced at run level (runLevelQuantities).
 */
export function taskRunQuantities(t: TaskRunCostInput, mode: ExecutorMode, sizes: ComputeSizes): UsageQuantities {
  // The item written when the run was created. Its cost rides on its terminal write
  // (TaskRunRepository's TerminalPrice), except a reused one's: nothing ends it, so the run's ledger
  // writes that cost on its own when the run ends.
  const base: UsageQuantities = { dynamodb_write_units: WRITE };
  if (t.reused_from_run_id !== null) return addQuantities(base, { dynamodb_write_units: WRITE }); // kept from an earlier run: nothing ran
  const attempts = Math.max(0, t.attempt);
  const seconds = attempts * lastAttemptSeconds(t);
  const ran = t.status === 'SUCCEEDED' || t.status === 'FAILED' || attempts > 0;
  const parts: UsageQuantities[] = [base];
  if (!ran) {
    // PENDING → SKIPPED: one write and its event.
    parts.push({ dynamodb_write_units: WRITE, eventbridge_events: 1 });
    return addQuantities(...parts);
  }
  // Text held in the item makes its end write larger (a write unit per started KB), instead of a PUT.
  const inlineBytes = Buffer.byteLength(t.output_json ?? '') + Buffer.byteLength(t.log_text ?? '');
  parts.push({
    // Each attempt: PENDING → RUNNING, then its end (→ SUCCEEDED | FAILED | PENDING for a retry).
    dynamodb_write_units: attempts * 2 * WRITE + Math.ceil(inlineBytes / 1024) * WRITE,
    // "Task Run Status Changed" for both.
    eventbridge_events: attempts * 2,
    // The attempt's log (unless held in the item); the output on success (unless held in the item).
    s3_put_requests: (t.log_text != null ? 0 : attempts) + (t.status === 'SUCCEEDED' && t.output_json == null ? 1 : 0),
  });
  // Each attempt's end is a usage event (task seconds), metered once.
  parts.push(meteringOf(sizes, attempts));
  if (t.status === 'SKIPPED') parts.push({ dynamodb_write_units: WRITE, eventbridge_events: 1 });
  if (mode === 'step-functions') {
    // The single-task runner claims the attempt (a conditional write: it runs at most once), and
    // reads the task run, the run and the flow, and the artifact, per attempt. The claim is counted
    // as its own write though an attempt dispatched alone is started by that same write (one write
    // unit over, at most, per attempt: the model does not know how the attempt was dispatched).
    parts.push({ dynamodb_write_units: attempts * WRITE, dynamodb_read_units: attempts * 3 * STRONG_READ, s3_get_requests: attempts });
    if (t.executor === 'ecs') {
      const billed = attempts * Math.max(FARGATE_MIN_SECONDS, seconds / Math.max(1, attempts));
      parts.push({ fargate_vcpu_seconds: billed * sizes.fargateVcpu, fargate_gb_seconds: billed * sizes.fargateMemoryGb });
    } else {
      parts.push({ lambda_requests: attempts, lambda_gb_seconds: seconds * (sizes.taskRunnerMemoryMb / 1024) });
    }
  }
  return addQuantities(...parts);
}

/** A run as the run-level model needs it. */
export interface RunCostInput {
  executor: ExecutorMode;
  started_at: string | null;
  /** When the run ended (its completed_at, or the time of finalize). */
  completed_at: string | null;
  /** Advance-loop iterations (step-functions executor). */
  iterations: number;
  task_runs: number;
}

/** What a run consumed beyond its task runs: orchestration, the whole-DAG host, its own records and events. */
export function runLevelQuantities(run: RunCostInput, sizes: ComputeSizes): UsageQuantities {
  const seconds = secondsBetween(run.started_at, run.completed_at);
  const ran = run.started_at !== null;
  // Reading every task run (strongly consistent Query: ~8 small items per 4 KB).
  const readTaskRuns = Math.max(1, Math.ceil(run.task_runs / 8)) * STRONG_READ;
  const parts: UsageQuantities[] = [
    {
      // Created in one transaction (run, idempotency key, audit record); execution ARN stored;
      // QUEUED → RUNNING; → terminal with its outputs and cost.
      dynamodb_write_units: 3 * TX_WRITE + 3 * WRITE,
      // "Run Status Changed": created, RUNNING, terminal.
      eventbridge_events: ran ? 3 : 2,
    },
    // Start and finish are each a usage event.
    meteringOf(sizes, ran ? 2 : 1),
  ];
  if (!ran) return addQuantities(...parts);
  const orchestratorGb = sizes.orchestratorMemoryMb / 1024;
  if (run.executor === 'step-functions') {
    const iterations = Math.max(1, run.iterations);
    parts.push({
      // Start, ChooseExecutor, (Advance, AfterAdvance) per iteration, Done.
      step_functions_transitions: 3 + 2 * iterations,
      // Start, then one orchestrator invocation per iteration.
      lambda_requests: 1 + iterations,
      lambda_gb_seconds: (1 + iterations) * ORCHESTRATOR_STEP_SECONDS * orchestratorGb,
      // Each iteration parks its token on the run and reads the run and the task runs.
      dynamodb_write_units: iterations * WRITE,
      dynamodb_read_units: iterations * (STRONG_READ + readTaskRuns),
    });
  } else {
    parts.push({
      // Start, ChooseExecutor, RunInLambda | RunInEcs, Finalize, Settled, Done.
      step_functions_transitions: 6,
      // Start and Finalize.
      lambda_requests: 2,
      lambda_gb_seconds: 2 * ORCHESTRATOR_STEP_SECONDS * orchestratorGb,
      // The host reads the run, the flow and the task runs, and the artifact; Finalize reads the task runs.
      dynamodb_read_units: 2 * STRONG_READ + 2 * readTaskRuns,
      s3_get_requests: 1,
    });
    if (run.executor === 'lambda') {
      // The whole DAG in one task-runner invocation, as long as the run.
      parts.push({ lambda_requests: 1, lambda_gb_seconds: seconds * (sizes.taskRunnerMemoryMb / 1024) });
    } else {
      const billed = Math.max(FARGATE_MIN_SECONDS, seconds);
      parts.push({ fargate_vcpu_seconds: billed * sizes.fargateVcpu, fargate_gb_seconds: billed * sizes.fargateMemoryGb });
    }
  }
  return addQuantities(...parts);
}

/** The cost of one task run. */
export function taskRunCost(t: TaskRunCostInput, mode: ExecutorMode, sizes: ComputeSizes, region: string): Cost {
  return priceQuantities(taskRunQuantities(t, mode, sizes), region);
}

/**
 * A run's cost from its task runs' costs and its run-level quantities: total = Σ task runs +
 * run level, exactly (pico-dollar sums), and components = the task runs' components + run level.
 */
export function runCost(taskCosts: Cost[], run: RunCostInput, sizes: ComputeSizes, region: string): RunCost {
  const level = priceQuantities(runLevelQuantities(run, sizes), region);
  const components: Partial<Record<CostComponent, CostLine>> = {};
  for (const part of [...taskCosts.map((c) => c.components), level.components]) {
    for (const [k, line] of Object.entries(part) as Array<[CostComponent, CostLine]>) {
      const acc = components[k] ?? { quantity: 0, usd: 0 };
      components[k] = { quantity: roundQuantity(acc.quantity + line.quantity), usd: sumUsd([acc.usd, line.usd]) };
    }
  }
  const taskRunsUsd = sumUsd(taskCosts.map((c) => c.total_usd));
  return {
    total_usd: sumUsd([taskRunsUsd, level.total_usd]),
    price_region: level.price_region,
    prices_as_of: level.prices_as_of,
    components,
    task_runs_usd: taskRunsUsd,
    run_level: { total_usd: level.total_usd, components: level.components },
  };
}

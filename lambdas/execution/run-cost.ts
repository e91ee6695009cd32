import { isTerminalTaskStatus } from '../engine';
import type { Logger } from '../shared/logger';
import type { CostContext } from '../usage/cost-context';
import { runCost, taskRunCost, type Cost, type ExecutorMode, type RunCost } from '../usage/cost-model';
import type { RunRecord } from './run-repository';
import type { TaskRunRecord, TaskRunRepository, TerminalPrice } from './task-run-repository';

// The cost ledger of a run, closed when the run ends (finalize, or cancel): each terminal task
// run's cost is computed from its record (the run's executor decides how its compute is billed:
// see usage/cost-model.ts) and stored on it, and the run's cost is the sum of those plus its
// run-level items. Everything is a pure function of the records, so a retried close writes the
// same figures again.

export interface RunLedgerDeps {
  taskRuns: Pick<TaskRunRepository, 'recordCosts'>;
  ledger: CostContext;
  logger: Logger;
}

export interface CloseLedgerOptions {
  /** When the run ends (the finalize or cancel time: its completed_at is set with the same write). */
  endedAt: string;
  /** Advance-loop iterations of a step-functions run (default: the run's loop_iteration). */
  iterations?: number;
}

/**
 * The price a writer sends with a task run's terminal transition (TerminalPrice, spread into the
 * transition's options), from the task run as it last saw it: the same figure closeRunLedger
 * computes from the record, so the close finds it recorded and writes nothing for that task run.
 * No record seen: no price (the close writes the cost).
 */
export function terminalPrice(ledger: CostContext, mode: ExecutorMode, before: TaskRunRecord | null | undefined): { price?: TerminalPrice } {
  if (before === null || before === undefined) return {};
  return { price: { before, of: (after) => taskRunCost(after, mode, ledger.sizes, ledger.region) } };
}

function sameCost(a: Cost | null, b: Cost): boolean {
  return a !== null && a.total_usd === b.total_usd && a.price_region === b.price_region && a.prices_as_of === b.prices_as_of;
}

/**
 * Computes and stores the costs of a run's terminal task runs and returns the run's cost (for the
 * caller to store with the run's own terminal write). Task runs still open are left out (none
 * should be: callers settle them first).
 */
export async function closeRunLedger(deps: RunLedgerDeps, run: RunRecord, taskRuns: TaskRunRecord[], options: CloseLedgerOptions): Promise<RunCost> {
  const { sizes, region } = deps.ledger;
  const terminal = taskRuns.filter((t) => isTerminalTaskStatus(t.status));
  const costs = terminal.map((t) => ({ t, cost: taskRunCost(t, run.executor, sizes, region) }));
  const changed = costs.filter(({ t, cost }) => !sameCost(t.cost, cost));
  if (changed.length > 0) {
    const missed = await deps.taskRuns.recordCosts(
      run.org_id,
      run.run_id,
      changed.map(({ t, cost }) => ({ task_name: t.task_name, cost, completed_at: t.completed_at })),
    );
    if (missed.length > 0) deps.logger.warn('task run costs not recorded: the task runs changed', { run_id: run.run_id, task_names: missed });
  }
  return runCost(
    costs.map((c) => c.cost),
    {
      executor: run.executor,
      started_at: run.started_at,
      completed_at: run.completed_at ?? options.endedAt,
      iterations: options.iterations ?? run.loop_iteration,
      task_runs: taskRuns.length,
    },
    sizes,
    region,
  );
}

/** closeRunLedger, never throwing: a run must end even when its bookkeeping fails (logged). */
export async function tryCloseRunLedger(deps: RunLedgerDeps, run: RunRecord, taskRuns: TaskRunRecord[], options: CloseLedgerOptions): Promise<RunCost | null> {
  try {
    return await closeRunLedger(deps, run, taskRuns, options);
  } catch (error) {
    deps.logger.error('run cost not recorded', { org_id: run.org_id, run_id: run.run_id, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

import { testFlow } from 'dagy/sdk/testing';
import etl from '../../../examples/etl-sdk/flow';
import { fetchRows } from '../../../examples/etl-sdk/tasks/fetch';

// The SDK example's own test: it runs in-process on the engine (no platform) and gives the same
// outputs as the JSON example (examples/etl/README.md: 12 rows → 10 kept, total 545, top medium).

describe('examples/etl-sdk', () => {
  it('runs fetch → clean | enrich | stats → aggregate to the documented outputs', async () => {
    const order: string[] = [];
    const result = await testFlow(etl, {
      parameters: { day: '2026-11-30', rows: 12 },
      onTaskUpdate: (event) => {
        if (event.type === 'succeeded') order.push(event.task);
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.outputs).toMatchObject({ rows: 10, total_amount: 545, top_category: 'medium' });
    expect(result.outputs.report).toMatchObject({ dropped: 2, by_region: { north: { count: 3, amount: 147 } } });
    expect(order[0]).toBe('fetch');
    expect(order[4]).toBe('aggregate');
    expect(result.logs.fetch).toBe('fetching 12 rows for 2026-11-30\n');
    expect(result.logs.clean).toBe('kept 10 of 12 rows (min_amount 10)\n');
  });

  it('lets a run parameter override a task parameter (min_amount)', async () => {
    const result = await testFlow(etl, { parameters: { day: '2026-11-30', rows: 12, min_amount: 50 } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.logs.clean).toBe('kept 5 of 12 rows (min_amount 50)\n');
  });

  it('retries a failing task per its options and fails the run, skipping downstream', async () => {
    const original = fetchRows.fn;
    let calls = 0;
    (fetchRows as { fn: typeof original }).fn = async () => {
      calls++;
      throw new Error('source unavailable');
    };
    try {
      const result = await testFlow(etl, { parameters: { day: 'd', rows: 1 }, sleep: async () => undefined });
      expect(calls).toBe(3); // retries: 2
      expect(result.status).toBe('FAILED');
      expect(result.taskStates.fetch).toMatchObject({ status: 'FAILED', attempt: 3, error: 'source unavailable' });
      expect(result.taskStates.aggregate).toMatchObject({ status: 'SKIPPED' });
      expect(result.outputs).toEqual({ rows: null, total_amount: null, top_category: null, report: null });
    } finally {
      (fetchRows as { fn: typeof original }).fn = original;
    }
  });
});

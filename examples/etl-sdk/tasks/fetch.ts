import { task } from 'dagy/sdk';

// Produces the day's raw records. A real flow would call an API or read a file here; this one
// generates deterministic rows so the example runs anywhere, offline.
const REGIONS = ['north', 'south', 'east', 'west'] as const;

export interface Row {
  id: number;
  region: (typeof REGIONS)[number];
  amount: number;
}

export const fetchRows = task('fetch', { retries: 2, retryDelaySeconds: 1, retryBackoff: 2, timeoutSeconds: 60 }, async ({ parameters, context }) => {
  const day = typeof parameters.day === 'string' ? parameters.day : '2024-01-01';
  const count = typeof parameters.rows === 'number' && Number.isInteger(parameters.rows) ? parameters.rows : 20;
  context.log(`fetching ${count} rows for ${day}`);
  const rows: Row[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    region: REGIONS[i % REGIONS.length]!,
    amount: ((i * 37) % 100) + 1,
  }));
  return { day, rows };
});

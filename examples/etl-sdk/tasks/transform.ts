import { task } from 'dagy/sdk';
import { z } from 'zod';
import { fetchRows } from './fetch';

// Three transforms of the fetched rows, run in parallel. `inputs.fetch` is typed from fetchRows's
// return type. clean checks each row with zod: an npm dependency, bundled into this task module.
const rowSchema = z.object({ id: z.int().positive(), region: z.string(), amount: z.number().nonnegative() });

export const clean = task('clean', { after: [fetchRows], timeoutSeconds: 60, parameters: { min_amount: 10 } }, async ({ parameters, inputs, context }) => {
  const min = typeof parameters.min_amount === 'number' ? parameters.min_amount : 0;
  const valid = inputs.fetch.rows.filter((row) => rowSchema.safeParse(row).success);
  const rows = valid.filter((row) => row.amount >= min);
  context.log(`kept ${rows.length} of ${inputs.fetch.rows.length} rows (min_amount ${min})`);
  return { rows, dropped: inputs.fetch.rows.length - rows.length };
});

function category(amount: number): 'large' | 'medium' | 'small' {
  if (amount >= 75) return 'large';
  if (amount >= 25) return 'medium';
  return 'small';
}

export const enrich = task('enrich', { after: [fetchRows], timeoutSeconds: 60 }, async ({ inputs }) => {
  const categories: Record<string, number> = {};
  for (const row of inputs.fetch.rows) {
    const c = category(row.amount);
    categories[c] = (categories[c] ?? 0) + 1;
  }
  return { categories };
});

export const stats = task('stats', { after: [fetchRows], timeoutSeconds: 60 }, async ({ inputs }) => {
  const byRegion: Record<string, { count: number; amount: number }> = {};
  for (const row of inputs.fetch.rows) {
    const region = (byRegion[row.region] ??= { count: 0, amount: 0 });
    region.count += 1;
    region.amount += row.amount;
  }
  return { by_region: byRegion };
});

import { task } from 'dagy/sdk';
import { clean, enrich, stats } from './transform';

// Joins the three transforms into the day's report.
export const aggregate = task('aggregate', { after: [clean, enrich, stats], timeoutSeconds: 60 }, async ({ inputs, context }) => {
  const totalAmount = inputs.clean.rows.reduce((sum, row) => sum + row.amount, 0);
  const topCategory = Object.entries(inputs.enrich.categories).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  context.log(`report: ${inputs.clean.rows.length} rows, total ${totalAmount}`);
  return {
    rows: inputs.clean.rows.length,
    dropped: inputs.clean.dropped,
    total_amount: totalAmount,
    top_category: topCategory,
    by_region: inputs.stats.by_region,
  };
});

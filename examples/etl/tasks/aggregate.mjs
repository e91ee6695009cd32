// Joins the three transforms into the day's report.
export async function run({ inputs, context }) {
  const { clean, enrich, stats } = inputs;
  const totalAmount = clean.rows.reduce((sum, row) => sum + row.amount, 0);
  const topCategory = Object.entries(enrich.categories).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  context.log(`report: ${clean.rows.length} rows, total ${totalAmount}`);
  return {
    rows: clean.rows.length,
    dropped: clean.dropped,
    total_amount: totalAmount,
    top_category: topCategory,
    by_region: stats.by_region,
  };
}

// Totals per region.
export async function run({ inputs }) {
  const byRegion = {};
  for (const row of inputs.fetch.rows) {
    const region = (byRegion[row.region] ??= { count: 0, amount: 0 });
    region.count += 1;
    region.amount += row.amount;
  }
  return { by_region: byRegion };
}

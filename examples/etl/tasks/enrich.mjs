// Tags each row with a size category.
function category(amount) {
  if (amount >= 75) return 'large';
  if (amount >= 25) return 'medium';
  return 'small';
}

export async function run({ inputs }) {
  const rows = inputs.fetch.rows.map((row) => ({ ...row, category: category(row.amount) }));
  const counts = {};
  for (const row of rows) counts[row.category] = (counts[row.category] ?? 0) + 1;
  return { categories: counts };
}

// Drops the rows below the minimum amount (a task parameter the run may override).
export async function run({ parameters, inputs, context }) {
  const min = typeof parameters.min_amount === 'number' ? parameters.min_amount : 0;
  const rows = inputs.fetch.rows.filter((row) => row.amount >= min);
  context.log(`kept ${rows.length} of ${inputs.fetch.rows.length} rows (min_amount ${min})`);
  return { rows, dropped: inputs.fetch.rows.length - rows.length };
}

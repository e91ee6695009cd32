import { flow } from 'dagy/sdk';
import { z } from 'zod';
import { aggregate } from './tasks/aggregate';
import { fetchRows } from './tasks/fetch';
import { clean, enrich, stats } from './tasks/transform';

// The ETL example of examples/etl/ written with the SDK: fetch → clean | enrich | stats → aggregate.
// `dagy flows deploy examples/etl-sdk` compiles this file to the FlowSpec and bundles tasks/*.ts.
export default flow({
  name: 'etl-sdk',
  version: '1.0.0',
  namespace: 'examples',
  tags: { example: 'etl-sdk' },
  defaultExecutor: 'step-functions',
  parameters: z.object({
    day: z.string().describe('the day to process, YYYY-MM-DD'),
    rows: z.int().min(0).max(10000).describe('how many rows to generate'),
  }),
  tasks: [fetchRows, clean, enrich, stats, aggregate],
  outputs: {
    rows: [aggregate, 'rows'],
    total_amount: [aggregate, 'total_amount'],
    top_category: [aggregate, 'top_category'],
    report: aggregate,
  },
});

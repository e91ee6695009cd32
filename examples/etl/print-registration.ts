import { etlRegistration } from './artifact';

// Prints the POST /v1/flows body of the example, e.g.
//   npx tsx examples/etl/print-registration.ts > /tmp/etl.json
//   curl -X POST "$DAGY_URL/v1/flows" -H "authorization: Bearer $DAGY_API_KEY" \
//        -H 'content-type: application/json' --data @/tmp/etl.json
process.stdout.write(`${JSON.stringify(etlRegistration(), null, 2)}\n`);

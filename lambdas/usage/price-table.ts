/**
 * The one price table of the cost ledger: AWS list prices per unit, by region, for what a run
 * consumes. Free tiers and volume discounts are left out on purpose: the ledger models the
 * marginal cost of one more run in an account past its free tier.
 *
 * Sources (public list prices; check them again when you change `AS_OF`):
 * - Step Functions standard workflows, state transitions: https://aws.amazon.com/step-functions/pricing/
 * - Lambda requests and duration (GB-seconds, Arm price, first tier): https://aws.amazon.com/lambda/pricing/
 * - Fargate Linux/ARM vCPU-hours and GB-hours: https://aws.amazon.com/fargate/pricing/
 * - DynamoDB on-demand write and read request units: https://aws.amazon.com/dynamodb/pricing/on-demand/
 * - EventBridge custom events put on a bus: https://aws.amazon.com/eventbridge/pricing/
 * - S3 Standard PUT/COPY/POST/LIST and GET/SELECT requests: https://aws.amazon.com/s3/pricing/
 * - SQS standard queue requests (each 64 KB chunk of a request counts as one): https://aws.amazon.com/sqs/pricing/
 */

/** The date the prices below were read from the source pages. */
export const PRICE_TABLE_AS_OF = '2025-06-01';

/** Unit prices in USD. Per-hour list prices are converted to per-second here, once. */
export interface UnitPrices {
  step_functions_transition: number;
  lambda_request: number;
  /** Per GB-second of an arm64 function (memory in GB × billed seconds). */
  lambda_arm_gb_second: number;
  fargate_arm_vcpu_second: number;
  fargate_arm_gb_second: number;
  dynamodb_write_unit: number;
  dynamodb_read_unit: number;
  eventbridge_event: number;
  s3_put_request: number;
  s3_get_request: number;
  sqs_request: number;
}

const PER_MILLION = 1e-6;
const PER_THOUSAND = 1e-3;
const PER_HOUR = 1 / 3600;

export const PRICE_TABLE = {
  'us-east-1': {
    step_functions_transition: 25 * PER_THOUSAND * PER_THOUSAND, // $0.025 per 1,000 transitions
    lambda_request: 0.2 * PER_MILLION, // $0.20 per 1M requests
    lambda_arm_gb_second: 0.0000133334, // $0.0000133334 per GB-s (Arm, first 7.5B GB-s)
    fargate_arm_vcpu_second: 0.03238 * PER_HOUR, // $0.03238 per vCPU-hour (Linux/ARM)
    fargate_arm_gb_second: 0.00356 * PER_HOUR, // $0.00356 per GB-hour (Linux/ARM)
    dynamodb_write_unit: 0.625 * PER_MILLION, // $0.625 per 1M write request units
    dynamodb_read_unit: 0.125 * PER_MILLION, // $0.125 per 1M read request units
    eventbridge_event: 1.0 * PER_MILLION, // $1.00 per 1M custom events
    s3_put_request: 0.005 * PER_THOUSAND, // $0.005 per 1,000 PUT requests
    s3_get_request: 0.0004 * PER_THOUSAND, // $0.0004 per 1,000 GET requests
    sqs_request: 0.4 * PER_MILLION, // $0.40 per 1M standard queue requests
  },
  'us-west-2': {
    step_functions_transition: 25 * PER_THOUSAND * PER_THOUSAND,
    lambda_request: 0.2 * PER_MILLION,
    lambda_arm_gb_second: 0.0000133334,
    fargate_arm_vcpu_second: 0.03238 * PER_HOUR,
    fargate_arm_gb_second: 0.00356 * PER_HOUR,
    dynamodb_write_unit: 0.625 * PER_MILLION,
    dynamodb_read_unit: 0.125 * PER_MILLION,
    eventbridge_event: 1.0 * PER_MILLION,
    s3_put_request: 0.005 * PER_THOUSAND,
    s3_get_request: 0.0004 * PER_THOUSAND,
    sqs_request: 0.4 * PER_MILLION,
  },
  'eu-west-1': {
    step_functions_transition: 25 * PER_THOUSAND * PER_THOUSAND,
    lambda_request: 0.2 * PER_MILLION,
    lambda_arm_gb_second: 0.0000133334,
    fargate_arm_vcpu_second: 0.03535 * PER_HOUR,
    fargate_arm_gb_second: 0.00388 * PER_HOUR,
    dynamodb_write_unit: 0.7063 * PER_MILLION,
    dynamodb_read_unit: 0.1413 * PER_MILLION,
    eventbridge_event: 1.0 * PER_MILLION,
    s3_put_request: 0.005 * PER_THOUSAND,
    s3_get_request: 0.0004 * PER_THOUSAND,
    sqs_request: 0.4 * PER_MILLION,
  },
  'eu-central-1': {
    step_functions_transition: 25 * PER_THOUSAND * PER_THOUSAND,
    lambda_request: 0.2 * PER_MILLION,
    lambda_arm_gb_second: 0.0000133334,
    fargate_arm_vcpu_second: 0.03904 * PER_HOUR,
    fargate_arm_gb_second: 0.00429 * PER_HOUR,
    dynamodb_write_unit: 0.7625 * PER_MILLION,
    dynamodb_read_unit: 0.1525 * PER_MILLION,
    eventbridge_event: 1.0 * PER_MILLION,
    s3_put_request: 0.0054 * PER_THOUSAND,
    s3_get_request: 0.00043 * PER_THOUSAND,
    sqs_request: 0.4 * PER_MILLION,
  },
} as const satisfies Record<string, UnitPrices>;

export type PricedRegion = keyof typeof PRICE_TABLE;

/** The region whose prices apply when a function runs in a region the table does not list. */
export const FALLBACK_PRICE_REGION: PricedRegion = 'us-east-1';

export interface RegionPrices {
  /** The region whose prices these are (may differ from the region asked: see `fallback`). */
  region: PricedRegion;
  /** true when the region asked is not in the table and FALLBACK_PRICE_REGION's prices are used. */
  fallback: boolean;
  prices: UnitPrices;
}

export function isPricedRegion(region: string): region is PricedRegion {
  return Object.prototype.hasOwnProperty.call(PRICE_TABLE, region);
}

/**
 * The prices of a region. A region the table does not list gets FALLBACK_PRICE_REGION's prices,
 * and says so (`fallback`, and the cost records carry the region priced), rather than failing a
 * run over its bookkeeping.
 */
export function pricesFor(region: string): RegionPrices {
  if (isPricedRegion(region)) return { region, fallback: false, prices: PRICE_TABLE[region] };
  return { region: FALLBACK_PRICE_REGION, fallback: true, prices: PRICE_TABLE[FALLBACK_PRICE_REGION] };
}

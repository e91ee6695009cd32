// POST /v1/hooks/{token}: a webhook sensor's trigger. The token (dagy_wh_..., 256 random bits) is
// the credential: looked up by its SHA-256. With a signing secret, X-Dagy-Timestamp and
// X-Dagy-Signature (hex HMAC-SHA256 of "<timestamp>.<delivery id>.<raw body>", or of
// "<timestamp>.<raw body>" without a delivery id) are required and the timestamp must be within
// 300 s: a replay outside it is a 401. Inside it, the run's idempotency key is the SIGNED delivery
// id, else the signature itself: a replay with another delivery id header no longer verifies (or,
// signed the old way, is keyed by its unchanged signature), so it never starts a second run.
// Without a signing secret the token alone authenticates and the delivery id is taken as sent.
// The secret is stored sealed; it is opened here (cached a few minutes, signing-secret.ts).
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../identity/tokens';
import { isWebhookTokenFormat, verifyWebhookSignature, DEFAULT_WEBHOOK_TOLERANCE_SECONDS } from '../identity/webhook-signature';
import type { JsonObject } from '../engine';
import { epochSeconds } from '../shared/clock';
import { NotFoundError, TooManyRequestsError, UnauthorizedError, ValidationError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { DEFAULT_WEBHOOK_RATE_LIMIT, type StoredWebhookConfig } from './sensor-config';
import { startSensorRun, type SensorRunDeps } from './sensor-runs';
import type { SigningSecretOpener } from './signing-secret';

export const TIMESTAMP_HEADER = 'x-dagy-timestamp';
export const SIGNATURE_HEADER = 'x-dagy-signature';
export const DELIVERY_HEADER = 'x-dagy-delivery';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const RATE_WINDOW_SECONDS = 60;
const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface WebhookRequest {
  token: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  rawBody: string;
  body: unknown;
  sourceIp: string;
}

export interface WebhookResult {
  sensor_id: string;
  run_id: string;
  run_slug: string;
  status: string;
  created: boolean;
}

export interface WebhookDeps extends SensorRunDeps {
  logger: Logger;
  signingSecrets: SigningSecretOpener;
}

/** The delivery id the request names (X-Dagy-Delivery, else Idempotency-Key), checked. */
function deliveryIdOf(headers: Record<string, string>): string | undefined {
  for (const header of [DELIVERY_HEADER, IDEMPOTENCY_HEADER]) {
    const value = headers[header];
    if (value === undefined || value === '') continue;
    if (!DELIVERY_ID.test(value)) throw new ValidationError([{ path: header, message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }]);
    return value;
  }
  return undefined;
}

export async function triggerWebhook(deps: WebhookDeps, request: WebhookRequest): Promise<WebhookResult> {
  if (!isWebhookTokenFormat(request.token)) throw new NotFoundError('webhook');
  const sensor = await deps.repo.findByTokenHash(sha256Hex(request.token));
  // Unknown, disabled, or not a webhook: the same answer for all.
  if (sensor === undefined || !sensor.enabled || sensor.sensor_type !== 'webhook') throw new NotFoundError('webhook');
  const config = sensor.config as StoredWebhookConfig;
  const now = epochSeconds(deps.clock);

  const deliveryId = deliveryIdOf(request.headers);
  // Unsigned sensor: the delivery id as sent (the token is the only credential anyway).
  let key = deliveryId === undefined ? undefined : `webhook:${sensor.sensor_id}:d:${deliveryId}`;
  const secret = await deps.signingSecrets.secretOf(sensor.org_id, sensor.sensor_id, config);
  if (secret !== undefined) {
    const verdict = verifyWebhookSignature({
      secret,
      timestampHeader: request.headers[TIMESTAMP_HEADER],
      signatureHeader: request.headers[SIGNATURE_HEADER],
      deliveryId,
      rawBody: request.rawBody,
      nowEpochSeconds: now,
      toleranceSeconds: DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
    });
    if (!verdict.ok) {
      deps.logger.warn('webhook signature refused', { sensor_id: sensor.sensor_id, reason: verdict.reason });
      throw new UnauthorizedError(`invalid webhook signature (${verdict.reason})`);
    }
    // Signed delivery id → dedupe on it; signed the old way → on the signature (a replay inside
    // the window carries the same one), never on an unsigned header.
    key = verdict.delivery_signed ? `webhook:${sensor.sensor_id}:d:${deliveryId}` : `webhook:${sensor.sensor_id}:s:${verdict.signature}`;
  }

  const windowStart = now - (now % RATE_WINDOW_SECONDS);
  const limit = config.rate_limit_per_minute ?? DEFAULT_WEBHOOK_RATE_LIMIT;
  if (!(await deps.repo.takeRateToken(sensor.org_id, sensor.sensor_id, windowStart, RATE_WINDOW_SECONDS, limit))) {
    throw new TooManyRequestsError(`this webhook accepts ${limit} calls per minute`, windowStart + RATE_WINDOW_SECONDS - now);
  }

  const body = request.rawBody === '' ? {} : request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ path: '(root)', message: 'the body must be a JSON object (it becomes the run parameters)' }]);
  }
  const result = await startSensorRun(deps, sensor, body as JsonObject, key ?? `webhook:${sensor.sensor_id}:r:${randomUUID()}`, `webhook (sensor ${sensor.sensor_id})`, { ip_address: request.sourceIp });
  return { sensor_id: sensor.sensor_id, run_id: result.run.run_id, run_slug: result.run.run_slug, status: result.run.status, created: result.created };
}

// Webhook tokens and signatures. Signature = hex HMAC-SHA256(secret, material) where material is
// `${timestamp}.${deliveryId}.${rawBody}` when the sender names a delivery id, else (the first
// scheme, still accepted) `${timestamp}.${rawBody}`. The timestamp is signed and must be recent, so
// a captured request cannot be replayed later; the delivery id is signed so that a replay inside
// the window cannot change it to start another run (the run's idempotency key is derived from it).
// The two materials cannot be confused: a delivery id has no `{`, a webhook body is a JSON object.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_TOKEN_PREFIX = 'dagy_wh_';
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export function newWebhookToken(): string {
  return WEBHOOK_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function isWebhookTokenFormat(s: string): boolean {
  return typeof s === 'string' && /^dagy_wh_[A-Za-z0-9_-]{43}$/.test(s);
}

/** Hex HMAC over "timestamp.body", or "timestamp.deliveryId.body" when a delivery id is given. */
export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer, deliveryId?: string): string {
  // Body fed as-is (bytes), never re-serialised: any re-encoding would change the signature.
  const prefix = deliveryId === undefined ? `${timestamp}.` : `${timestamp}.${deliveryId}.`;
  return createHmac('sha256', secret).update(prefix, 'utf8').update(rawBody).digest('hex');
}

export type WebhookSignatureFailure =
  | 'missing-timestamp'
  | 'malformed-timestamp'
  | 'timestamp-out-of-tolerance'
  | 'missing-signature'
  | 'malformed-signature'
  | 'signature-mismatch';

export interface VerifyWebhookInput {
  secret: string;
  timestampHeader: string | undefined;
  /** 64 hex chars, optionally prefixed `sha256=`. */
  signatureHeader: string | undefined;
  /** The delivery id the request names (X-Dagy-Delivery), if any. */
  deliveryId?: string | undefined;
  rawBody: string | Buffer;
  nowEpochSeconds: number;
  toleranceSeconds?: number;
}

/**
 * `delivery_signed`: the signature covers the delivery id (dedupe on it); false: the first scheme
 * (timestamp and body only), so any delivery id sent along is unsigned and must be ignored.
 * `signature`: the normalized hex (lower case, no prefix).
 */
export type VerifyWebhookResult = { ok: true; delivery_signed: boolean; signature: string } | { ok: false; reason: WebhookSignatureFailure };

export function verifyWebhookSignature(input: VerifyWebhookInput): VerifyWebhookResult {
  const { secret, timestampHeader, signatureHeader, rawBody, nowEpochSeconds, deliveryId } = input;
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const fail = (reason: WebhookSignatureFailure): VerifyWebhookResult => ({ ok: false, reason });

  if (!timestampHeader) return fail('missing-timestamp');
  if (!/^\d{1,12}$/.test(timestampHeader)) return fail('malformed-timestamp');
  if (Math.abs(nowEpochSeconds - Number(timestampHeader)) > tolerance) return fail('timestamp-out-of-tolerance');

  if (!signatureHeader) return fail('missing-signature');
  const hex = signatureHeader.startsWith('sha256=') ? signatureHeader.slice(7) : signatureHeader;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return fail('malformed-signature');
  const given = Buffer.from(hex, 'hex');
  const signature = hex.toLowerCase();

  // Sign the header's exact digits (what the sender signed), compare bytes in constant time.
  if (deliveryId !== undefined && deliveryId !== '') {
    const expected = Buffer.from(signWebhook(secret, timestampHeader, rawBody, deliveryId), 'hex');
    if (timingSafeEqual(expected, given)) return { ok: true, delivery_signed: true, signature };
  }
  const legacy = Buffer.from(signWebhook(secret, timestampHeader, rawBody), 'hex');
  return timingSafeEqual(legacy, given) ? { ok: true, delivery_signed: false, signature } : fail('signature-mismatch');
}

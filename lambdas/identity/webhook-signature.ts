// Webhook tokens and signatures. Signature = hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`);
// the timestamp is signed and must be recent, so a captured request cannot be replayed later.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_TOKEN_PREFIX = 'dagy_wh_';
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export function newWebhookToken(): string {
  return WEBHOOK_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function isWebhookTokenFormat(s: string): boolean {
  return typeof s === 'string' && /^dagy_wh_[A-Za-z0-9_-]{43}$/.test(s);
}

export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  // Body fed as-is (bytes), never re-serialised: any re-encoding would change the signature.
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest('hex');
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
  rawBody: string | Buffer;
  nowEpochSeconds: number;
  toleranceSeconds?: number;
}

export type VerifyWebhookResult = { ok: true } | { ok: false; reason: WebhookSignatureFailure };

export function verifyWebhookSignature(input: VerifyWebhookInput): VerifyWebhookResult {
  const { secret, timestampHeader, signatureHeader, rawBody, nowEpochSeconds } = input;
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const fail = (reason: WebhookSignatureFailure): VerifyWebhookResult => ({ ok: false, reason });

  if (!timestampHeader) return fail('missing-timestamp');
  if (!/^\d{1,12}$/.test(timestampHeader)) return fail('malformed-timestamp');
  if (Math.abs(nowEpochSeconds - Number(timestampHeader)) > tolerance) return fail('timestamp-out-of-tolerance');

  if (!signatureHeader) return fail('missing-signature');
  const hex = signatureHeader.startsWith('sha256=') ? signatureHeader.slice(7) : signatureHeader;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return fail('malformed-signature');

  // Sign the header's exact digits (what the sender signed), compare bytes in constant time.
  const expected = Buffer.from(signWebhook(secret, timestampHeader, rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(hex, 'hex')) ? { ok: true } : fail('signature-mismatch');
}

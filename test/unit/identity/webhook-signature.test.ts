import { createHmac } from 'node:crypto';
import { isWebhookTokenFormat, newWebhookToken, signWebhook, verifyWebhookSignature } from '../../../lambdas/identity/webhook-signature';

const secret = 'whsec_test';
const body = '{"event":"file.created","key":"a/b.csv"}';
const ts = 1_700_000_000;

const verify = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
  verifyWebhookSignature({
    secret,
    timestampHeader: String(ts),
    signatureHeader: signWebhook(secret, ts, body),
    rawBody: body,
    nowEpochSeconds: ts,
    ...over,
  });

describe('webhook tokens', () => {
  it('are dagy_wh_ + 43 base64url chars', () => {
    const t = newWebhookToken();
    expect(t).toMatch(/^dagy_wh_[A-Za-z0-9_-]{43}$/);
    expect(isWebhookTokenFormat(t)).toBe(true);
    expect(isWebhookTokenFormat(t.slice(0, -1))).toBe(false);
    expect(newWebhookToken()).not.toBe(t);
  });
});

describe('signWebhook', () => {
  it('is hex HMAC-SHA256 over "timestamp.body"', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(signWebhook(secret, ts, body)).toBe(expected);
    expect(signWebhook(secret, String(ts), Buffer.from(body))).toBe(expected);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a fresh, correct signature (also with a sha256= prefix or upper-case hex)', () => {
    expect(verify()).toMatchObject({ ok: true });
    expect(verify({ signatureHeader: `sha256=${signWebhook(secret, ts, body)}` })).toMatchObject({ ok: true });
    expect(verify({ signatureHeader: signWebhook(secret, ts, body).toUpperCase() })).toMatchObject({ ok: true });
  });

  it('accepts exactly at the tolerance edge and refuses one second beyond, both directions', () => {
    expect(verify({ nowEpochSeconds: ts + 300 })).toMatchObject({ ok: true });
    expect(verify({ nowEpochSeconds: ts - 300 })).toMatchObject({ ok: true });
    expect(verify({ nowEpochSeconds: ts + 301 })).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
    expect(verify({ nowEpochSeconds: ts - 301 })).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
    expect(verify({ nowEpochSeconds: ts + 10, toleranceSeconds: 10 })).toMatchObject({ ok: true });
    expect(verify({ nowEpochSeconds: ts + 11, toleranceSeconds: 10 })).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
  });

  it('refuses a changed body, secret or timestamp', () => {
    expect(verify({ rawBody: `${body} ` })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verify({ secret: 'other' })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verify({ timestampHeader: String(ts + 1) })).toEqual({ ok: false, reason: 'signature-mismatch' });
  });

  it('names what is missing or malformed', () => {
    expect(verify({ timestampHeader: undefined })).toEqual({ ok: false, reason: 'missing-timestamp' });
    expect(verify({ timestampHeader: '17e8' })).toEqual({ ok: false, reason: 'malformed-timestamp' });
    expect(verify({ timestampHeader: '-1' })).toEqual({ ok: false, reason: 'malformed-timestamp' });
    expect(verify({ signatureHeader: undefined })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verify({ signatureHeader: 'abc' })).toEqual({ ok: false, reason: 'malformed-signature' });
    expect(verify({ signatureHeader: 'z'.repeat(64) })).toEqual({ ok: false, reason: 'malformed-signature' });
  });
});

describe('the delivery id is signed', () => {
  const delivery = 'evt-42';
  const signedWithDelivery = signWebhook(secret, ts, body, delivery);

  it('is HMAC over "timestamp.delivery.body"', () => {
    expect(signedWithDelivery).toBe(createHmac('sha256', secret).update(`${ts}.${delivery}.${body}`).digest('hex'));
    expect(signedWithDelivery).not.toBe(signWebhook(secret, ts, body));
  });

  it('verifies with the delivery id it was signed with, and says so', () => {
    expect(verify({ signatureHeader: signedWithDelivery, deliveryId: delivery })).toEqual({ ok: true, delivery_signed: true, signature: signedWithDelivery });
  });

  it('refuses the same signature with a changed or missing delivery id (a replay cannot pick a new one)', () => {
    expect(verify({ signatureHeader: signedWithDelivery, deliveryId: 'evt-43' })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verify({ signatureHeader: signedWithDelivery, deliveryId: undefined })).toEqual({ ok: false, reason: 'signature-mismatch' });
    expect(verify({ signatureHeader: signedWithDelivery, deliveryId: delivery, rawBody: `${body} ` })).toEqual({ ok: false, reason: 'signature-mismatch' });
  });

  it('a signature of the first scheme still verifies, flagged as not covering the delivery id', () => {
    const legacy = signWebhook(secret, ts, body);
    expect(verify({ signatureHeader: `sha256=${legacy.toUpperCase()}`, deliveryId: 'anything' })).toEqual({ ok: true, delivery_signed: false, signature: legacy });
    expect(verify({ signatureHeader: legacy })).toEqual({ ok: true, delivery_signed: false, signature: legacy });
  });
});

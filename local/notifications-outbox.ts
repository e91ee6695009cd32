// The local SES and SNS: alert emails (SES v2 SendEmail) and topic messages (SNS Publish) sent by
// the unchanged handler code to the loopback emulator are written, one JSON file each, under
// <dataDir>/outbox/{email,sns}/ instead of leaving the machine. Tests (and `npm start` users)
// read them there with readOutbox().
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtensionHandle, PlatformContext } from './extensions';

export type OutboxKind = 'email' | 'sns';

export interface OutboxEmail {
  message_id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  sent_at: string;
}

export interface OutboxSnsMessage {
  message_id: string;
  topic_arn: string;
  subject: string | null;
  message: string;
  sent_at: string;
}

export function outboxDir(dataDir: string, kind: OutboxKind): string {
  return join(dataDir, 'outbox', kind);
}

/** Everything recorded so far of one kind, oldest first. */
export function readOutbox(dataDir: string, kind: 'email'): OutboxEmail[];
export function readOutbox(dataDir: string, kind: 'sns'): OutboxSnsMessage[];
export function readOutbox(dataDir: string, kind: OutboxKind): Array<OutboxEmail | OutboxSnsMessage> {
  const dir = outboxDir(dataDir, kind);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as OutboxEmail | OutboxSnsMessage);
}

function record(dataDir: string, kind: OutboxKind, value: OutboxEmail | OutboxSnsMessage): void {
  const dir = outboxDir(dataDir, kind);
  mkdirSync(dir, { recursive: true });
  // Time first, so a directory listing is in sending order.
  writeFileSync(join(dir, `${value.sent_at.replace(/[:.]/g, '-')}-${value.message_id}.json`), JSON.stringify(value, null, 2));
}

interface SesV2SendEmail {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string } } } };
}

export async function startLocalOutbox(context: PlatformContext): Promise<ExtensionHandle> {
  const { dataDir, emulator, clock } = context;
  emulator.registerRaw(async (request) => {
    if (request.method === 'POST' && request.path.split('?')[0] === '/v2/email/outbound-emails') {
      const body = JSON.parse(request.body === '' ? '{}' : request.body) as SesV2SendEmail;
      const message_id = randomUUID();
      record(dataDir, 'email', {
        message_id,
        from: body.FromEmailAddress ?? '',
        to: body.Destination?.ToAddresses ?? [],
        subject: body.Content?.Simple?.Subject?.Data ?? '',
        text: body.Content?.Simple?.Body?.Text?.Data ?? '',
        sent_at: new Date(clock.nowMs()).toISOString(),
      });
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ MessageId: message_id }) };
    }
    if (request.method === 'POST' && request.contentType.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(request.body);
      if (form.get('Action') !== 'Publish') return null;
      const message_id = randomUUID();
      record(dataDir, 'sns', {
        message_id,
        topic_arn: form.get('TopicArn') ?? '',
        subject: form.get('Subject'),
        message: form.get('Message') ?? '',
        sent_at: new Date(clock.nowMs()).toISOString(),
      });
      const xml =
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
        `<PublishResult><MessageId>${message_id}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
      return { status: 200, contentType: 'text/xml', body: xml };
    }
    return null;
  });
  return { stop: async () => undefined };
}

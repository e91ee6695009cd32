// A channel's credentials at rest: URLs that carry a token and webhook signing secrets are
// envelope-encrypted with the secrets domain's building blocks (a fresh data key per value, wrapped
// by KMS in AWS or the local key file), under a context binding each to its organization, channel
// and purpose, so a value copied onto another channel or organization does not open.
import { openSecret, sealSecret, type SealedSecret } from '../secrets/envelope';
import type { EncryptionContext, KeyProvider } from '../secrets/key-provider';

export type ChannelSecretPurpose = 'channel_url' | 'channel_signing_secret';

export function channelSecretContext(orgId: string, channelId: string, purpose: ChannelSecretPurpose): EncryptionContext {
  return { org_id: orgId, channel_id: channelId, purpose };
}

export function sealChannelSecret(provider: KeyProvider, orgId: string, channelId: string, purpose: ChannelSecretPurpose, value: string): Promise<SealedSecret> {
  return sealSecret(provider, channelSecretContext(orgId, channelId, purpose), value);
}

export function openChannelSecret(provider: KeyProvider, orgId: string, channelId: string, purpose: ChannelSecretPurpose, sealed: SealedSecret): Promise<string> {
  return openSecret(provider, channelSecretContext(orgId, channelId, purpose), sealed);
}

// AWS provider: KMS generates and unwraps the data keys. The encryption context is part of
// KMS's authenticated data (and appears in CloudTrail), so org A's wrapped key fails under org B.
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DATA_KEY_BYTES, DataKeyError } from './key-provider';
import type { DataKey, EncryptionContext, KeyProvider } from './key-provider';

export class KmsKeyProvider implements KeyProvider {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async generateDataKey(context: EncryptionContext): Promise<DataKey> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, NumberOfBytes: DATA_KEY_BYTES, EncryptionContext: context }),
    );
    if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES || !out.CiphertextBlob) {
      throw new DataKeyError('KMS GenerateDataKey returned no usable key');
    }
    return {
      plaintextKey: Buffer.from(out.Plaintext),
      encryptedKey: Buffer.from(out.CiphertextBlob).toString('base64'),
    };
  }

  async decryptDataKey(encryptedKey: string, context: EncryptionContext): Promise<Buffer> {
    // KeyId on Decrypt pins the key: a blob wrapped under any other key is refused by KMS.
    const out = await this.kms.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(encryptedKey, 'base64'),
        EncryptionContext: context,
      }),
    );
    if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES) {
      throw new DataKeyError('KMS Decrypt returned no usable key');
    }
    return Buffer.from(out.Plaintext);
  }
}

import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { DataKeyError } from '../../../lambdas/secrets/key-provider';
import { KmsKeyProvider } from '../../../lambdas/secrets/kms-key-provider';

const KEY_ID = 'arn:aws:kms:eu-west-1:111122223333:key/secrets';
const context = { org_id: 'org-a', secret_name: 'API_TOKEN' };
const kmsMock = mockClient(KMSClient);

describe('KmsKeyProvider', () => {
  beforeEach(() => kmsMock.reset());
  const provider = () => new KmsKeyProvider(new KMSClient({ region: 'eu-west-1' }), KEY_ID);

  it('asks KMS for a 32-byte data key under the key id and context', async () => {
    const plaintext = Buffer.alloc(32, 7);
    const blob = Buffer.from('wrapped-by-kms');
    kmsMock.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintext, CiphertextBlob: blob, KeyId: KEY_ID });

    const key = await provider().generateDataKey(context);

    expect(key.plaintextKey.equals(plaintext)).toBe(true);
    expect(key.encryptedKey).toBe(blob.toString('base64'));
    const calls = kmsMock.commandCalls(GenerateDataKeyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ KeyId: KEY_ID, NumberOfBytes: 32, EncryptionContext: context });
  });

  it('decrypts with the same key id, context and ciphertext', async () => {
    const plaintext = Buffer.alloc(32, 9);
    kmsMock.on(DecryptCommand).resolves({ Plaintext: plaintext, KeyId: KEY_ID });
    const blob = Buffer.from('wrapped-by-kms');

    const key = await provider().decryptDataKey(blob.toString('base64'), context);

    expect(key.equals(plaintext)).toBe(true);
    const input = kmsMock.commandCalls(DecryptCommand)[0].args[0].input;
    expect(input.KeyId).toBe(KEY_ID);
    expect(input.EncryptionContext).toEqual(context);
    expect(Buffer.from(input.CiphertextBlob ?? new Uint8Array()).equals(blob)).toBe(true);
  });

  it('propagates KMS refusing a wrong context', async () => {
    kmsMock.on(DecryptCommand).rejects(Object.assign(new Error('denied'), { name: 'InvalidCiphertextException' }));
    await expect(provider().decryptDataKey('AAAA', { org_id: 'org-b' })).rejects.toThrow('denied');
  });

  it('refuses a KMS answer without a 32-byte key', async () => {
    kmsMock.on(GenerateDataKeyCommand).resolves({ Plaintext: Buffer.alloc(16), CiphertextBlob: Buffer.from('x') });
    await expect(provider().generateDataKey(context)).rejects.toThrow(DataKeyError);
    kmsMock.on(DecryptCommand).resolves({});
    await expect(provider().decryptDataKey('AAAA', context)).rejects.toThrow(DataKeyError);
  });
});

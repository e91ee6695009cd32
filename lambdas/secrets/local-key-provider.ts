// Local platform stand-in for KMS (no KMS emulator exists): data keys are wrapped with
// AES-256-GCM under a master key kept in a file under .dagy/, the context bound as AAD.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DATA_KEY_BYTES, DataKeyError, canonicalContext } from './key-provider';
import type { DataKey, EncryptionContext, KeyProvider } from './key-provider';

const FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MASTER_KEY_BYTES = 32;

export class LocalKeyProvider implements KeyProvider {
  private readonly masterKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== MASTER_KEY_BYTES) throw new RangeError('local master key must be 32 bytes');
    this.masterKey = Buffer.from(masterKey);
  }

  async generateDataKey(context: EncryptionContext): Promise<DataKey> {
    const plaintextKey = randomBytes(DATA_KEY_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(canonicalContext(context), 'utf8'));
    const wrapped = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
    const blob = Buffer.concat([Buffer.of(FORMAT_V1), nonce, wrapped, cipher.getAuthTag()]);
    return { plaintextKey, encryptedKey: blob.toString('base64') };
  }

  async decryptDataKey(encryptedKey: string, context: EncryptionContext): Promise<Buffer> {
    const blob = Buffer.from(encryptedKey, 'base64');
    if (blob.length !== 1 + NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES || blob[0] !== FORMAT_V1) {
      throw new DataKeyError('malformed wrapped data key');
    }
    const nonce = blob.subarray(1, 1 + NONCE_BYTES);
    const wrapped = blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(canonicalContext(context), 'utf8'));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(wrapped), decipher.final()]);
    } catch (cause) {
      throw new DataKeyError('data key does not authenticate under this context', { cause });
    }
  }
}

/**
 * Reads the local master key (base64 text) or, on first use, creates it with mode 0600 in a
 * 0700 directory. `wx` makes concurrent first starts agree on one key instead of overwriting.
 */
export async function loadOrCreateLocalMasterKey(filePath: string): Promise<Buffer> {
  const existing = await readKeyFile(filePath);
  if (existing) return existing;
  await mkdir(dirname(filePath), { recursive: true, mode: 0o700 });
  try {
    await writeFile(filePath, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const created = await readKeyFile(filePath);
  if (!created) throw new Error(`could not create local master key at ${filePath}`);
  return created;
}

async function readKeyFile(filePath: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`local master key at ${filePath} is not 32 bytes of base64`);
  }
  return key;
}

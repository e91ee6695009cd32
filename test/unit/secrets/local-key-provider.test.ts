import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataKeyError, canonicalContext } from '../../../lambdas/secrets/key-provider';
import { LocalKeyProvider, loadOrCreateLocalMasterKey } from '../../../lambdas/secrets/local-key-provider';

const ctxA = { org_id: 'org-a', secret_name: 'API_TOKEN' };

describe('LocalKeyProvider', () => {
  const provider = new LocalKeyProvider(randomBytes(32));

  it('round-trips a 32-byte data key under the same context', async () => {
    const { plaintextKey, encryptedKey } = await provider.generateDataKey(ctxA);
    expect(plaintextKey).toHaveLength(32);
    expect(Buffer.from(encryptedKey, 'base64').includes(plaintextKey)).toBe(false);
    const back = await provider.decryptDataKey(encryptedKey, { secret_name: 'API_TOKEN', org_id: 'org-a' });
    expect(back.equals(plaintextKey)).toBe(true);
  });

  it('refuses another org context, an extra key, or a missing key', async () => {
    const { encryptedKey } = await provider.generateDataKey(ctxA);
    await expect(provider.decryptDataKey(encryptedKey, { ...ctxA, org_id: 'org-b' })).rejects.toThrow(DataKeyError);
    await expect(provider.decryptDataKey(encryptedKey, { ...ctxA, environment: 'dev' })).rejects.toThrow(DataKeyError);
    await expect(provider.decryptDataKey(encryptedKey, { org_id: 'org-a' })).rejects.toThrow(DataKeyError);
  });

  it('refuses a tampered wrapped key', async () => {
    const { encryptedKey } = await provider.generateDataKey(ctxA);
    const blob = Buffer.from(encryptedKey, 'base64');
    for (const i of [0, 5, 20, blob.length - 1]) {
      const copy = Buffer.from(blob);
      copy[i] ^= 0x80;
      await expect(provider.decryptDataKey(copy.toString('base64'), ctxA)).rejects.toThrow(DataKeyError);
    }
    await expect(provider.decryptDataKey(blob.subarray(0, 40).toString('base64'), ctxA)).rejects.toThrow(DataKeyError);
  });

  it('refuses a key wrapped under another master key', async () => {
    const { encryptedKey } = await new LocalKeyProvider(randomBytes(32)).generateDataKey(ctxA);
    await expect(provider.decryptDataKey(encryptedKey, ctxA)).rejects.toThrow(DataKeyError);
  });

  it('requires a 32-byte master key', () => {
    expect(() => new LocalKeyProvider(randomBytes(16))).toThrow(RangeError);
  });
});

describe('canonicalContext', () => {
  it('sorts keys and is unambiguous', () => {
    expect(canonicalContext({ b: '1', a: '2' })).toBe('{"a":"2","b":"1"}');
    expect(canonicalContext({ a: 'x","b":"y' })).not.toBe(canonicalContext({ a: 'x', b: 'y' }));
  });
});

describe('loadOrCreateLocalMasterKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dagy-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a 0600 key file once and then reads the same key', async () => {
    const file = join(dir, '.dagy', 'master.key');
    const first = await loadOrCreateLocalMasterKey(file);
    expect(first).toHaveLength(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateLocalMasterKey(file);
    expect(second.equals(first)).toBe(true);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').equals(first)).toBe(true);
  });

  it('agrees on one key when two first starts race', async () => {
    const file = join(dir, 'master.key');
    const [a, b] = await Promise.all([loadOrCreateLocalMasterKey(file), loadOrCreateLocalMasterKey(file)]);
    expect(a.equals(b)).toBe(true);
  });

  it('refuses a corrupt key file rather than replacing it', async () => {
    const file = join(dir, 'master.key');
    await writeFile(file, 'not a key\n');
    await expect(loadOrCreateLocalMasterKey(file)).rejects.toThrow(/not 32 bytes/);
  });
});

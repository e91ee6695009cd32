import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { ArtifactError, parseS3Uri, unpackArtifact } from '../../../lambdas/execution/task-runner/artifact-unpack';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagy-unpack-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])));

test('unpacks every file under the target directory', async () => {
  await unpackArtifact(zip({ 'tasks/a.mjs': 'export const a = 1;', './b.js': 'b', 'lib/deep/c.json': '{}' }), join(dir, 'h1'));
  expect(readFileSync(join(dir, 'h1', 'tasks', 'a.mjs'), 'utf8')).toBe('export const a = 1;');
  expect(existsSync(join(dir, 'h1', 'b.js'))).toBe(true);
  expect(existsSync(join(dir, 'h1', 'lib', 'deep', 'c.json'))).toBe(true);
});

test.each(['../escape.js', '/abs.js', 'a/../../x.js', 'win\\path.js'])('refuses an entry named %s and leaves nothing behind', async (name) => {
  await expect(unpackArtifact(zip({ 'ok.js': 'x', [name]: 'evil' }), join(dir, 'h2'))).rejects.toThrow(ArtifactError);
  expect(existsSync(join(dir, 'h2'))).toBe(false);
  expect(existsSync(join(dir, 'escape.js'))).toBe(false);
});

test('refuses an archive that unpacks beyond the limit, before writing anything', async () => {
  await expect(unpackArtifact(zip({ 'big.txt': 'x'.repeat(10_000) }), join(dir, 'h3'), 'artifact', 1000)).rejects.toThrow('unpacks to more than 1000 bytes');
  expect(existsSync(join(dir, 'h3'))).toBe(false);
});

test('refuses bytes that are not a ZIP', async () => {
  await expect(unpackArtifact(Buffer.from('not a zip'), join(dir, 'h4'))).rejects.toThrow('is not a readable ZIP');
});

test('parses s3:// URIs', () => {
  expect(parseS3Uri('s3://bucket/artifacts/org/f/h.zip')).toEqual({ bucket: 'bucket', key: 'artifacts/org/f/h.zip' });
  expect(() => parseS3Uri('https://x')).toThrow('not an s3:// URI');
});

import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { CliError } from './errors';

/** A secret's value: piped stdin, or a prompt that does not echo. Never argv (shell history, ps). */
export async function readSecretValue(name: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    // One trailing newline is how `echo` and most pipes end; it is not part of the value.
    const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (value === '') throw new CliError('no value on stdin');
    return value;
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const question = rl.question(`${name} (not echoed): `);
    muted = true;
    const value = await question;
    process.stderr.write('\n');
    if (value === '') throw new CliError('empty value');
    return value;
  } finally {
    rl.close();
  }
}


import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { connect, type Connection } from './api/client';
import { resolveTarget } from './config-store';
import { CliError } from './errors';
import { createOutput, type Output } from './output';

export interface GlobalOptions {
  json?: boolean;
  profile?: string;
}

export interface Context {
  out: Output;
  options: GlobalOptions;
  /** The API client for the resolved profile / environment (resolved on first use). */
  connection(): Connection;
}

export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  let connection: Connection | undefined;
  return {
    out: createOutput(options.json === true),
    options,
    connection() {
      if (connection === undefined) {
        const target = resolveTarget(options.profile);
        connection = connect(target.url, target.apiKey);
      }
      return connection;
    },
  };
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `k=v` pairs (v parsed as JSON when it is JSON, else kept as text) over a params file. */
export function parseParameters(pairs: string[] = [], file?: string): Record<string, unknown> {
  let parameters: Record<string, unknown> = {};
  if (file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CliError(`--params-file ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`--params-file ${file}: must hold a JSON object`);
    parameters = parsed as Record<string, unknown>;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--param ${pair}: expected key=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    parameters[pair.slice(0, eq)] = value;
  }
  return parameters;
}

/** `name@version` → its parts, or null for a plain name. */
export function splitFlowRef(ref: string): { flow_name: string; flow_version: string } | null {
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1) return null;
  return { flow_name: ref.slice(0, at), flow_version: ref.slice(at + 1) };
}

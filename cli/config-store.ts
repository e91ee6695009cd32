import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './errors';

// Profiles: ~/.config/dagy/config.json (or $XDG_CONFIG_HOME/dagy/config.json, or $DAGY_CONFIG_FILE),
// mode 0600 because it holds API keys.

export interface Profile {
  url: string;
  api_key: string;
}

export interface ConfigFile {
  current_profile?: string;
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DAGY_CONFIG_FILE) return env.DAGY_CONFIG_FILE;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'dagy', 'config.json');
}

export function readConfig(path: string = configPath()): ConfigFile {
  if (!existsSync(path)) return { profiles: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConfigFile>;
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch (error) {
    throw new CliError(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}): fix or delete it`);
  }
}

export function writeConfig(config: ConfigFile, path: string = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
}

export interface Target {
  url: string;
  apiKey: string;
  /** Where the values came from, for messages. */
  source: string;
}

/**
 * The platform and key a command talks to: an explicit --profile wins; otherwise DAGY_URL /
 * DAGY_API_KEY, each falling back to the current profile.
 */
export function resolveTarget(profileOption: string | undefined, env: NodeJS.ProcessEnv = process.env): Target {
  const config = readConfig(configPath(env));
  const name = profileOption ?? env.DAGY_PROFILE ?? config.current_profile ?? DEFAULT_PROFILE;
  const profile = config.profiles[name];
  if (profileOption !== undefined && profile === undefined) {
    throw new CliError(`no profile '${profileOption}' in ${configPath(env)} (dagy login --profile ${profileOption} --url … --api-key …)`, EXIT.connection);
  }
  const url = (profileOption === undefined ? env.DAGY_URL : undefined) ?? profile?.url;
  const apiKey = (profileOption === undefined ? env.DAGY_API_KEY : undefined) ?? profile?.api_key;
  if (!url || !apiKey) {
    throw new CliError('not logged in: run `dagy login --url <url> --api-key <key>` or set DAGY_URL and DAGY_API_KEY', EXIT.connection);
  }
  const source = profileOption === undefined && (env.DAGY_URL || env.DAGY_API_KEY) ? 'environment' : `profile ${name}`;
  return { url: url.replace(/\/+$/, ''), apiKey, source };
}

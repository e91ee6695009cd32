import type { Command } from 'commander';
import { connect, unwrap } from '../api/client';
import { configPath, DEFAULT_PROFILE, readConfig, writeConfig } from '../config-store';
import { contextOf } from '../context';
import { CliError, EXIT } from '../errors';
import { table } from '../output';

export function registerAuthCommands(program: Command): void {
  program
    .command('login')
    .description('Check an API key against a platform and save it as a profile (~/.config/dagy/config.json, mode 0600)')
    .requiredOption('--url <url>', 'the platform, e.g. http://127.0.0.1:3000 (without /v1)')
    .requiredOption('--api-key <key>', 'an API key (dagy_key_…)')
    .action(async (options: { url: string; apiKey: string }, command: Command) => {
      const ctx = contextOf(command);
      const { url, api } = connect(options.url, options.apiKey);
      const me = await unwrap(api.GET('/v1/me'));
      const name = ctx.options.profile ?? DEFAULT_PROFILE;
      const config = readConfig();
      config.profiles[name] = { url, api_key: options.apiKey };
      config.current_profile = name;
      writeConfig(config);
      ctx.out.result({ profile: name, url, config_file: configPath(), me }, () =>
        ctx.out.line(`logged in to ${url} as ${describeMe(me)}; saved as profile '${name}' in ${configPath()}`),
      );
    });

  program
    .command('whoami')
    .description('Who the current credentials are: caller, organization and role')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { url, api } = ctx.connection();
      const me = await unwrap(api.GET('/v1/me'));
      ctx.out.result({ url, ...me }, () => ctx.out.line(`${describeMe(me)} at ${url}`));
    });

  program
    .command('profiles')
    .description('List saved profiles')
    .action((_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const config = readConfig();
      const rows = Object.entries(config.profiles).map(([name, p]) => [name === config.current_profile ? `* ${name}` : `  ${name}`, p.url]);
      ctx.out.result(
        { config_file: configPath(), current_profile: config.current_profile ?? null, profiles: Object.fromEntries(Object.entries(config.profiles).map(([n, p]) => [n, { url: p.url }])) },
        () => {
          if (rows.length === 0) throw new CliError(`no profiles in ${configPath()}`, EXIT.connection);
          ctx.out.line(table(['PROFILE', 'URL'], rows));
        },
      );
    });
}

interface MeView {
  principal_type: 'user' | 'api_key';
  user: { email: string } | null;
  api_key: { name: string; key_id: string } | null;
  organization: { name: string; org_id: string } | null;
  role: string | null;
}

function describeMe(me: MeView): string {
  const who = me.user?.email ?? (me.api_key ? `API key ${me.api_key.name} (${me.api_key.key_id})` : me.principal_type);
  const org = me.organization ? `${me.organization.name} (${me.organization.org_id})` : 'no organization';
  return `${who}, ${me.role ?? 'no role'} of ${org}`;
}

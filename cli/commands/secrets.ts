import type { Command } from 'commander';
import { unwrap } from '../api/client';
import { contextOf } from '../context';
import { readSecretValue } from '../secret-input';
import { table } from '../output';

export function registerSecretCommands(program: Command): void {
  const secrets = program.command('secrets').description('Secrets: set, list, remove (values are never printed)');
  secrets
    .command('set <name>')
    .description('Set a secret; the value is read from stdin, or prompted for without echo')
    .option('--env <environment>', 'scope the secret to one environment (default: org-wide)')
    .action(async (name: string, options: { env?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const value = await readSecretValue(`value of ${name}`);
      const secret = await unwrap(api.PUT('/v1/secrets/{secret_name}', { params: { path: { secret_name: name } }, body: { value, ...(options.env ? { environment: options.env } : {}) } }));
      ctx.out.result(secret, () => ctx.out.line(`secret ${name} set${options.env ? ` in ${options.env}` : ' (org-wide)'}`));
    });
  secrets
    .command('ls')
    .description('Secrets (names and scopes only)')
    .option('--env <environment>', 'only this environment')
    .action(async (options: { env?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(api.GET('/v1/secrets', { params: { query: { environment: options.env } } }));
      ctx.out.result(page, () => ctx.out.line(table(['SECRET', 'ENVIRONMENT', 'UPDATED'], page.items.map((s) => [s.secret_name, s.environment ?? '(org-wide)', s.updated_at]))));
    });
  secrets
    .command('rm <name>')
    .description('Delete a secret')
    .option('--env <environment>', 'the environment-scoped secret (default: the org-wide one)')
    .action(async (name: string, options: { env?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      await unwrap(api.DELETE('/v1/secrets/{secret_name}', { params: { path: { secret_name: name }, query: { environment: options.env } } }));
      ctx.out.result({ deleted: name, environment: options.env ?? null }, () => ctx.out.line(`secret ${name} deleted`));
    });
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('API keys: create, list, revoke');
  keys
    .command('create <name>')
    .description('Create an API key; its secret is shown once')
    .option('--role <role>', 'viewer, developer, admin or owner', 'developer')
    .option('--expires-at <iso>', 'an ISO 8601 expiry')
    .action(async (name: string, options: { role: 'viewer' | 'developer' | 'admin' | 'owner'; expiresAt?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const created = await unwrap(api.POST('/v1/api-keys', { body: { name, role: options.role, ...(options.expiresAt ? { expires_at: options.expiresAt } : {}) } }));
      ctx.out.result(created, () => {
        ctx.out.line(`created API key ${created.api_key.key_id} (${created.api_key.role}); its secret, shown only now:`);
        ctx.out.line(created.secret);
      });
    });
  keys
    .command('ls')
    .description('API keys (secrets never shown)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(api.GET('/v1/api-keys', { params: { query: {} } }));
      ctx.out.result(page, () =>
        ctx.out.line(table(['KEY', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED'], page.items.map((k) => [k.key_id, k.name, k.role, k.prefix, k.created_at, k.expires_at, k.last_used_at]))),
      );
    });
  keys
    .command('revoke <key_id>')
    .description('Revoke an API key')
    .action(async (keyId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      await unwrap(api.DELETE('/v1/api-keys/{key_id}', { params: { path: { key_id: keyId } } }));
      ctx.out.result({ revoked: keyId }, () => ctx.out.line(`API key ${keyId} revoked`));
    });
}

import type { Command } from 'commander';
import { contextOf } from '../context';
import { CliError, EXIT } from '../errors';
import { readSecretValue } from '../secret-input';

// `dagy admin bootstrap`: the first owner of a platform, typically one whose signup is off. It
// invokes the identity function directly with AWS credentials (lambdas/identity/bootstrap.ts);
// the HTTP API cannot do this. Locally, --endpoint points at the local platform's AWS emulator.

interface BootstrapOptions {
  function: string;
  email: string;
  name: string;
  orgName: string;
  region?: string;
  endpoint?: string;
}

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Operator commands (AWS credentials, not an API key)');
  admin
    .command('bootstrap')
    .description("Create the platform's first owner and organization, once (the password is read from stdin or prompted)")
    .requiredOption('--function <name>', "the identity function's name or ARN (the Api stack's IdentityFunctionName output)")
    .requiredOption('--email <email>', "the owner's email")
    .requiredOption('--org-name <name>', 'the organization to create')
    .option('--name <name>', "the owner's display name", 'Owner')
    .option('--region <region>', 'AWS region (default: the SDK default chain)')
    .option('--endpoint <url>', 'Lambda API endpoint (the local platform: its emulator URL)')
    .action(async (options: BootstrapOptions, command: Command) => {
      const ctx = contextOf(command);
      const password = await readSecretValue(`password for ${options.email}`);
      const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
      const client = new LambdaClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      });
      const payload = { dagy_bootstrap: { email: options.email, password, name: options.name, org_name: options.orgName } };
      let answer: unknown;
      try {
        const out = await client.send(new InvokeCommand({ FunctionName: options.function, Payload: Buffer.from(JSON.stringify(payload)) }));
        if (out.FunctionError) throw new CliError(`the identity function failed: ${Buffer.from(out.Payload ?? []).toString('utf8').slice(0, 300)}`);
        answer = JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'));
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(`cannot invoke ${options.function}: ${error instanceof Error ? error.message : String(error)}`, EXIT.connection);
      } finally {
        client.destroy();
      }
      const result = answer as { ok: true; user_id: string; email: string; org_id: string; org_name: string } | { ok: false; error: { code: string; message: string; details?: { path: string; message: string }[] } };
      if (!result.ok) {
        const details = (result.error.details ?? []).map((d) => `${d.path}: ${d.message}`).join('; ');
        throw new CliError(`${result.error.message} (${result.error.code})${details ? `: ${details}` : ''}`);
      }
      ctx.out.result(result, () =>
        ctx.out.line(`created the first owner ${result.email} of organization ${result.org_name} (${result.org_id}); log in with POST /v1/auth/login and create API keys (dagy keys create)`),
      );
    });
}

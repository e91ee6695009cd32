import type { Command } from 'commander';
import { unwrap } from '../api/client';
import { collect, contextOf, parseParameters, splitFlowRef } from '../context';
import { CliError } from '../errors';
import { table } from '../output';

type RunExecutor = 'lambda' | 'step-functions' | 'ecs';

interface DeploymentView {
  deployment_name: string;
  flow_name: string;
  flow_version: string;
  environment: string;
  status: string;
  default_executor: string;
  schedule: string | null;
  deployment_version: number;
}

function describe(d: DeploymentView): string {
  return `${d.deployment_name}: ${d.flow_name}@${d.flow_version} in ${d.environment}, ${d.status} (version ${d.deployment_version})`;
}

export function registerDeploymentCommands(program: Command): void {
  const deployments = program.command('deployments').description('Deployments: a flow version bound to an environment');

  deployments
    .command('create <name>')
    .description('Create a deployment of flow@version in an environment')
    .requiredOption('--flow <name@version>', 'the flow version to deploy')
    .requiredOption('--env <environment>', 'the environment (e.g. dev, staging, prod)')
    .option('--executor <executor>', 'default run executor: lambda, step-functions or ecs')
    .option('--param <key=value>', 'a default run parameter (repeatable)', collect, [])
    .option('--params-file <file>', 'default run parameters from a JSON file')
    .option('--schedule <cron>', 'a schedule expression')
    .action(async (name: string, options: { flow: string; env: string; executor?: RunExecutor; param: string[]; paramsFile?: string; schedule?: string }, command: Command) => {
      const ctx = contextOf(command);
      const ref = splitFlowRef(options.flow);
      if (ref === null) throw new CliError(`--flow ${options.flow}: expected name@version`);
      const parameters = parseParameters(options.param, options.paramsFile);
      const { api } = ctx.connection();
      const created = await unwrap(
        api.POST('/v1/deployments', {
          body: {
            deployment_name: name,
            ...ref,
            environment: options.env,
            ...(options.executor ? { default_executor: options.executor } : {}),
            ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
            ...(options.schedule ? { schedule: options.schedule } : {}),
          },
        }),
      );
      ctx.out.result(created, () => ctx.out.line(`created ${describe(created)}`));
    });

  deployments
    .command('ls')
    .description('List deployments')
    .option('--flow <name>', 'only this flow')
    .option('--env <environment>', 'only this environment')
    .option('--status <status>', 'ACTIVE or PAUSED')
    .action(async (options: { flow?: string; env?: string; status?: 'ACTIVE' | 'PAUSED' }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(api.GET('/v1/deployments', { params: { query: { flow_name: options.flow, environment: options.env, status: options.status } } }));
      ctx.out.result(page, () =>
        ctx.out.line(table(['DEPLOYMENT', 'FLOW', 'ENV', 'STATUS', 'EXECUTOR', 'SCHEDULE'], page.items.map((d) => [d.deployment_name, `${d.flow_name}@${d.flow_version}`, d.environment, d.status, d.default_executor, d.schedule]))),
      );
    });

  for (const action of ['pause', 'resume'] as const) {
    deployments
      .command(`${action} <name>`)
      .description(action === 'pause' ? 'Pause a deployment (its schedules and sensors start no runs)' : 'Resume a paused deployment')
      .action(async (name: string, _options: unknown, command: Command) => {
        const ctx = contextOf(command);
        const { api } = ctx.connection();
        const path = action === 'pause' ? '/v1/deployments/{deployment_name}/pause' : '/v1/deployments/{deployment_name}/resume';
        const done = await unwrap(api.POST(path, { params: { path: { deployment_name: name } }, body: {} }));
        ctx.out.result(done, () => ctx.out.line(`${action}d ${describe(done)}`));
      });
  }

  deployments
    .command('promote <name>')
    .description("Promote a deployment's flow version into another environment")
    .requiredOption('--to <environment>', 'the target environment')
    .action(async (name: string, options: { to: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const done = await unwrap(api.POST('/v1/deployments/{deployment_name}/promote', { params: { path: { deployment_name: name } }, body: { to_environment: options.to } }));
      ctx.out.result(done, () => ctx.out.line(`promoted: ${describe(done)}`));
    });
}

import type { Command } from 'commander';
import { buildFlow, loadFlow } from '../../sdk/compile';
import { deployFlow } from '../../sdk/deploy';
import { compileFlowSpec } from '../../sdk/flow-spec-of';
import { testFlow } from '../../sdk/testing';
import { unwrap } from '../api/client';
import { collect, contextOf, parseParameters } from '../context';
import { EXIT } from '../errors';
import { table } from '../output';

/** Secrets for `flows test`: DAGY_SECRET_<NAME> variables, e.g. DAGY_SECRET_API_TOKEN for API_TOKEN. */
function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('DAGY_SECRET_') && value !== undefined) out[name.slice('DAGY_SECRET_'.length)] = value;
  }
  return out;
}

export function registerFlowCommands(program: Command): void {
  const flows = program.command('flows').description('Flows: compile, test, deploy, list, show');

  flows
    .command('deploy <path>')
    .description('Compile a flow file (or the flow.ts of a directory), bundle its task modules, and register the version')
    .action(async (path: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const built = await buildFlow(path);
      const result = await deployFlow(ctx.connection().api, built);
      const { flow_name, flow_version, code_hash } = result.flow;
      ctx.out.result({ ...result, artifact_bytes: built.zip?.byteLength ?? 0 }, () =>
        ctx.out.line(
          result.status === 'created'
            ? `registered ${flow_name}@${flow_version} (${built.compiled.spec.tasks.length} tasks, artifact ${built.zip?.byteLength ?? 0} bytes ${result.upload}, code_hash ${code_hash.slice(0, 12)})`
            : `unchanged: ${flow_name}@${flow_version} is already registered with this code (code_hash ${code_hash.slice(0, 12)})`,
        ),
      );
    });

  flows
    .command('compile <path>')
    .description('Print the FlowSpec a flow file compiles to (no platform needed)')
    .action(async (path: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const compiled = compileFlowSpec(await loadFlow(path));
      // The FlowSpec is JSON either way.
      ctx.out.line(JSON.stringify(compiled.spec, null, 2));
    });

  flows
    .command('test <path>')
    .description('Run a flow in this process on the pure engine: no platform, no AWS (secrets from DAGY_SECRET_<NAME>)')
    .option('--param <key=value>', 'a run parameter (repeatable; JSON values are parsed)', collect, [])
    .option('--params-file <file>', 'run parameters from a JSON file')
    .action(async (path: string, options: { param: string[]; paramsFile?: string }, command: Command) => {
      const ctx = contextOf(command);
      const definition = await loadFlow(path);
      const parameters = parseParameters(options.param, options.paramsFile) as Record<string, never>;
      const result = await testFlow(definition, {
        parameters,
        secrets: secretsFromEnv(process.env),
        onTaskUpdate: (event) => {
          const detail = event.type === 'failed' || event.type === 'retrying' ? `: ${event.error}` : event.type === 'skipped' ? `: ${event.reason}` : '';
          ctx.out.note(`${event.task} ${event.type} (attempt ${event.attempt})${detail}`);
        },
      });
      ctx.out.result(result, () => {
        for (const [task, log] of Object.entries(result.logs)) for (const line of log.trimEnd().split('\n')) ctx.out.line(`[${task}] ${line}`);
        ctx.out.line(table(['TASK', 'STATE', 'ATTEMPT', 'ERROR'], Object.entries(result.taskStates).map(([t, s]) => [t, s.status, s.attempt, s.error ?? s.reason])));
        ctx.out.line(`${result.status}; outputs: ${JSON.stringify(result.outputs)}`);
      });
      process.exitCode = result.status === 'SUCCEEDED' ? EXIT.ok : result.status === 'CANCELLED' ? EXIT.cancelled : EXIT.failure;
    });

  flows
    .command('ls')
    .description('List flow versions')
    .option('--namespace <ns>', 'only this namespace')
    .option('--tag <key[:value]>', 'only versions with this tag')
    .option('--limit <n>', 'at most this many (1-100)')
    .action(async (options: { namespace?: string; tag?: string; limit?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const page = await unwrap(
        api.GET('/v1/flows', { params: { query: { namespace: options.namespace, tag: options.tag, limit: options.limit === undefined ? undefined : Number(options.limit) } } }),
      );
      ctx.out.result(page, () =>
        ctx.out.line(table(['FLOW', 'VERSION', 'NAMESPACE', 'STATUS', 'EXECUTOR', 'CREATED'], page.items.map((f) => [f.flow_name, f.flow_version, f.namespace, f.status, f.default_executor, f.created_at]))),
      );
    });

  flows
    .command('show <flow> [version]')
    .description("A flow version with its spec (name@version or name version); without a version, the flow's versions")
    .action(async (flow: string, version: string | undefined, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const { api } = ctx.connection();
      const at = flow.lastIndexOf('@');
      const [name, ver] = version !== undefined ? [flow, version] : at > 0 ? [flow.slice(0, at), flow.slice(at + 1)] : [flow, undefined];
      if (ver === undefined) {
        const page = await unwrap(api.GET('/v1/flows/{flow_name}/versions', { params: { path: { flow_name: name } } }));
        ctx.out.result(page, () => ctx.out.line(table(['VERSION', 'STATUS', 'CODE_HASH', 'CREATED'], page.items.map((f) => [f.flow_version, f.status, f.code_hash.slice(0, 12), f.created_at]))));
        return;
      }
      const found = await unwrap(api.GET('/v1/flows/{flow_name}/versions/{flow_version}', { params: { path: { flow_name: name, flow_version: ver } } }));
      const { flow_spec_json: _json, ...view } = found;
      ctx.out.result(view, () => {
        ctx.out.line(`${found.flow_name}@${found.flow_version}  ${found.status}  namespace ${found.namespace}  executor ${found.default_executor}  code_hash ${found.code_hash.slice(0, 12)}`);
        const edges = found.flow_spec.edges ?? [];
        ctx.out.line(
          table(
            ['TASK', 'TYPE', 'AFTER', 'RETRIES', 'TIMEOUT', 'TRIGGER'],
            found.flow_spec.tasks.map((t) => [t.name, t.type, edges.filter((e) => e.to === t.name).map((e) => e.from).join(',') || '-', t.retries, t.timeout_seconds, t.trigger_rule]),
          ),
        );
        const outputs = Object.entries(found.flow_spec.outputs ?? {});
        if (outputs.length > 0) ctx.out.line(`outputs: ${outputs.map(([k, v]) => `${k} <- ${v}`).join(', ')}`);
      });
    });
}

import { Command, CommanderError } from 'commander';
import { FlowCompileError } from '../sdk/flow-spec-of';
import { registerAdminCommands } from './commands/admin';
import { registerAuthCommands } from './commands/auth';
import { registerDeploymentCommands } from './commands/deployments';
import { registerDevCommand } from './commands/dev';
import { registerFlowCommands } from './commands/flows';
import { registerLogCommands } from './commands/logs';
import { registerRunCommands } from './commands/runs';
import { registerScheduleCommands, registerSensorCommands } from './commands/schedules';
import { registerKeyCommands, registerSecretCommands } from './commands/secrets';
import { CliError, EXIT } from './errors';

/** The `dagy` program (docs/cli.md). */
export function buildProgram(): Command {
  const program = new Command('dagy')
    .description('Dagy: author, deploy and run workflows; `dagy dev` runs the local platform')
    .option('--json', 'machine-readable output: one JSON document on stdout, nothing else')
    .option('--profile <name>', 'use this saved profile (default: the current one, or DAGY_URL / DAGY_API_KEY)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDevCommand(program);
  registerAuthCommands(program);
  registerFlowCommands(program);
  registerDeploymentCommands(program);
  registerRunCommands(program);
  registerLogCommands(program);
  registerScheduleCommands(program);
  registerSensorCommands(program);
  registerSecretCommands(program);
  registerKeyCommands(program);
  registerAdminCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** One line for any error, never a stack trace (DAGY_DEBUG=1 prints it). */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof FlowCompileError) {
    return { message: `cannot compile ${error.file}: ${error.problems.join('; ')}`, exitCode: EXIT.failure };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.split('\n')[0] ?? message, exitCode: EXIT.failure };
}

export async function main(argv: string[]): Promise<void> {
  // `dagy runs ls | head`: a closed pipe ends the command quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its own message (or the help/version text) already.
      process.exitCode = error.exitCode;
      return;
    }
    const { message, exitCode } = describeError(error);
    process.stderr.write(`dagy: ${message}\n`);
    if (process.env.DAGY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCode;
  }
}

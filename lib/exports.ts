import { CfnOutput, Fn } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';

/**
 * Values a stack publishes for other stacks under fixed export names.
 *
 * CDK's automatic cross-stack references create an export only while something uses it, so a
 * catalogue change that stops a function from using a table deletes an export another stack still
 * imports and the deploy fails. Publishing every shared value unconditionally keeps exports stable
 * as the catalogues grow and shrink, and gives the importing side predictable tokens (which the
 * cdk-nag acknowledgements need to name findings exactly).
 */
export class StableExports {
  private readonly keys = new Set<string>();

  constructor(private readonly stack: Stack) {}

  publish(key: string, value: string, description?: string): void {
    if (this.keys.has(key)) throw new Error(`${this.stack.stackName}: export ${key} published twice`);
    this.keys.add(key);
    new CfnOutput(this.stack, `Export${key}`, { value, exportName: this.exportName(key), description });
  }

  /** Imports a published value into `consumer`, which is then deployed after the producer. */
  importInto(consumer: Stack, key: string): string {
    if (!this.keys.has(key)) throw new Error(`${this.stack.stackName} publishes no export ${key}`);
    if (consumer === this.stack) throw new Error(`${key}: use the construct itself inside ${this.stack.stackName}`);
    consumer.addStackDependency(this.stack, `imports ${key}`);
    return Fn.importValue(this.exportName(key));
  }

  exportName(key: string): string {
    return `${this.stack.stackName}-${key}`;
  }
}

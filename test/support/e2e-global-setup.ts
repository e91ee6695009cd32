import { ensureConsoleBuilt } from '../../local/console-assets';
import { fromRoot } from '../../lib/paths';
import globalSetup from './global-setup';

/**
 * The browser tests' setup: the integration tests' shared DynamoDB Local, and the console built
 * once (skipped when console/dist is newer than its sources).
 */
export default async function e2eGlobalSetup(): Promise<void> {
  ensureConsoleBuilt(fromRoot('.'));
  await globalSetup();
}

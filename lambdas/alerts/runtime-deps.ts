import { ENV } from '../catalogue/environment';
import { keyProviderFromConfig } from '../secrets/secret-resolver';
import { egressPolicyFromEnv } from '../shared/egress';
import type { EnvSource } from '../shared/config';
import type { Runtime } from '../shared/runtime';
import { ChannelRepository } from './channel-repository';
import { deliveryPolicyOf } from './delivery-policy';
import { Notifier } from './notifier';
import { RuleRepository } from './rule-repository';

/** What every alerts function needs to deliver: repositories, the key provider, the notifier. */
export function alertDeps(runtime: Runtime, env: EnvSource) {
  const channels = new ChannelRepository(runtime.aws.ddb, runtime.config.table('NotificationChannel'));
  const rules = new RuleRepository(runtime.aws.ddb, runtime.config.table('AlertRule'));
  const keyProvider = keyProviderFromConfig(runtime);
  const egress = egressPolicyFromEnv(env);
  const notifier = new Notifier({
    channels,
    keyProvider,
    ses: runtime.aws.ses,
    sns: runtime.aws.sns,
    emailFrom: runtime.config.required(ENV.alertEmailFrom),
    egress,
    policy: deliveryPolicyOf(runtime.config),
    clock: runtime.clock,
    logger: runtime.logger,
  });
  return { channels, rules, keyProvider, egress, notifier };
}

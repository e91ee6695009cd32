import { App } from 'aws-cdk-lib';
import { ENV } from '../../lambdas/catalogue';
import { stageConfig, stageFromContext } from '../../lib/stage';
import { synthDagy } from './synth';

// The stage setting that turns signup off reaches the identity function as DAGY_SIGNUP_ENABLED,
// and the Api stack names the function the one-time bootstrap invokes.

type Json = Record<string, unknown>;

function identityEnvironment(template: ReturnType<typeof synthDagy>['api']): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: Json }>;
  const identity = Object.entries(functions).filter(([id]) => id.startsWith('HttpIdentity'));
  expect(identity).toHaveLength(1);
  return ((identity[0]![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables);
}

describe('signup setting and bootstrap output', () => {
  it('stages default to open signup; -c signupEnabled=false|true overrides; anything else stops the synth', () => {
    expect(stageConfig('dev').signupEnabled).toBe(true);
    expect(stageConfig('prod').signupEnabled).toBe(true);
    expect(stageFromContext(new App({ context: { stage: 'prod', signupEnabled: 'false' } })).signupEnabled).toBe(false);
    expect(stageFromContext(new App({ context: { stage: 'prod', signupEnabled: false } })).signupEnabled).toBe(false);
    expect(stageFromContext(new App({ context: { stage: 'dev', signupEnabled: 'true' } })).signupEnabled).toBe(true);
    expect(() => stageFromContext(new App({ context: { stage: 'dev', signupEnabled: 'no' } }))).toThrow('signupEnabled must be true or false, got "no"');
  });

  it('sets DAGY_SIGNUP_ENABLED on the identity function only, from the stage, and outputs its name', () => {
    const closed = synthDagy('prod', { context: { signupEnabled: 'false' } });
    expect(identityEnvironment(closed.api)[ENV.signupEnabled]).toBe('false');
    const functions = closed.api.findResources('AWS::Lambda::Function') as Record<string, { Properties: Json }>;
    const others = Object.entries(functions).filter(([id]) => !id.startsWith('HttpIdentity'));
    for (const [, fn] of others) {
      expect((fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}).not.toHaveProperty(ENV.signupEnabled);
    }
    const outputs = closed.api.findOutputs('IdentityFunctionName');
    expect(Object.values(outputs)).toHaveLength(1);
    const value = Object.values(outputs)[0]!.Value as { Ref: string };
    expect(value.Ref).toMatch(/^HttpIdentity/);
  }, 240_000);
});

import { useState } from 'react';
import { Field, type FormState } from './form-kit';

/** What a schedule or sensor starts: a deployment, or a flow version (the API takes either). */
export function useRunTarget() {
  const [target, setTarget] = useState<'deployment' | 'flow'>('deployment');
  const [deployment, setDeployment] = useState('');
  const [flowName, setFlowName] = useState('');
  const [flowVersion, setFlowVersion] = useState('');
  return {
    target,
    setTarget,
    deployment,
    setDeployment,
    flowName,
    setFlowName,
    flowVersion,
    setFlowVersion,
    /** The request body's part naming the target. */
    body: (): Record<string, string> =>
      target === 'deployment' ? { deployment_name: deployment.trim() } : { flow_name: flowName.trim(), flow_version: flowVersion.trim() },
  };
}
export type RunTarget = ReturnType<typeof useRunTarget>;

/** The target's radio choice and its fields, errors shown on deployment_name, flow_name, flow_version. */
export function RunTargetFields({ legend, name, form, run }: { legend: string; name: string; form: FormState; run: RunTarget }) {
  return (
    <>
      <fieldset className="choice">
        <legend>{legend}</legend>
        <label className="inline">
          <input type="radio" name={name} checked={run.target === 'deployment'} onChange={() => run.setTarget('deployment')} /> a deployment
        </label>
        <label className="inline">
          <input type="radio" name={name} checked={run.target === 'flow'} onChange={() => run.setTarget('flow')} /> a flow version
        </label>
      </fieldset>
      {run.target === 'deployment' ? (
        <Field label="Deployment" path="deployment_name" form={form}>
          {(c) => <input {...c} value={run.deployment} onChange={(e) => run.setDeployment(e.target.value)} />}
        </Field>
      ) : (
        <>
          <Field label="Flow name" path="flow_name" form={form}>
            {(c) => <input {...c} value={run.flowName} onChange={(e) => run.setFlowName(e.target.value)} />}
          </Field>
          <Field label="Flow version" path="flow_version" form={form}>
            {(c) => <input {...c} value={run.flowVersion} onChange={(e) => run.setFlowVersion(e.target.value)} />}
          </Field>
        </>
      )}
    </>
  );
}

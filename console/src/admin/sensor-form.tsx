import { useRef, useState } from 'react';
import { api } from '../api/client';
import { RunTargetFields, useRunTarget } from './run-target';
import { CreateForm, Field, jsonObjectOf, useForm } from './form-kit';

const TYPES = ['webhook', 's3', 'polling'] as const;
type SensorType = (typeof TYPES)[number];

interface CreatedSensor {
  sensor_id: string;
  name: string;
  webhook_token?: string;
  webhook_path?: string;
}

/**
 * Creates a sensor (POST /v1/sensors): s3 and webhook settings as fields, a polling sensor's
 * check as JSON. A webhook's token is in the create response only, so it is shown here once.
 */
export function SensorForm({ onCreated }: { onCreated: () => void }) {
  const form = useForm(['name', 'sensor_type', 'deployment_name', 'flow_name', 'flow_version', 'config', 'flow_params']);
  const [name, setName] = useState('');
  const [type, setType] = useState<SensorType>('webhook');
  const run = useRunTarget();
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [suffix, setSuffix] = useState('');
  // Uncontrolled, as the secret form's value: a secret never lands in a DOM attribute.
  const signingSecret = useRef<HTMLInputElement | null>(null);
  const [pollConfig, setPollConfig] = useState('');
  const [created, setCreated] = useState<CreatedSensor | null>(null);

  const config = (): Record<string, unknown> => {
    if (type === 's3') return { bucket: bucket.trim(), ...(prefix !== '' ? { prefix } : {}), ...(suffix !== '' ? { suffix } : {}) };
    const signing = signingSecret.current?.value ?? '';
    if (type === 'webhook') return signing === '' ? {} : { signing_secret: signing };
    return jsonObjectOf(pollConfig, 'config') ?? {};
  };
  const submit = async () => {
    setCreated(null);
    const sensor = await api<CreatedSensor>('POST', '/v1/sensors', {
      name: name.trim(),
      sensor_type: type,
      ...run.body(),
      config: config(),
    });
    if (signingSecret.current !== null) signingSecret.current.value = '';
    setCreated(sensor);
    onCreated();
  };

  return (
    <CreateForm title="New sensor" form={form} submitLabel="Create sensor" onSubmit={submit}>
      <Field label="Sensor name" path="name" form={form}>
        {(c) => <input {...c} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="Type" path="sensor_type" form={form}>
        {(c) => (
          <select {...c} value={type} onChange={(e) => setType(e.target.value as SensorType)}>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        )}
      </Field>
      <RunTargetFields legend="Starts" name="sensor-target" form={form} run={run} />
      {type === 's3' && (
        <>
          <Field label="Bucket" path="config.bucket" form={form} help="The ingest bucket; keys are read under your organization's folder.">
            {(c) => <input {...c} value={bucket} onChange={(e) => setBucket(e.target.value)} />}
          </Field>
          <Field label="Key prefix (optional)" path="config.prefix" form={form}>
            {(c) => <input {...c} value={prefix} onChange={(e) => setPrefix(e.target.value)} />}
          </Field>
          <Field label="Key suffix (optional)" path="config.suffix" form={form}>
            {(c) => <input {...c} value={suffix} onChange={(e) => setSuffix(e.target.value)} />}
          </Field>
        </>
      )}
      {type === 'webhook' && (
        <Field label="Signing secret (optional)" path="config.signing_secret" form={form} help="At least 16 characters; callers then sign with HMAC-SHA256.">
          {(c) => <input {...c} ref={signingSecret} type="password" autoComplete="new-password" />}
        </Field>
      )}
      {type === 'polling' && (
        <Field label="Polling check (JSON)" path="config" form={form} help='e.g. {"kind":"http","interval_seconds":300,"url":"https://…","field":"status","condition":"changed"}'>
          {(c) => <textarea {...c} rows={4} value={pollConfig} onChange={(e) => setPollConfig(e.target.value)} spellCheck={false} />}
        </Field>
      )}
      {created && (
        <div role="status" className="ok">
          Created sensor {created.name}.
          {created.webhook_path && (
            <p>
              Call it at <code>{`${location.origin}${created.webhook_path}`}</code>. The token is shown this once.
            </p>
          )}
        </div>
      )}
    </CreateForm>
  );
}

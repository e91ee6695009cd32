import { useRef, useState } from 'react';
import { api } from '../api/client';
import { CreateForm, Field, useForm } from './form-kit';

/**
 * Creates a secret (POST /v1/secrets). The value is write-only: an uncontrolled password field
 * (React would copy a controlled value into the DOM's value attribute), emptied as soon as the
 * API has it, and never read back from the API.
 */
export function SecretForm({ onCreated }: { onCreated: () => void }) {
  const form = useForm(['secret_name', 'value', 'environment']);
  const [name, setName] = useState('');
  const value = useRef<HTMLInputElement | null>(null);
  const [environment, setEnvironment] = useState('');
  const [created, setCreated] = useState<string | null>(null);

  const submit = async () => {
    setCreated(null);
    const secret = await api<{ secret_name: string; environment: string | null }>('POST', '/v1/secrets', {
      secret_name: name.trim(),
      value: value.current?.value ?? '',
      ...(environment.trim() !== '' ? { environment: environment.trim() } : {}),
    });
    if (value.current !== null) value.current.value = '';
    setCreated(`${secret.secret_name}${secret.environment ? ` (${secret.environment})` : ''}`);
    onCreated();
  };

  return (
    <CreateForm title="New secret" form={form} submitLabel="Create secret" onSubmit={submit}>
      <Field label="Secret name" path="secret_name" form={form}>
        {(c) => <input {...c} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} />}
      </Field>
      <Field label="Value" path="value" form={form} help="Write-only: it is encrypted by the API and never shown again.">
        {(c) => <input {...c} ref={value} type="password" autoComplete="new-password" spellCheck={false} />}
      </Field>
      <Field label="Environment (optional)" path="environment" form={form} help="Empty: all environments.">
        {(c) => <input {...c} value={environment} onChange={(e) => setEnvironment(e.target.value)} />}
      </Field>
      {created && (
        <p role="status" className="ok">
          Created secret {created}.
        </p>
      )}
    </CreateForm>
  );
}

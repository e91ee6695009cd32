import { useState } from 'react';
import { api } from '../api/client';
import type { Role } from '../api/types';
import { CreateForm, Field, grantableRoles, useForm } from './form-kit';

function RoleSelect(props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined; value: Role; onChange: (role: Role) => void }) {
  const { value, onChange, ...control } = props;
  return (
    <select {...control} value={value} onChange={(e) => onChange(e.target.value as Role)}>
      {grantableRoles().map((r) => (
        <option key={r}>{r}</option>
      ))}
    </select>
  );
}

/** Invites someone by email (POST /v1/members); the invitation's token is in this answer only. */
export function InviteForm({ onCreated }: { onCreated: () => void }) {
  const form = useForm(['email', 'role']);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [invited, setInvited] = useState<{ email: string; accept_path: string } | null>(null);
  const submit = async () => {
    setInvited(null);
    const answer = await api<{ invitation: { email: string }; accept_path: string }>('POST', '/v1/members', { email: email.trim(), role });
    setInvited({ email: answer.invitation.email, accept_path: answer.accept_path });
    setEmail('');
    onCreated();
  };
  return (
    <CreateForm title="Invite a member" form={form} submitLabel="Invite" onSubmit={submit}>
      <Field label="Email" path="email" form={form}>
        {(c) => <input {...c} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label="Role" path="role" form={form}>
        {(c) => <RoleSelect {...c} value={role} onChange={setRole} />}
      </Field>
      {invited && (
        <div role="status" className="ok">
          Invited {invited.email}. Shown this once: they accept, signed in with that email, with <code>POST {invited.accept_path}</code> (
          <code>dagy</code> CLI or API).
        </div>
      )}
    </CreateForm>
  );
}

/** Creates an API key (POST /v1/api-keys): its secret is in this answer only, shown here once. */
export function ApiKeyForm({ onCreated }: { onCreated: () => void }) {
  const form = useForm(['name', 'role', 'expires_at']);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const submit = async () => {
    setSecret(null);
    const answer = await api<{ api_key: { name: string }; secret: string }>('POST', '/v1/api-keys', {
      name: name.trim(),
      role,
      // The end of the chosen day in the viewer's zone.
      ...(expires !== '' ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
    });
    setSecret({ name: answer.api_key.name, secret: answer.secret });
    setName('');
    onCreated();
  };
  return (
    <CreateForm title="New API key" form={form} submitLabel="Create API key" onSubmit={submit}>
      <Field label="Key name" path="name" form={form}>
        {(c) => <input {...c} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label="Role" path="role" form={form}>
        {(c) => <RoleSelect {...c} value={role} onChange={setRole} />}
      </Field>
      <Field label="Expires (optional)" path="expires_at" form={form}>
        {(c) => <input {...c} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />}
      </Field>
      {secret && (
        <div role="status" className="ok secret-once">
          <p>
            API key {secret.name} created. Copy its secret now: it is shown this once.
          </p>
          <label>
            Secret of {secret.name}
            <input readOnly value={secret.secret} onFocus={(e) => e.target.select()} spellCheck={false} />
          </label>
          <button type="button" onClick={() => setSecret(null)}>
            Done, hide it
          </button>
        </div>
      )}
    </CreateForm>
  );
}

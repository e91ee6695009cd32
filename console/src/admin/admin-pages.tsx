import { useRef, useState } from 'react';
import { api } from '../api/client';
import { loadSession } from '../api/session';
import type { Me, Page, Role } from '../api/types';
import { ErrorBox, formatTime, StatusBadge, Table, useResource } from '../shell/ui';
import { ActionDialog } from './action-dialog';
import { can } from './form-kit';
import { mayRevokeInvitation, memberOffers, ownersIn, secretPath, toggleBody } from './manage-rules';
import { ApiKeyForm, InviteForm } from './member-forms';
import { ScheduleForm } from './schedule-form';
import { SecretForm } from './secret-form';
import { SensorForm } from './sensor-form';

// Pages over the organization's other resources: a list from the API, and a create form and
// the change and remove actions for the roles that may use them (the others see the list only;
// the API refuses them anyway).

/** A page's one-click actions (enable, disable): the API's error shown above the list. */
function usePageAction(reload: () => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const run = (action: () => Promise<unknown>) => {
    setError(null);
    action()
      .catch((e: unknown) => setError(e))
      .finally(() => void reload());
  };
  return { error, run };
}

interface Schedule {
  schedule_id: string;
  flow_name: string;
  deployment_name: string | null;
  cron_expression: string | null;
  interval_seconds: number | null;
  timezone: string;
  enabled: boolean;
  next_run_at: string | null;
  last_triggered_at: string | null;
  last_error: string | null;
  managed_by: 'deployment' | null;
  version: number;
}

interface Preview {
  timezone: string;
  slots: Array<{ epoch: number; utc: string; local: string }>;
}

function NextFires({ schedule }: { schedule: Schedule }) {
  const path = `/v1/schedules/${encodeURIComponent(schedule.schedule_id)}/preview?count=3`;
  const preview = useResource(path, () => api<Preview>('GET', path));
  if (preview.error) return <span className="error-text">unavailable</span>;
  if (!preview.data) return <span aria-busy="true">…</span>;
  return (
    <ul className="plain">
      {preview.data.slots.map((s) => (
        <li key={s.epoch}>
          {s.local} <span className="muted">({preview.data!.timezone})</span> · {new Date(s.epoch * 1000).toLocaleString()} <span className="muted">(yours)</span>
        </li>
      ))}
    </ul>
  );
}

function ScheduleActions({ schedule, onChange, run }: { schedule: Schedule; onChange: () => Promise<void>; run: (action: () => Promise<unknown>) => void }) {
  const path = `/v1/schedules/${encodeURIComponent(schedule.schedule_id)}`;
  const what = `schedule of ${schedule.deployment_name ?? schedule.flow_name} (${schedule.cron_expression ?? `every ${schedule.interval_seconds} s`})`;
  // The API refuses changes to a deployment's own schedule: it follows the deployment.
  if (schedule.managed_by === 'deployment') return <span className="muted">changed with its deployment</span>;
  return (
    <span className="actions">
      <button type="button" aria-label={`${schedule.enabled ? 'Disable' : 'Enable'} ${what}`} onClick={() => run(() => api('PATCH', path, toggleBody(schedule)))}>
        {schedule.enabled ? 'Disable' : 'Enable'}
      </button>
      <ActionDialog
        opener="Delete…"
        openerLabel={`Delete ${what}`}
        title={`Delete the ${what}?`}
        confirmLabel="Delete schedule"
        danger
        onConfirm={async () => {
          await api('DELETE', path);
          await onChange();
        }}
      >
        <p>It stops starting runs; runs it started stay.</p>
      </ActionDialog>
    </span>
  );
}

export function SchedulesPage() {
  const list = useResource('schedules', () => api<Page<Schedule>>('GET', '/v1/schedules?limit=100'));
  const action = usePageAction(list.reload);
  const writer = can('schedules:write');
  return (
    <section>
      <h1>Schedules</h1>
      <ErrorBox error={list.error ?? action.error} />
      {writer && <ScheduleForm onCreated={() => void list.reload()} />}
      <Table
        caption="Schedules"
        rows={list.data?.items ?? []}
        rowKey={(s) => s.schedule_id}
        empty={list.loading ? 'Loading…' : 'No schedules.'}
        columns={[
          { header: 'Target', cell: (s) => s.deployment_name ?? s.flow_name },
          { header: 'When', cell: (s) => s.cron_expression ?? `every ${s.interval_seconds} s` },
          { header: 'Zone', cell: (s) => s.timezone },
          { header: 'Enabled', cell: (s) => (s.enabled ? 'yes' : 'no') },
          { header: 'Next fire times', cell: (s) => (s.enabled ? <NextFires schedule={s} /> : '—') },
          { header: 'Last triggered', cell: (s) => formatTime(s.last_triggered_at) },
          { header: 'Last error', cell: (s) => s.last_error ?? '—' },
          ...(writer ? [{ header: 'Actions', cell: (s: Schedule) => <ScheduleActions schedule={s} onChange={list.reload} run={action.run} /> }] : []),
        ]}
      />
    </section>
  );
}

interface Sensor {
  sensor_id: string;
  name: string;
  sensor_type: string;
  flow_name: string;
  deployment_name: string | null;
  enabled: boolean;
  last_triggered_at: string | null;
  last_poll_error?: string | null;
  version: number;
}

function SensorActions({ sensor, onChange, run }: { sensor: Sensor; onChange: () => Promise<void>; run: (action: () => Promise<unknown>) => void }) {
  const path = `/v1/sensors/${encodeURIComponent(sensor.sensor_id)}`;
  // A rotated webhook token is in the PATCH response only: shown here once, like at creation.
  const [rotatedPath, setRotatedPath] = useState<string | null>(null);
  return (
    <span className="actions">
      <button type="button" aria-label={`${sensor.enabled ? 'Disable' : 'Enable'} sensor ${sensor.name}`} onClick={() => run(() => api('PATCH', path, toggleBody(sensor)))}>
        {sensor.enabled ? 'Disable' : 'Enable'}
      </button>
      {sensor.sensor_type === 'webhook' && (
        <ActionDialog
          opener="Rotate token…"
          openerLabel={`Rotate the webhook token of ${sensor.name}`}
          title={`Rotate the webhook token of ${sensor.name}?`}
          confirmLabel="Rotate token"
          danger
          onConfirm={async () => {
            const rotated = await api<{ webhook_path?: string }>('PATCH', path, { rotate_webhook_token: true, version: sensor.version });
            setRotatedPath(rotated.webhook_path ?? null);
            await onChange();
          }}
        >
          <p>The current webhook URL stops answering at once; the new one is shown once.</p>
        </ActionDialog>
      )}
      {rotatedPath !== null && (
        <span role="status" className="ok">
          New URL: <code>{`${location.origin}${rotatedPath}`}</code> (shown this once)
        </span>
      )}
      <ActionDialog
        opener="Delete…"
        openerLabel={`Delete sensor ${sensor.name}`}
        title={`Delete sensor ${sensor.name}?`}
        confirmLabel="Delete sensor"
        danger
        onConfirm={async () => {
          await api('DELETE', path);
          await onChange();
        }}
      >
        <p>It stops starting runs{sensor.sensor_type === 'webhook' ? ' and its webhook URL stops answering' : ''}.</p>
      </ActionDialog>
    </span>
  );
}

export function SensorsPage() {
  const list = useResource('sensors', () => api<Page<Sensor>>('GET', '/v1/sensors?limit=100'));
  const action = usePageAction(list.reload);
  const writer = can('sensors:write');
  return (
    <section>
      <h1>Sensors</h1>
      <p className="muted">A webhook sensor is called at {location.origin}/v1/hooks/&lt;token&gt;; the token is shown once, when the sensor is created.</p>
      <ErrorBox error={list.error ?? action.error} />
      {writer && <SensorForm onCreated={() => void list.reload()} />}
      <Table
        caption="Sensors"
        rows={list.data?.items ?? []}
        rowKey={(s) => s.sensor_id}
        empty={list.loading ? 'Loading…' : 'No sensors.'}
        columns={[
          { header: 'Name', cell: (s) => s.name },
          { header: 'Type', cell: (s) => s.sensor_type },
          { header: 'Target', cell: (s) => s.deployment_name ?? s.flow_name },
          { header: 'Enabled', cell: (s) => (s.enabled ? 'yes' : 'no') },
          { header: 'Last trigger', cell: (s) => formatTime(s.last_triggered_at) },
          { header: 'Last poll error', cell: (s) => s.last_poll_error ?? '—' },
          ...(writer ? [{ header: 'Actions', cell: (s: Sensor) => <SensorActions sensor={s} onChange={list.reload} run={action.run} /> }] : []),
        ]}
      />
    </section>
  );
}

interface Secret {
  secret_name: string;
  environment: string | null;
  created_by: string;
  updated_at: string;
}

/** Sets a new value (PUT, write-only: an uncontrolled password field, emptied when sent) or deletes a secret. */
function SecretActions({ secret, onChange }: { secret: Secret; onChange: () => Promise<void> }) {
  const value = useRef<HTMLInputElement | null>(null);
  const what = `${secret.secret_name}${secret.environment ? ` (${secret.environment})` : ''}`;
  return (
    <span className="actions">
      <ActionDialog
        opener="Set value…"
        openerLabel={`Set a new value of ${what}`}
        title={`New value of ${what}`}
        confirmLabel="Set value"
        onConfirm={async () => {
          const text = value.current?.value ?? '';
          await api('PUT', `/v1/secrets/${encodeURIComponent(secret.secret_name)}`, { value: text, environment: secret.environment });
          if (value.current !== null) value.current.value = '';
          await onChange();
        }}
      >
        <label>
          New value
          <input ref={value} type="password" autoComplete="new-password" spellCheck={false} />
        </label>
        <small className="muted">Write-only: the old value is replaced, and neither is shown.</small>
      </ActionDialog>
      <ActionDialog
        opener="Delete…"
        openerLabel={`Delete secret ${what}`}
        title={`Delete secret ${what}?`}
        confirmLabel="Delete secret"
        danger
        onConfirm={async () => {
          await api('DELETE', secretPath(secret.secret_name, secret.environment));
          await onChange();
        }}
      >
        <p>Its value is gone for good; a new secret of that name starts afresh.</p>
      </ActionDialog>
    </span>
  );
}

export function SecretsPage() {
  const list = useResource('secrets', () => api<Page<Secret>>('GET', '/v1/secrets?limit=100'));
  const manager = can('secrets:manage');
  return (
    <section>
      <h1>Secrets</h1>
      <p className="muted">Names and scopes only: the console never reads a secret's value.</p>
      <ErrorBox error={list.error} />
      {manager && <SecretForm onCreated={() => void list.reload()} />}
      <Table
        caption="Secrets"
        rows={list.data?.items ?? []}
        rowKey={(s) => `${s.secret_name}/${s.environment ?? ''}`}
        empty={list.loading ? 'Loading…' : 'No secrets.'}
        columns={[
          { header: 'Name', cell: (s) => <code>{s.secret_name}</code> },
          { header: 'Scope', cell: (s) => s.environment ?? 'all environments' },
          { header: 'Created by', cell: (s) => s.created_by },
          { header: 'Updated', cell: (s) => formatTime(s.updated_at) },
          ...(manager ? [{ header: 'Actions', cell: (s: Secret) => <SecretActions secret={s} onChange={list.reload} /> }] : []),
        ]}
      />
    </section>
  );
}

interface AuditRecord {
  event_time: string;
  resource_type: string;
  resource_id: string;
  action: string;
  actor_email: string;
  ip_address: string;
}

export function AuditPage() {
  const [cursor, setCursor] = useState<string | null>(null);
  const path = `/v1/audit-logs?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const list = useResource(path, () => api<Page<AuditRecord>>('GET', path));
  return (
    <section>
      <h1>Audit log</h1>
      <ErrorBox error={list.error} />
      <Table
        caption="Audit records"
        rows={list.data?.items ?? []}
        rowKey={(a) => `${a.event_time}/${a.resource_type}/${a.resource_id}/${a.action}`}
        empty={list.loading ? 'Loading…' : 'No audit records.'}
        columns={[
          { header: 'Time', cell: (a) => formatTime(a.event_time) },
          { header: 'Actor', cell: (a) => a.actor_email },
          { header: 'Action', cell: (a) => a.action },
          { header: 'Resource', cell: (a) => `${a.resource_type} ${a.resource_id}` },
          { header: 'IP', cell: (a) => a.ip_address },
        ]}
      />
      {list.data?.next_cursor && (
        <button type="button" onClick={() => setCursor(list.data!.next_cursor)}>
          Older
        </button>
      )}
    </section>
  );
}

interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
}

interface Invitation {
  invitation_id: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: string;
  expires_at: string;
  status: 'pending' | 'expired';
}

interface ApiKey {
  key_id: string;
  name: string;
  role: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

function MemberActions({ member, me, ownerCount, onChange }: { member: Member; me: { user_id: string | null; role: Role | null }; ownerCount: number; onChange: () => Promise<void> }) {
  const offers = memberOffers(member, me, ownerCount);
  const [role, setRole] = useState<Role>(offers.roles[0] ?? member.role);
  const path = `/v1/members/${encodeURIComponent(member.user_id)}`;
  const self = member.user_id === me.user_id;
  if (!offers.remove && offers.roles.length === 0) return <span className="muted">{member.role === 'owner' && ownerCount <= 1 ? 'the last owner' : '—'}</span>;
  return (
    <span className="actions">
      {offers.roles.length > 0 && (
        <ActionDialog
          opener="Change role…"
          openerLabel={`Change the role of ${member.email}`}
          title={`Change the role of ${member.email}`}
          confirmLabel="Change role"
          onConfirm={async () => {
            await api('PATCH', path, { role });
            await onChange();
          }}
        >
          <label>
            New role
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {offers.roles.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <p className="muted">Their API keys above the new role are lowered to it.</p>
        </ActionDialog>
      )}
      {offers.remove && (
        <ActionDialog
          opener="Remove…"
          openerLabel={`Remove ${member.email}`}
          title={self ? 'Leave this organization?' : `Remove ${member.email}?`}
          confirmLabel={self ? 'Leave' : 'Remove member'}
          danger
          onConfirm={async () => {
            await api('DELETE', path);
            await onChange();
          }}
        >
          <p>{self ? 'You lose access to it' : 'They lose access to this organization'}, and the API keys {self ? 'you' : 'they'} created are revoked.</p>
        </ActionDialog>
      )}
    </span>
  );
}

function InvitationsTable() {
  const list = useResource('invitations', () => api<Page<Invitation>>('GET', '/v1/invitations?limit=100'));
  const myRole = loadSession()?.role ?? null;
  return (
    <>
      <h2>Invitations</h2>
      <ErrorBox error={list.error} />
      <Table
        caption="Invitations"
        rows={list.data?.items ?? []}
        rowKey={(i) => i.invitation_id}
        empty={list.loading ? 'Loading…' : 'No invitations.'}
        columns={[
          { header: 'Email', cell: (i) => i.email },
          { header: 'Role', cell: (i) => i.role },
          { header: 'Status', cell: (i) => <StatusBadge status={i.status} /> },
          { header: 'Expires', cell: (i) => formatTime(i.expires_at) },
          {
            header: 'Actions',
            cell: (i) =>
              mayRevokeInvitation(i.role, myRole) ? (
                <ActionDialog
                  opener="Revoke…"
                  openerLabel={`Revoke the invitation of ${i.email}`}
                  title={`Revoke the invitation of ${i.email}?`}
                  confirmLabel="Revoke invitation"
                  danger
                  onConfirm={async () => {
                    await api('DELETE', `/v1/invitations/${encodeURIComponent(i.invitation_id)}`);
                    await list.reload();
                  }}
                >
                  <p>Its link stops working.</p>
                </ActionDialog>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </>
  );
}

export function MembersPage() {
  const members = useResource('members', () => api<Page<Member>>('GET', '/v1/members?limit=100'));
  const me = useResource('me', () => api<Me>('GET', '/v1/me'));
  // Listing keys needs admin: a 403 here is shown as such, not as a broken page.
  const keys = useResource('api-keys', () => api<Page<ApiKey>>('GET', '/v1/api-keys?limit=100'));
  const manager = can('members:manage');
  const keyManager = can('api_keys:manage');
  const myRole = loadSession()?.role ?? null;
  const owners = ownersIn(members.data?.items ?? []);
  const reloadAll = async () => {
    // Removing a member revokes their keys; a role change can lower them.
    await Promise.all([members.reload(), keys.reload()]);
  };
  return (
    <section>
      <h1>Members</h1>
      <ErrorBox error={members.error} />
      {manager && <InviteForm onCreated={() => void members.reload()} />}
      <Table
        caption="Members"
        rows={members.data?.items ?? []}
        rowKey={(m) => m.user_id}
        columns={[
          { header: 'Name', cell: (m) => m.name },
          { header: 'Email', cell: (m) => m.email },
          { header: 'Role', cell: (m) => <StatusBadge status={m.role} /> },
          ...(manager
            ? [{ header: 'Actions', cell: (m: Member) => <MemberActions member={m} me={{ user_id: me.data?.user?.user_id ?? null, role: myRole }} ownerCount={owners} onChange={reloadAll} /> }]
            : []),
        ]}
      />
      {manager && <InvitationsTable />}
      <h2>API keys</h2>
      {keyManager && <ApiKeyForm onCreated={() => void keys.reload()} />}
      {keys.error ? (
        <p className="muted">Only admins see the organization's API keys.</p>
      ) : (
        <Table
          caption="API keys"
          rows={keys.data?.items ?? []}
          rowKey={(k) => k.key_id}
          empty={keys.loading ? 'Loading…' : 'No API keys.'}
          columns={[
            { header: 'Name', cell: (k) => k.name },
            { header: 'Prefix', cell: (k) => <code>{k.prefix}</code> },
            { header: 'Role', cell: (k) => k.role },
            { header: 'Created', cell: (k) => formatTime(k.created_at) },
            { header: 'Last used', cell: (k) => formatTime(k.last_used_at) },
            { header: 'Expires', cell: (k) => formatTime(k.expires_at) },
            ...(keyManager
              ? [
                  {
                    header: 'Actions',
                    cell: (k: ApiKey) => (
                      <ActionDialog
                        opener="Revoke…"
                        openerLabel={`Revoke API key ${k.name}`}
                        title={`Revoke API key ${k.name}?`}
                        confirmLabel="Revoke key"
                        danger
                        onConfirm={async () => {
                          await api('DELETE', `/v1/api-keys/${encodeURIComponent(k.key_id)}`);
                          await keys.reload();
                        }}
                      >
                        <p>
                          Every call with <code>{k.prefix}…</code> is refused from now on; this cannot be undone.
                        </p>
                      </ActionDialog>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
    </section>
  );
}

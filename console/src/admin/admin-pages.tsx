import { useState } from 'react';
import { api } from '../api/client';
import type { Page } from '../api/types';
import { ErrorBox, formatTime, StatusBadge, Table, useResource } from '../shell/ui';
import { can } from './form-kit';
import { ApiKeyForm, InviteForm } from './member-forms';
import { ScheduleForm } from './schedule-form';
import { SecretForm } from './secret-form';
import { SensorForm } from './sensor-form';

// Pages over the organization's other resources: a list from the API, and a create form for
// the roles that may create (the others see the list only; the API refuses them anyway).

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

export function SchedulesPage() {
  const list = useResource('schedules', () => api<Page<Schedule>>('GET', '/v1/schedules?limit=100'));
  return (
    <section>
      <h1>Schedules</h1>
      <ErrorBox error={list.error} />
      {can('schedules:write') && <ScheduleForm onCreated={() => void list.reload()} />}
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
}

export function SensorsPage() {
  const list = useResource('sensors', () => api<Page<Sensor>>('GET', '/v1/sensors?limit=100'));
  return (
    <section>
      <h1>Sensors</h1>
      <p className="muted">A webhook sensor is called at {location.origin}/v1/hooks/&lt;token&gt;; the token is shown once, when the sensor is created.</p>
      <ErrorBox error={list.error} />
      {can('sensors:write') && <SensorForm onCreated={() => void list.reload()} />}
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

export function SecretsPage() {
  const list = useResource('secrets', () => api<Page<Secret>>('GET', '/v1/secrets?limit=100'));
  return (
    <section>
      <h1>Secrets</h1>
      <p className="muted">Names and scopes only: the console never reads a secret's value.</p>
      <ErrorBox error={list.error} />
      {can('secrets:manage') && <SecretForm onCreated={() => void list.reload()} />}
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
  role: string;
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

export function MembersPage() {
  const members = useResource('members', () => api<Page<Member>>('GET', '/v1/members?limit=100'));
  // Listing keys needs admin: a 403 here is shown as such, not as a broken page.
  const keys = useResource('api-keys', () => api<Page<ApiKey>>('GET', '/v1/api-keys?limit=100'));
  return (
    <section>
      <h1>Members</h1>
      <ErrorBox error={members.error} />
      {can('members:manage') && <InviteForm onCreated={() => void members.reload()} />}
      <Table
        caption="Members"
        rows={members.data?.items ?? []}
        rowKey={(m) => m.user_id}
        columns={[
          { header: 'Name', cell: (m) => m.name },
          { header: 'Email', cell: (m) => m.email },
          { header: 'Role', cell: (m) => <StatusBadge status={m.role} /> },
        ]}
      />
      <h2>API keys</h2>
      {can('api_keys:manage') && <ApiKeyForm onCreated={() => void keys.reload()} />}
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
          ]}
        />
      )}
    </section>
  );
}

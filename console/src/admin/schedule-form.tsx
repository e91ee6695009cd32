import { useState } from 'react';
import { api } from '../api/client';
import { RunTargetFields, useRunTarget } from './run-target';
import { CreateForm, Field, jsonObjectOf, useForm } from './form-kit';

const MODES = ['cron', 'interval', 'one_time', 'manual'] as const;
type Mode = (typeof MODES)[number];

/** Creates a schedule of a deployment or of a flow version (POST /v1/schedules). */
export function ScheduleForm({ onCreated }: { onCreated: () => void }) {
  const form = useForm(['schedule_id', 'deployment_name', 'flow_name', 'flow_version', 'mode', 'cron_expression', 'interval_seconds', 'timezone', 'start_at', 'parameters']);
  const run = useRunTarget();
  const [mode, setMode] = useState<Mode>('cron');
  const [cron, setCron] = useState('');
  const [interval, setIntervalText] = useState('');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [startAt, setStartAt] = useState('');
  const [scheduleId, setScheduleId] = useState('');
  const [parameters, setParameters] = useState('');
  const [created, setCreated] = useState<string | null>(null);

  const submit = async () => {
    setCreated(null);
    const body: Record<string, unknown> = {
      ...(scheduleId.trim() !== '' ? { schedule_id: scheduleId.trim() } : {}),
      ...run.body(),
      mode,
      timezone: timezone.trim(),
    };
    if (mode === 'cron') body.cron_expression = cron.trim();
    if (mode === 'interval') body.interval_seconds = interval.trim() === '' ? null : Number(interval);
    if (mode === 'one_time') body.start_at = startAt === '' ? null : new Date(startAt).toISOString();
    const params = jsonObjectOf(parameters, 'parameters');
    if (params !== undefined) body.parameters = params;
    const schedule = await api<{ schedule_id: string }>('POST', '/v1/schedules', body);
    setCreated(schedule.schedule_id);
    onCreated();
  };

  return (
    <CreateForm title="New schedule" form={form} submitLabel="Create schedule" onSubmit={submit}>
      <RunTargetFields legend="Runs" name="schedule-target" form={form} run={run} />
      <Field label="Mode" path="mode" form={form}>
        {(c) => (
          <select {...c} value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
            {MODES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        )}
      </Field>
      {mode === 'cron' && (
        <Field label="Cron expression" path="cron_expression" form={form} help="Five fields, e.g. 0 6 * * 1-5">
          {(c) => <input {...c} value={cron} onChange={(e) => setCron(e.target.value)} spellCheck={false} />}
        </Field>
      )}
      {mode === 'interval' && (
        <Field label="Every (seconds)" path="interval_seconds" form={form}>
          {(c) => <input {...c} type="number" inputMode="numeric" min={1} value={interval} onChange={(e) => setIntervalText(e.target.value)} />}
        </Field>
      )}
      {mode === 'one_time' && (
        <Field label="At" path="start_at" form={form}>
          {(c) => <input {...c} type="datetime-local" value={startAt} onChange={(e) => setStartAt(e.target.value)} />}
        </Field>
      )}
      <Field label="Time zone" path="timezone" form={form} help="IANA name, e.g. Europe/Berlin">
        {(c) => <input {...c} value={timezone} onChange={(e) => setTimezone(e.target.value)} />}
      </Field>
      <Field label="Schedule id (optional)" path="schedule_id" form={form}>
        {(c) => <input {...c} value={scheduleId} onChange={(e) => setScheduleId(e.target.value)} />}
      </Field>
      <Field label="Parameters (JSON, optional)" path="parameters" form={form}>
        {(c) => <textarea {...c} rows={2} value={parameters} onChange={(e) => setParameters(e.target.value)} spellCheck={false} />}
      </Field>
      {created && (
        <p role="status" className="ok">
          Created schedule {created}.
        </p>
      )}
    </CreateForm>
  );
}

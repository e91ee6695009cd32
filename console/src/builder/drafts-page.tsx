import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { Draft, Page } from '../api/types';
import { navigate } from '../router';
import { ErrorBox, formatTime, Link, Table, useResource } from '../shell/ui';

/** The visual builder's drafts: open one or start a new one. */
export function DraftsPage() {
  const list = useResource('drafts', () => api<Page<Draft>>('GET', '/v1/drafts?limit=100'));
  const [name, setName] = useState('');
  const [flowName, setFlowName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const draft = await api<Draft>('POST', '/v1/drafts', { name, flow_name: flowName.trim() === '' ? null : flowName.trim(), flow_spec: { tasks: [], edges: [] } });
      navigate(`/drafts/${draft.draft_id}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <h1>Builder</h1>
      <form className="filters" onSubmit={(e) => void create(e)} aria-label="New draft">
        <label>
          Draft name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Flow name
          <input value={flowName} onChange={(e) => setFlowName(e.target.value)} placeholder="the flow it publishes" />
        </label>
        <button type="submit" className="primary">
          New draft
        </button>
      </form>
      <ErrorBox error={error ?? list.error} />
      <Table
        caption="Drafts"
        rows={list.data?.items ?? []}
        rowKey={(d) => d.draft_id}
        empty={list.loading ? 'Loading…' : 'No drafts yet.'}
        columns={[
          { header: 'Draft', cell: (d) => <Link to={`/drafts/${d.draft_id}`}>{d.name || d.draft_id}</Link> },
          { header: 'Flow', cell: (d) => d.flow_name ?? '—' },
          { header: 'Version', cell: (d) => d.version },
          { header: 'Updated', cell: (d) => formatTime(d.updated_at) },
        ]}
      />
    </section>
  );
}

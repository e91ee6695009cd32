import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { onLinkClick } from '../router';

export function Link(props: { to: string; children: ReactNode; className?: string; 'aria-current'?: 'page' }) {
  return (
    <a href={props.to} onClick={onLinkClick} className={props.className} aria-current={props['aria-current']}>
      {props.children}
    </a>
  );
}

/** An API error as the user should read it: its message and each field path. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  if (error instanceof ApiError) {
    return (
      <div role="alert" className="error">
        <strong>{error.status === 404 ? 'Not found' : error.message}</strong>
        {error.status === 404 && <span> — it does not exist or belongs to another organization.</span>}
        {error.details.length > 0 && (
          <ul>
            {error.details.map((d, i) => (
              <li key={i}>
                <code>{d.path}</code>: {d.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return (
    <div role="alert" className="error">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads `fetcher` when `key` changes and again every `intervalMs` while `live` is true (live
 * refresh by polling: the API has no push channel). A slow answer never overwrites a newer one.
 */
export function useResource<T>(key: string, fetcher: () => Promise<T>, options: { intervalMs?: number; live?: boolean } = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const seq = useRef(0);
  const load = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const value = await fetcherRef.current();
      if (mine === seq.current) {
        setData(value);
        setError(null);
      }
    } catch (e) {
      if (mine === seq.current) setError(e);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, []);
  useEffect(() => {
    setData(undefined);
    setLoading(true);
    void load();
  }, [key, load]);
  const live = options.live ?? false;
  const interval = options.intervalMs ?? 2000;
  useEffect(() => {
    if (!live) return undefined;
    const timer = setInterval(() => void load(), interval);
    return () => clearInterval(timer);
  }, [live, interval, key, load]);
  return { data, error, loading, reload: load };
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function duration(from: string | null, to: string | null): string {
  if (from === null) return '—';
  const ms = (to === null ? Date.now() : Date.parse(to)) - Date.parse(from);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A simple table from column definitions; rows keyed by `rowKey`. */
export function Table<T>(props: { caption: string; rows: T[]; rowKey: (row: T) => string; columns: Array<{ header: string; cell: (row: T) => ReactNode }>; empty?: string }) {
  if (props.rows.length === 0) return <p className="muted">{props.empty ?? 'Nothing here yet.'}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.header} scope="col">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.header} data-label={c.header}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

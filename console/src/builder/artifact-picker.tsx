import { useId, useState } from 'react';
import { api } from '../api/client';
import type { Page } from '../api/types';
import { ErrorBox, useResource } from '../shell/ui';

interface VersionWithArtifact {
  flow_name: string;
  flow_version: string;
  artifact_s3_uri: string | null;
}

export type DraftArtifact = { upload_key: string } | null;

/** What POST /v1/artifacts/uploads takes inline (larger ZIPs go through the CLI's presigned upload). */
const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

/**
 * The code a draft's code tasks run: a ZIP chosen on this computer (sent inline to
 * POST /v1/artifacts/uploads, same origin), or the artifact of a registered flow version (copied
 * by POST /v1/artifacts/copy); either way an upload key of this organization that the draft
 * names. Validation (and so publishing) checks that every code task's handler module is in it.
 */
export function ArtifactPicker(props: { artifact: DraftArtifact; onChange: (artifact: DraftArtifact) => void; disabled?: boolean }) {
  const versions = useResource('flows-with-artifacts', () => api<Page<VersionWithArtifact>>('GET', '/v1/flows?limit=100'));
  const withCode = (versions.data?.items ?? []).filter((v) => v.artifact_s3_uri !== null);
  const [choice, setChoice] = useState('');
  const [source, setSource] = useState<{ key: string; label: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const upload = async (file: File | undefined) => {
    if (file === undefined) return;
    setError(null);
    if (file.size > MAX_UPLOAD_BYTES) {
      setError(new Error(`${file.name} is ${Math.round(file.size / 1024)} KB: the console uploads at most 4 MB (deploy larger code with the CLI, then use its version's code)`));
      return;
    }
    setBusy(true);
    try {
      const stored = await api<{ upload_key: string; bytes: number }>('POST', '/v1/artifacts/uploads', { zip_base64: await base64Of(file) });
      setSource({ key: stored.upload_key, label: `${file.name} (${Math.max(1, Math.round(stored.bytes / 1024))} KB)` });
      props.onChange({ upload_key: stored.upload_key });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const use = async () => {
    const chosen = withCode[Number(choice)];
    if (chosen === undefined) return;
    setBusy(true);
    setError(null);
    try {
      const copy = await api<{ upload_key: string; bytes: number }>('POST', '/v1/artifacts/copy', { flow_name: chosen.flow_name, flow_version: chosen.flow_version });
      setSource({ key: copy.upload_key, label: `the code of ${chosen.flow_name} ${chosen.flow_version} (${Math.max(1, Math.round(copy.bytes / 1024))} KB)` });
      props.onChange({ upload_key: copy.upload_key });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const current =
    props.artifact === null ? 'none (http tasks need none; code tasks need one)' : source?.key === props.artifact.upload_key ? source.label : `an uploaded ZIP (${props.artifact.upload_key.split('/').pop()})`;
  return (
    <section className="panel artifact-picker" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Artifact</h2>
      <p aria-live="polite">
        Code for the draft's code tasks: <strong>{current}</strong>
      </p>
      <div className="artifact-choice">
        <label>
          Code from flow version
          <select value={choice} onChange={(e) => setChoice(e.target.value)} disabled={props.disabled}>
            <option value="">{versions.loading ? 'Loading…' : withCode.length === 0 ? 'No version with code yet' : 'Choose a version…'}</option>
            {withCode.map((v, i) => (
              <option key={`${v.flow_name}@${v.flow_version}`} value={i}>
                {v.flow_name} {v.flow_version}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void use()} disabled={props.disabled || busy || choice === ''}>
          Use its code
        </button>
        <label>
          Or upload a ZIP (at most 4 MB)
          <input
            type="file"
            accept=".zip,application/zip"
            disabled={props.disabled || busy}
            onChange={(e) => {
              void upload(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </label>
        {props.artifact !== null && (
          <button type="button" onClick={() => props.onChange(null)} disabled={props.disabled}>
            Remove artifact
          </button>
        )}
      </div>
      <ErrorBox error={versions.error} />
      <ErrorBox error={error} />
    </section>
  );
}

import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorBox } from '../shell/ui';

/**
 * A button that opens a modal native <dialog> to confirm an action (or to fill a small form):
 * the browser traps focus in it, Escape cancels, and focus goes back to the button when it
 * closes. The action's API error stays in the dialog; on success the dialog closes.
 */
export function ActionDialog(props: {
  /** The text of the button that opens the dialog. */
  opener: string;
  /** Its accessible name when the visible text alone is ambiguous in a table ("Delete" of what). */
  openerLabel?: string;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  children?: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement | null>(null);
  const headingId = useId();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const el = dialog.current;
    if (el === null || !open) return;
    // jsdom has no showModal; an open attribute keeps the dialog usable there.
    if (typeof el.showModal === 'function') {
      if (!el.open) el.showModal();
    } else el.setAttribute('open', '');
  }, [open]);

  const close = () => {
    const el = dialog.current;
    if (el !== null && typeof el.close === 'function' && el.open) el.close();
    else el?.removeAttribute('open');
    setOpen(false);
    setError(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    props
      .onConfirm()
      .then(close, (e: unknown) => setError(e))
      .finally(() => setBusy(false));
  };

  return (
    <>
      <button type="button" className={props.danger ? 'danger' : undefined} aria-label={props.openerLabel} onClick={() => setOpen(true)}>
        {props.opener}
      </button>
      {open && (
        <dialog ref={dialog} aria-labelledby={headingId} className="panel action-dialog" onCancel={close}>
          <form onSubmit={submit} noValidate>
            <h2 id={headingId}>{props.title}</h2>
            {props.children}
            <ErrorBox error={error} />
            <div className="actions">
              <button type="button" onClick={close} autoFocus>
                Cancel
              </button>
              <button type="submit" className={props.danger ? 'danger' : 'primary'} disabled={busy}>
                {props.confirmLabel}
              </button>
            </div>
          </form>
        </dialog>
      )}
    </>
  );
}

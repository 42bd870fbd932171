import { useState, type ReactNode } from 'react';
import { describeError } from './api.js';

/** An error from the server, read out by screen readers when it appears. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div role="alert" className="error">
      {describeError(error)}
    </div>
  );
}

/** A quiet confirmation (role=status), e.g. "Saved". */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="notice">
      {children}
    </p>
  );
}

/** Runs an action, keeping its error and whether it is running. */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, setError };
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** A button that asks before doing something that cannot be undone. */
export function ConfirmButton({
  label,
  question,
  onConfirm,
  danger,
  name,
}: {
  label: string;
  /** The accessible name, when the label alone is ambiguous (a button per row). */
  name?: string;
  question: string;
  onConfirm: () => void;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      aria-label={name}
      className={danger ? 'danger' : undefined}
      onClick={() => window.confirm(question) && onConfirm()}
    >
      {label}
    </button>
  );
}

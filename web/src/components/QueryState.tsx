import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";

import { ProblemError, errorDetail } from "../api/problem";

/** An error in plain words, with the request id support can look up, and Retry. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const requestId = error instanceof ProblemError ? error.requestId : undefined;
  const forbidden = error instanceof ProblemError && error.status === 403;
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>{forbidden ? "Not allowed. " : "Could not load this. "}</strong>
        {errorDetail(error)}
      </p>
      {requestId && <p className="muted small">Request ID: {requestId}</p>}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function LoadingState({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" aria-hidden="true" />
      ))}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

interface Props<T> {
  query: UseQueryResult<T>;
  /** Is the loaded data empty? Then `empty` is shown instead of `children`. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
  children: (data: T) => ReactNode;
}

/** Every list's three other states — loading, empty, error with Retry — in one place. */
export function QueryState<T>({ query, isEmpty, empty, loadingLabel, children }: Props<T>) {
  if (query.isPending) return <LoadingState label={loadingLabel} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <EmptyState>{empty}</EmptyState>;
  return <>{children(query.data)}</>;
}

import { ProblemError, errorDetail } from "../../api/problem";

/** A failed write in words: the RFC 7807 detail and the request id (role="alert"). */
export function WriteError({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  const requestId = error instanceof ProblemError ? error.requestId : undefined;
  return (
    <div className="form-error-summary" role="alert" id={id}>
      <p>{errorDetail(error)}</p>
      {requestId && <p className="muted small">Request ID: {requestId}</p>}
    </div>
  );
}

/** The 422 field map of an error (field name → messages). */
export function fieldErrors(error: unknown): Record<string, string[]> {
  return error instanceof ProblemError ? error.fieldErrors : {};
}

/** A field's messages, shown beside it; `aria-describedby` should name `${id}-error`. */
export function FieldMessage({ id, messages }: { id: string; messages?: string[] }) {
  if (!messages?.length) return null;
  return (
    <p className="form-error" id={`${id}-error`}>
      {messages.join(" ")}
    </p>
  );
}

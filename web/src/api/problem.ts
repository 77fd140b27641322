/** An RFC 7807 problem document from a service, as an Error the UI can show in words. */
export interface ProblemBody {
  title?: string;
  status?: number;
  detail?: string;
  request_id?: string;
  errors?: unknown;
  /** 429: seconds until a retry may succeed. */
  retry_after?: number;
}

export class ProblemError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly requestId: string | undefined;
  /** 422: field name → messages, when the service said which fields were wrong. */
  readonly fieldErrors: Record<string, string[]>;
  /** 429: seconds until a retry may succeed, when the service said. */
  readonly retryAfter: number | undefined;

  constructor(status: number, body: ProblemBody | undefined) {
    const detail = body?.detail || body?.title || fallbackDetail(status);
    super(detail);
    this.name = "ProblemError";
    this.status = status;
    this.detail = detail;
    this.requestId = body?.request_id;
    this.fieldErrors = flattenErrors(body?.errors);
    this.retryAfter = typeof body?.retry_after === "number" ? body.retry_after : undefined;
  }
}

function fallbackDetail(status: number): string {
  if (status === 0) return "The server could not be reached. Check your connection and retry.";
  if (status >= 500) return "The server had a problem. Retry in a moment.";
  return `The request failed (${status}).`;
}

const LOCATIONS = new Set(["json", "query", "form", "files", "headers"]);

/** `{"details": {"asset_name": ["required"]}}` → `{"details.asset_name": ["required"]}`. */
export function flattenErrors(errors: unknown, prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!errors || typeof errors !== "object") return out;
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    // webargs groups messages by where they came from ("json", "query"): not a field.
    const name = prefix ? `${prefix}.${key}` : LOCATIONS.has(key) ? "" : key;
    if (name === "") {
      Object.assign(out, flattenErrors(value));
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      out[name] = value as string[];
    } else if (typeof value === "string") {
      out[name] = [value];
    } else {
      Object.assign(out, flattenErrors(value, name));
    }
  }
  return out;
}

/** The words to show for any error thrown by a request. */
export function errorDetail(error: unknown): string {
  if (error instanceof ProblemError) return error.detail;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

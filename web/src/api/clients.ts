/** Typed clients for the five services (types generated from their OpenAPI documents). */
import createClient, { type Middleware } from "openapi-fetch";

import type { paths as AuthPaths } from "./auth";
import type { paths as ChatPaths } from "./chat";
import type { paths as NotificationPaths } from "./notifications";
import { ProblemError } from "./problem";
import { sessionFetch } from "./session";
import type { paths as TicketPaths } from "./tickets";
import type { paths as WorkflowPaths } from "./workflow";

// Any non-2xx answer becomes a ProblemError carrying the service's own `detail`.
const problems: Middleware = {
  async onResponse({ response }) {
    if (response.ok) return undefined;
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch {
      body = undefined;
    }
    throw new ProblemError(response.status, body as ConstructorParameters<typeof ProblemError>[1]);
  },
};

function client<Paths extends {}>() {
  // Absolute, on this origin: the API is always same-origin (nginx, scripts/dev, Vite's proxy).
  const made = createClient<Paths>({ baseUrl: window.location.origin, fetch: sessionFetch, credentials: "same-origin" });
  made.use(problems);
  return made;
}

export const auth = client<AuthPaths>();
export const tickets = client<TicketPaths>();
export const workflow = client<WorkflowPaths>();
export const chat = client<ChatPaths>();
export const notifications = client<NotificationPaths>();

/** The data of a typed answer (errors have already been thrown by the middleware). */
export function data<T>(result: { data?: T }): T {
  return result.data as T;
}

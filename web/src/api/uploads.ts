import { ProblemError } from "./problem";
import { sessionFetch } from "./session";

/** Attach one file to a ticket (multipart; the session's CSRF and refresh apply). */
export async function uploadAttachment(ticketId: number, file: File): Promise<void> {
  const body = new FormData();
  body.append("file", file, file.name);
  const response = await sessionFetch(`/api/tickets/${ticketId}/attachments`, {
    method: "POST",
    body,
    credentials: "same-origin",
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => undefined);
    throw new ProblemError(response.status, problem);
  }
}

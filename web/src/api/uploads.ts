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

/** Submit a ticket with its files in one request: the service keeps both, or neither
 *  (a refused file names itself in the problem, and no ticket is left without it). */
export async function submitTicketWithFiles<T>(ticket: object, files: File[]): Promise<T> {
  const body = new FormData();
  body.append("ticket", JSON.stringify(ticket));
  for (const file of files) body.append("files", file, file.name);
  const response = await sessionFetch("/api/tickets/with-attachments", {
    method: "POST",
    body,
    credentials: "same-origin",
  });
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) throw new ProblemError(response.status, payload);
  return payload as T;
}

import { useQuery } from "@tanstack/react-query";

import { data, tickets as api } from "../../api/clients";
import type { HistoryEntry } from "../../api/types";
import { useUser } from "../../auth/SessionProvider";
import { QueryState } from "../../components/QueryState";
import { statusWords } from "../../components/badges";
import { formatWhen } from "../../lib/sla";

type Change = NonNullable<HistoryEntry["changes"]>[number];

/** What an action did, as a sentence's predicate: "resolved it", "rated it 4 out of 5". */
const DONE: Record<string, (changes: Record<string, Change>) => string> = {
  create: () => "submitted it",
  approve: (c) => `approved it${c.priority ? `, ${String(c.priority.new_value)} priority` : ""}`,
  reject: () => "rejected it",
  withdraw: () => "withdrew it",
  hold: () => "put it on hold",
  resume: () => "resumed work on it",
  resolve: () => "resolved it",
  complete: () => "resolved it",
  reopen: () => "reopened it",
  close: () => "closed it",
  rate: (c) => `rated it ${String(c.csat?.new_value)} out of 5`,
  attach: (c) => `attached ${String(c.attachment?.new_value)}`,
  detach: (c) => `removed the file ${String(c.attachment?.old_value)}`,
};

const FIELD_WORDS: Record<string, string> = {
  subject: "the subject",
  description: "the description",
  category: "the category",
  subcategory: "the subcategory",
  department: "the department",
  priority: "the priority",
  details: "the category's fields",
};

function byField(entry: HistoryEntry): Record<string, Change> {
  return Object.fromEntries((entry.changes ?? []).map((change) => [change.field ?? "", change]));
}

/** One action, in a sentence for the person reading it ("You submitted it", "Ava Agent
 *  resolved it: replaced the cable"); exported for its tests. */
export function describe(entry: HistoryEntry, readerId: number): string {
  const changes = byField(entry);
  const actor = entry.actor?.id != null && entry.actor.id === readerId ? "You" : (entry.actor?.name ?? "Someone");
  const because = entry.reason ? `: ${entry.reason}` : "";
  const action = entry.action ?? "";
  if (action === "assign") {
    const parts = [];
    if (changes.assignee_name) parts.push(`Assigned to ${String(changes.assignee_name.new_value)}`);
    if (changes.current_step) parts.push(`${parts.length ? "at" : "Moved to"} step ${String(changes.current_step.new_value)}`);
    if (changes.status) parts.push(`(now ${statusWords(String(changes.status.new_value)).toLowerCase()})`);
    return parts.join(" ") || "Assigned";
  }
  if (action === "auto_close") return "Closed by itself after being resolved for 72 hours";
  if (action === "edit") {
    const fields = Object.keys(changes).map((field) => FIELD_WORDS[field] ?? field.replace(/_/g, " "));
    return `${actor} changed ${fields.join(", ") || "the ticket"}`;
  }
  const done = DONE[action];
  if (done) return `${actor} ${done(changes)}${because}`;
  const status = changes.status ? `: now ${statusWords(String(changes.status.new_value)).toLowerCase()}` : "";
  return `${actor}: ${action.replace(/_/g, " ")}${status}${because}`;
}

/** The ticket's story, newest last, in sentences for the person reading it. */
export function HistoryPanel({ ticketId }: { ticketId: number }) {
  const user = useUser();
  const history = useQuery({
    queryKey: ["tickets", "history", ticketId],
    queryFn: async () =>
      data(await api.GET("/api/tickets/{ticket_id}/history", { params: { path: { ticket_id: ticketId } } })).items ?? [],
  });
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <QueryState query={history} loadingLabel="Loading history…" isEmpty={(items) => items.length === 0} empty={<p className="muted">Nothing has happened yet.</p>}>
        {(items) => {
          const timeline = (
            <ol className="timeline">
              {items.map((entry) => (
                <li key={entry.id}>
                  <span>{describe(entry, user.id)}</span>
                  <span className="muted small"> · {formatWhen(entry.at)}</span>
                </li>
              ))}
            </ol>
          );
          if (items.length <= 6) return timeline;
          return (
            <details>
              <summary>
                Show all {items.length} events (latest: {describe(items[items.length - 1]!, user.id)})
              </summary>
              {timeline}
            </details>
          );
        }}
      </QueryState>
    </section>
  );
}

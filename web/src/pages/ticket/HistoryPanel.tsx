import { useQuery } from "@tanstack/react-query";

import { data, tickets as api } from "../../api/clients";
import { personName, type HistoryEntry } from "../../api/types";
import { QueryState } from "../../components/QueryState";
import { statusWords } from "../../components/badges";
import { formatWhen } from "../../lib/sla";

function describe(entry: HistoryEntry): string {
  if (entry.field === "status") return `Status: ${statusWords(String(entry.old_value ?? "—"))} → ${statusWords(String(entry.new_value))}`;
  if (entry.field) return `${entry.field.replace(/_/g, " ")}: ${String(entry.old_value ?? "—")} → ${String(entry.new_value ?? "—")}`;
  return (entry.action ?? "").replace(/_/g, " ");
}

/** The ticket's timeline: who changed what, when (system detail folds away). */
export function HistoryPanel({ ticketId }: { ticketId: number }) {
  const history = useQuery({
    queryKey: ["tickets", "history", ticketId],
    queryFn: async () =>
      data(await api.GET("/api/tickets/{ticket_id}/history", { params: { path: { ticket_id: ticketId } } })).items ?? [],
  });
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <QueryState query={history} loadingLabel="Loading history…" isEmpty={(items) => items.length === 0} empty={<p className="muted">Nothing has happened yet.</p>}>
        {(items) => (
          <details open={items.length <= 6}>
            <summary>Show details ({items.length} changes)</summary>
            <ol className="timeline">
              {items.map((entry) => (
                <li key={entry.id}>
                  <span>{describe(entry)}</span>
                  <span className="muted small">
                    {" "}
                    by {personName(entry.actor)} · {formatWhen(entry.at)}
                  </span>
                </li>
              ))}
            </ol>
          </details>
        )}
      </QueryState>
    </section>
  );
}

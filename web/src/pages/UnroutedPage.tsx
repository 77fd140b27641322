import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { data, workflow as api } from "../api/clients";
import { errorDetail } from "../api/problem";
import { QueryState } from "../components/QueryState";
import { formatWhen } from "../lib/sla";
import { usePageTitle } from "../lib/usePageTitle";

/** Approved tickets no workflow matched: a coordinator picks the workflow. */
export default function UnroutedPage() {
  usePageTitle("Unrouted");
  const list = useQuery({
    queryKey: ["unrouted"],
    queryFn: async () => data(await api.GET("/api/workflow/unrouted")).items ?? [],
  });
  const workflows = useQuery({
    queryKey: ["workflows"],
    queryFn: async () => data(await api.GET("/api/workflow/workflows")).items ?? [],
    staleTime: 5 * 60_000,
  });
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Unrouted</h1>
      <QueryState query={list} loadingLabel="Loading unrouted tickets…" isEmpty={(items) => items.length === 0} empty={<p>Every approved ticket found its workflow.</p>}>
        {(items) => (
          <ul className="cards" aria-label="Unrouted tickets">
            {items.map((item) => {
              const ticket = (item.ticket ?? {}) as { subject?: string; number?: number };
              return (
                <li key={item.ticket_id} className="card">
                  <h2 className="card-title">
                    <Link to={ticket.number ? `/tickets/${ticket.number}` : `/tickets/by-id/${item.ticket_id}`}>
                      #{ticket.number ?? item.ticket_id} {ticket.subject}
                    </Link>
                  </h2>
                  <p className="muted small">Waiting since {formatWhen(item.received_at)}</p>
                  <RouteForm ticketId={item.ticket_id!} workflows={workflows.data ?? []} />
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function RouteForm({ ticketId, workflows }: { ticketId: number; workflows: { id?: number; name?: string; archived?: boolean }[] }) {
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState("");
  const route = useMutation({
    mutationFn: async () => {
      await api.POST("/api/workflow/unrouted/{ticket_id}/route", {
        params: { path: { ticket_id: ticketId } },
        body: { workflow_id: Number(chosen) },
      });
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["unrouted"] }),
  });
  return (
    <form
      className="row"
      onSubmit={(event) => {
        event.preventDefault();
        route.mutate();
      }}
    >
      <div className="field inline">
        <label htmlFor={`workflow-${ticketId}`}>Workflow</label>
        <select id={`workflow-${ticketId}`} required value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">Choose…</option>
          {workflows
            .filter((w) => !w.archived)
            .map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
        </select>
      </div>
      <button type="submit" className="button primary" disabled={!chosen || route.isPending}>
        Route
      </button>
      {route.isError && (
        <p className="form-error" role="alert">
          {errorDetail(route.error)}
        </p>
      )}
    </form>
  );
}

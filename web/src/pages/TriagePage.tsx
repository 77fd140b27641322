import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import { data, tickets as api } from "../api/clients";
import { errorDetail } from "../api/problem";
import { personName, type Priority, type Ticket } from "../api/types";
import { DetailsList } from "../components/DetailsList";
import { PrioritySelect } from "../components/PrioritySelect";
import { QueryState } from "../components/QueryState";
import { formatWhen } from "../lib/sla";
import { usePageTitle } from "../lib/usePageTitle";
import { useTicketAction } from "./ticket/TicketActions";

/** The coordinator's queue: new tickets, oldest first; approve with a priority or reject. */
export default function TriagePage() {
  usePageTitle("Triage");
  const queue = useQuery({
    queryKey: ["tickets", "triage"],
    queryFn: async () =>
      data(await api.GET("/api/tickets", { params: { query: { status: ["new"], sort: "created_at", limit: 50 } } })).items ?? [],
    // New tickets have no socket of their own: the queue checks every 15 s while open.
    refetchInterval: 15_000,
  });
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Triage</h1>
      <p className="muted">New tickets, oldest first. Approve with a priority, or reject with a reason the requester will read.</p>
      <QueryState
        query={queue}
        loadingLabel="Loading the queue…"
        isEmpty={(items) => items.length === 0}
        empty={<p>Queue clear. New tickets appear here as they arrive.</p>}
      >
        {(items) => (
          <ul className="cards" aria-label="New tickets">
            {items.map((ticket) => (
              <li key={ticket.id}>
                <TriageRow ticket={ticket} />
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

function TriageRow({ ticket }: { ticket: Ticket }) {
  const [priority, setPriority] = useState<Priority>("medium");
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  // The same decision the ticket page's Actions make: one mutation for both.
  const act = useTicketAction(ticket.id!);
  const decide = (decision: "approve" | "reject") => act.mutate({ action: decision, priority, reason: reason.trim() });
  const label = `#${ticket.number} ${ticket.subject}`;
  const approve = (event: FormEvent) => {
    event.preventDefault();
    decide("approve");
  };
  return (
    <article className="card triage-row" aria-label={label}>
      <h2 className="card-title">
        <Link to={`/tickets/${ticket.number}`}>{label}</Link>
      </h2>
      <p className="meta small">
        <span>{personName(ticket.requester)}</span>
        <span>{[ticket.category, ticket.subcategory].filter(Boolean).join(" › ")}</span>
        <span>{ticket.department}</span>
        <span className="muted">Submitted {formatWhen(ticket.created_at)}</span>
      </p>
      <p className="clamp">{ticket.description}</p>
      <DetailsList fields={ticket.details_fields} />
      <form className="row" onSubmit={approve}>
        <PrioritySelect id={`priority-${ticket.id}`} value={priority} onChange={setPriority} />
        <button type="submit" className="button primary" disabled={act.isPending}>
          Approve
        </button>
        <button type="button" className="button" aria-expanded={rejecting} onClick={() => setRejecting((r) => !r)}>
          Reject
        </button>
      </form>
      {rejecting && (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            decide("reject");
          }}
        >
          <div className="field">
            <label htmlFor={`reason-${ticket.id}`}>Reason for rejecting</label>
            <input id={`reason-${ticket.id}`} required value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="submit" className="button danger" disabled={act.isPending || !reason.trim()}>
            Confirm reject
          </button>
        </form>
      )}
      {act.isError && (
        <p className="form-error" role="alert">
          {errorDetail(act.error)}
        </p>
      )}
    </article>
  );
}

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";

import { data, tickets as api } from "../../api/clients";
import { ProblemError } from "../../api/problem";
import { personName } from "../../api/types";
import { isStaff } from "../../auth/roles";
import { useUser } from "../../auth/SessionProvider";
import { ErrorState, LoadingState } from "../../components/QueryState";
import { DetailsList } from "../../components/DetailsList";
import { PriorityBadge, TicketStatusBadge } from "../../components/badges";
import { formatWhen } from "../../lib/sla";
import { useReadTicketNotifications } from "../../live/notifications";
import { AttachmentsPanel } from "./AttachmentsPanel";
import { Conversation } from "./Conversation";
import { CsatPanel } from "./CsatPanel";
import { HistoryPanel } from "./HistoryPanel";
import { TicketActions } from "./TicketActions";

export function useTicket(ticketId: number, awaitAccess = false) {
  return useQuery({
    queryKey: ["tickets", "detail", ticketId],
    queryFn: async () => data(await api.GET("/api/tickets/{ticket_id}", { params: { path: { ticket_id: ticketId } } })),
    // An assignee is told of a new task a moment before the tickets service has recorded
    // them (another event hop): from a task page, "not found" is waited out briefly.
    retry: (count, error) =>
      count < (awaitAccess && error instanceof ProblemError && error.status === 404 ? 6 : 2) &&
      !(error instanceof ProblemError && error.status < 500 && !(awaitAccess && error.status === 404)),
    retryDelay: (count) => Math.min(4000, 250 * 2 ** count),
  });
}

/** The ticket layout (its page adds the task's step panel through `aside`). */
export function TicketView({ ticketId, aside, notice }: { ticketId: number; aside?: ReactNode; notice?: ReactNode }) {
  const user = useUser();
  const ticket = useTicket(ticketId, aside !== undefined);
  useReadTicketNotifications(ticketId, ticket.isSuccess);
  if (ticket.isPending) return <LoadingState label="Loading the ticket…" rows={6} />;
  if (ticket.isError) return <ErrorState error={ticket.error} onRetry={() => void ticket.refetch()} />;
  const t = ticket.data;
  const requester = (t.requester ?? {}) as { id?: number };
  const isRequester = requester.id === user.id;
  const resolved = t.status === "resolved" || t.status === "closed";
  return (
    <article className="ticket" aria-labelledby="ticket-title">
      <header className="ticket-head">
        <p className="muted">
          Ticket <span data-testid="ticket-number">#{t.number}</span>
        </p>
        <h1 id="ticket-title">{t.subject}</h1>
        <div className="meta">
          <span data-testid="ticket-status">
            Status: <TicketStatusBadge ticket={t} />
          </span>
          <PriorityBadge priority={t.priority} />
          <span>{[t.category, t.subcategory].filter(Boolean).join(" › ")}</span>
          <span>{t.department}</span>
        </div>
        {t.status_reason && <p className="muted">Reason: {t.status_reason}</p>}
      </header>
      {notice}
      <div className="ticket-grid">
        <div className="ticket-main stack">
          <section className="panel" aria-labelledby="description-title">
            <h2 id="description-title">Description</h2>
            <p className="prewrap">{t.description}</p>
            <DetailsList fields={t.details_fields} />
          </section>
          <Conversation ticketId={ticketId} canWriteNotes={isStaff(user) && !isRequester} />
        </div>
        <aside className="ticket-side stack" aria-label="Ticket details">
          {aside}
          <TicketActions ticketId={ticketId} />
          {isRequester && resolved && <CsatPanel ticket={t} />}
          <section className="panel" aria-labelledby="people-title">
            <h2 id="people-title">Details</h2>
            <dl className="details">
              <div>
                <dt>Requester</dt>
                <dd>{personName(t.requester)}</dd>
              </div>
              <div>
                <dt>Assignee</dt>
                <dd>{t.assignee ? personName(t.assignee) : "Not assigned yet"}</dd>
              </div>
              <div>
                <dt>Step</dt>
                <dd>{t.current_step ?? "—"}</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{formatWhen(t.created_at)}</dd>
              </div>
              <div>
                <dt>Updated</dt>
                <dd>{formatWhen(t.updated_at)}</dd>
              </div>
            </dl>
          </section>
          <AttachmentsPanel ticketId={ticketId} />
          <HistoryPanel ticketId={ticketId} />
        </aside>
      </div>
    </article>
  );
}

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "react-router";

import { data, tickets as api } from "../api/clients";
import { ProblemError } from "../api/problem";
import { isCoordinator, isStaff } from "../auth/roles";
import { useUser } from "../auth/SessionProvider";
import { ErrorState, LoadingState } from "../components/QueryState";
import { usePageTitle } from "../lib/usePageTitle";
import { TicketTaskPanel } from "./TaskPage";
import { TicketView } from "./ticket/TicketView";

interface TicketPageState {
  submitted?: boolean;
  /** Sent here for a task just assigned: the tickets service may not know it for a moment. */
  awaitAccess?: boolean;
}

function notFound(error: unknown): boolean {
  return error instanceof ProblemError && error.status === 404;
}

/** The ticket people know as #number; its id is what the rest of the API takes. */
function useTicketByNumber(number: number, awaitAccess: boolean) {
  const client = useQueryClient();
  return useQuery({
    queryKey: ["tickets", "by-number", number],
    queryFn: async () => {
      const ticket = data(await api.GET("/api/tickets/by-number/{number}", { params: { path: { number } } }));
      client.setQueryData(["tickets", "detail", ticket.id], ticket);
      return ticket;
    },
    enabled: Number.isSafeInteger(number) && number > 0,
    retry: (count, error) => (notFound(error) ? awaitAccess && count < 5 : count < 2 && !(error instanceof ProblemError && error.status < 500)),
    retryDelay: (count) => Math.min(4000, 250 * 2 ** count),
  });
}

/** "No such ticket" in plain words: nothing to retry, and no request id to quote. */
function NoSuchTicket({ label }: { label: string }) {
  return (
    <section className="page" aria-labelledby="no-ticket-title">
      <h1 id="no-ticket-title">No ticket {label} that you can see</h1>
      <p>
        It may not exist, or it may be someone else's. Check the number, or <Link to="/">go to your home page</Link>.
      </p>
    </section>
  );
}

/** `/tickets/<number>`: the number the ticket shows is the one in its address. Staff
 *  working it see its step and the actions allowed now beside the conversation. */
export default function TicketPage() {
  const raw = useParams().number ?? "";
  const number = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  const state = (useLocation().state ?? {}) as TicketPageState;
  const user = useUser();
  usePageTitle(`Ticket #${raw}`);
  const ticket = useTicketByNumber(number, !!state.awaitAccess);
  if (Number.isNaN(number)) return <NoSuchTicket label={`“${raw}”`} />;
  if (ticket.isPending) return <LoadingState label="Loading the ticket…" rows={6} />;
  if (ticket.isError) {
    if (notFound(ticket.error)) return <NoSuchTicket label={`#${number}`} />;
    return <ErrorState error={ticket.error} onRetry={() => void ticket.refetch()} />;
  }
  const t = ticket.data;
  const isRequester = (t.requester as { id?: number } | undefined)?.id === user.id;
  const notice = state.submitted ? (
    <div className="notice" role="status">
      <p>Your ticket was submitted. A coordinator reviews new tickets; you will be notified of every change.</p>
    </div>
  ) : null;
  const aside = isStaff(user) && !isRequester ? <TicketTaskPanel ticketId={t.id!} anyone={isCoordinator(user)} /> : undefined;
  return (
    <section className="page" aria-label="Ticket">
      <TicketView ticketId={t.id!} notice={notice} aside={aside} />
    </section>
  );
}

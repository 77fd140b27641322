import { Navigate, useParams } from "react-router";

import { ErrorState, LoadingState } from "../components/QueryState";
import { useTicket } from "./ticket/TicketView";

/** `/tickets/by-id/<id>`, for links that know only the ticket's id (older notifications):
 *  on to the address people see, `/tickets/<number>`. */
export default function TicketByIdRedirect() {
  const ticketId = Number(useParams().ticketId);
  const ticket = useTicket(ticketId);
  if (ticket.isPending) return <LoadingState label="Loading the ticket…" rows={6} />;
  if (ticket.isError) return <ErrorState error={ticket.error} />;
  return <Navigate to={`/tickets/${ticket.data.number}`} replace />;
}

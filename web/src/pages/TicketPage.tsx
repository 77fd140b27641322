import { useLocation, useParams } from "react-router";

import { usePageTitle } from "../lib/usePageTitle";
import { TicketView } from "./ticket/TicketView";

interface SubmittedState {
  submitted?: boolean;
  uploadErrors?: string[];
}

export default function TicketPage() {
  const ticketId = Number(useParams().ticketId);
  const state = (useLocation().state ?? {}) as SubmittedState;
  usePageTitle(`Ticket ${ticketId}`);
  const notice = state.submitted ? (
    <div className="notice" role="status">
      <p>Your ticket was submitted. A coordinator reviews new tickets; you will be notified of every change.</p>
      {state.uploadErrors?.map((message) => (
        <p key={message} className="form-error">
          Not attached: {message}
        </p>
      ))}
    </div>
  ) : null;
  return (
    <section className="page" aria-label="Ticket">
      <TicketView ticketId={ticketId} notice={notice} />
    </section>
  );
}

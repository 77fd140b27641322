import { Link } from "react-router";

import { TicketList } from "../components/TicketList";
import { usePageTitle } from "../lib/usePageTitle";

export default function MyTicketsPage() {
  usePageTitle("My tickets");
  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">My tickets</h1>
        <Link to="/tickets/new" className="button primary">
          New ticket
        </Link>
      </div>
      <TicketList
        requester="me"
        empty={
          <p>
            You have no tickets yet. <Link to="/tickets/new">Submit a new ticket</Link> when you need help.
          </p>
        }
      />
    </section>
  );
}

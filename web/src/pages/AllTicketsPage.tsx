import { TicketList } from "../components/TicketList";
import { usePageTitle } from "../lib/usePageTitle";

export default function AllTicketsPage() {
  usePageTitle("All tickets");
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">All tickets</h1>
      <TicketList wideFilters empty={<p>No tickets yet.</p>} />
    </section>
  );
}

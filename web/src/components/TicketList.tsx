import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";

import { data, tickets as api } from "../api/clients";
import { DEPARTMENTS, type Department, type Priority, type TicketStatus } from "../api/types";
import { formatWhen } from "../lib/sla";
import { PrioritySelect } from "./PrioritySelect";
import { EmptyState, ErrorState, LoadingState } from "./QueryState";
import { PriorityBadge, TicketStatusBadge } from "./badges";

// Filter chips count active work apart from finished work.
const STATUS_GROUPS: Record<string, TicketStatus[] | undefined> = {
  All: undefined,
  Active: ["new", "open", "in_progress", "on_hold"],
  Resolved: ["resolved"],
  Closed: ["closed", "rejected", "withdrawn"],
};

interface Props {
  /** "me": the caller's own tickets; otherwise every ticket the caller may see. */
  requester?: "me";
  /** Coordinators filter by priority and department too. */
  wideFilters?: boolean;
  empty: React.ReactNode;
}

function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function TicketList({ requester, wideFilters = false, empty }: Props) {
  const [group, setGroup] = useState<keyof typeof STATUS_GROUPS>("All");
  const [search, setSearch] = useState("");
  const [priority, setPriority] = useState<Priority | "">("");
  const [department, setDepartment] = useState<Department | "">("");
  const q = useDebounced(search.trim());
  const query = useInfiniteQuery({
    queryKey: ["tickets", "list", { requester, group, q, priority, department }],
    queryFn: async ({ pageParam }) =>
      data(
        await api.GET("/api/tickets", {
          params: {
            query: {
              requester,
              status: STATUS_GROUPS[group],
              q: q || undefined,
              priority: priority ? [priority] : undefined,
              department: department ? [department] : undefined,
              sort: "-updated_at",
              cursor: pageParam,
              limit: 50,
            },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    placeholderData: (previous) => previous,
  });
  const rows = query.data?.pages.flatMap((page) => page.items ?? []) ?? [];

  return (
    <div className="stack">
      <div className="filters" role="group" aria-label="Filters">
        <div className="chips" role="radiogroup" aria-label="Status">
          {Object.keys(STATUS_GROUPS).map((name) => (
            <button
              key={name}
              type="button"
              role="radio"
              aria-checked={group === name}
              className={group === name ? "chip active" : "chip"}
              onClick={() => setGroup(name)}
            >
              {name}
            </button>
          ))}
        </div>
        <div className="field inline">
          <label htmlFor="ticket-search">Search</label>
          <input id="ticket-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Words in subject or description" />
        </div>
        {wideFilters && (
          <>
            <PrioritySelect id="filter-priority" label="Priority filter" value={priority} onChange={setPriority} anyLabel="Any priority" />
            <div className="field inline">
              <label htmlFor="filter-department">Department filter</label>
              <select id="filter-department" value={department} onChange={(e) => setDepartment(e.target.value as Department | "")}>
                <option value="">Any department</option>
                {DEPARTMENTS.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
      </div>
      {query.isPending ? (
        <LoadingState label="Loading tickets…" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState>{q || group !== "All" ? <p>No tickets match these filters.</p> : empty}</EmptyState>
      ) : (
        <>
          <ul className="cards" aria-label="Tickets" aria-busy={query.isFetching}>
            {rows.map((ticket) => (
              <li key={ticket.id} className="card ticket-card">
                <Link to={`/tickets/${ticket.number}`} className="card-link">
                  <span className="muted">#{ticket.number}</span> {ticket.subject}
                </Link>
                <div className="meta">
                  <TicketStatusBadge ticket={ticket} />
                  {wideFilters && <PriorityBadge priority={ticket.priority} />}
                  <span>{ticket.category}</span>
                  <span className="muted small">Updated {formatWhen(ticket.updated_at)}</span>
                </div>
              </li>
            ))}
          </ul>
          {query.hasNextPage && (
            <button type="button" className="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          )}
        </>
      )}
    </div>
  );
}

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";

import { QueryState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { SERVICES, formatTime, opsGet, type AuditPage as Page } from "./api";

/** What operators did, per service (each keeps its own append-only audit), newest first. */
export default function AuditPage() {
  usePageTitle("Audit");
  const [name, setName] = useState("notify");
  const service = SERVICES.find((s) => s.name === name) ?? SERVICES[0]!;
  const pages = useInfiniteQuery({
    queryKey: ["ops", service.name, "audit"],
    queryFn: ({ pageParam }) => opsGet<Page>(service, "/audit", { before: pageParam, limit: 50 }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.before ?? undefined,
  });
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Audit</h1>
      <div className="field inline">
        <label htmlFor="audit-service">Service</label>
        <select id="audit-service" value={name} onChange={(e) => setName(e.target.value)}>
          {SERVICES.map((s) => (
            <option key={s.name} value={s.name}>{s.label}</option>
          ))}
        </select>
      </div>
      <QueryState
        query={pages}
        loadingLabel="Loading the audit…"
        isEmpty={(d) => !d.pages.some((p) => p.items?.length)}
        // "the Notifications service's", never "Notifications's": labels may end in s.
        empty={<p>Nobody has acted on the {service.label} service's jobs yet. Actions on dead letters and the outbox are recorded here.</p>}
      >
        {(d) => (
          <>
            <div className="table-wrap">
              <table aria-label={`Audit of ${service.label}`}>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">Target</th>
                    <th scope="col">Count</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Result</th>
                  </tr>
                </thead>
                <tbody>
                  {d.pages.flatMap((p) => p.items ?? []).map((row) => (
                    <tr key={row.id}>
                      <td data-label="When">{formatTime(row.at)}</td>
                      <td data-label="Who">{row.actor}</td>
                      <td data-label="What">{row.action}</td>
                      <td data-label="Target">{row.target}</td>
                      <td data-label="Count">{row.count}</td>
                      <td data-label="Reason">{row.reason ?? "—"}</td>
                      <td data-label="Result">{row.result}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {pages.hasNextPage && (
              <button type="button" className="button" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                {pages.isFetchingNextPage ? "Loading…" : "Older entries"}
              </button>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

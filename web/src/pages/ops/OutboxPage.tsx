import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { LoadingState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { ActionDialog, useActingRefused } from "./ActionDialog";
import { formatAge, opsPost, type ActionResult, type Service } from "./api";
import { TimersFacts, useAnswers } from "./OverviewPage";

/** The outbox of every service, with "Sweep now", and workflow's overdue SLA timers. */
export default function OutboxPage() {
  usePageTitle("Outbox and timers");
  const client = useQueryClient();
  const { answers } = useAnswers();
  const [sweeping, setSweeping] = useState<Service | null>(null);
  const [result, setResult] = useState("");
  const refused = useActingRefused();
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Outbox and timers</h1>
      <p className="muted">
        Each service writes its events to an outbox in the same transaction as the change, and a relay publishes
        them. A backlog that keeps ageing means nothing is getting through.
      </p>
      {refused && <p className="notice" role="note">Acting is not allowed for you here: {refused}</p>}
      {result && <p className="notice" role="status">{result}</p>}
      {answers.every((a) => a.pending) ? (
        <LoadingState label="Asking every service…" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Outbox">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Unpublished</th>
                <th scope="col">Oldest unpublished</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {answers.map(({ service, status, pending }) => (
                <tr key={service.name}>
                  <th scope="row" data-label="Service">{service.label}</th>
                  <td data-label="Unpublished">{status ? status.outbox?.backlog ?? 0 : pending ? "…" : "unreachable"}</td>
                  <td data-label="Oldest unpublished">{status ? formatAge(status.outbox?.oldest_seconds) : "—"}</td>
                  <td data-label="Actions">
                    <button
                      type="button"
                      className="button small"
                      aria-label={`Sweep now: ${service.label}`}
                      disabled={!status || !!refused}
                      onClick={() => setSweeping(service)}
                    >
                      Sweep now
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>SLA timers</h2>
      <TimersFacts answers={answers} />
      <ActionDialog
        open={sweeping !== null}
        title={`Sweep the ${sweeping?.label ?? ""} outbox`}
        verb="Sweep"
        dryRun={() => opsPost<ActionResult>(sweeping!, "/outbox/sweep", { dry_run: true })}
        act={() => opsPost<ActionResult>(sweeping!, "/outbox/sweep", { dry_run: false })}
        describePreview={(p) => `Would publish the ${p.unpublished ?? 0} unpublished events of ${sweeping?.label} now.`}
        describeDone={(d) => `Published ${d.published ?? 0} events of ${sweeping?.label}.`}
        onClose={() => setSweeping(null)}
        onDone={(message) => {
          setResult(message);
          void client.invalidateQueries({ queryKey: ["ops"] });
        }}
      />
    </section>
  );
}

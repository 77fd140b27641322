import { useEffect, useState } from "react";
import { Link } from "react-router";

import { ErrorState, LoadingState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { SERVICES, formatAge, formatRate, useAllStatus, type OpsHeartbeat, type OpsQueue, type OpsStatus, type Service } from "./api";
import { LineChart, addSample, currentSamples, type Sample } from "./charts";
import { StateBadge, Verdict } from "./components";

interface Answer {
  service: Service;
  status?: OpsStatus;
  error?: unknown;
  pending: boolean;
}

function Tile({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="tile">
      <dt>{label}</dt>
      <dd>
        <span className="tile-value">{value}</span>
        {hint && <span className="small muted">{hint}</span>}
      </dd>
    </div>
  );
}

function totals(answers: Answer[]) {
  const queues = answers.flatMap((a) => a.status?.queues ?? []);
  const beats = answers.flatMap((a) => a.status?.heartbeats ?? []);
  const sum = (pick: (q: OpsQueue) => number | undefined) => queues.reduce((n, q) => n + (pick(q) ?? 0), 0);
  const workers = new Map<string, OpsHeartbeat>();
  for (const beat of beats) if (beat.kind === "worker" && beat.process) workers.set(beat.process, beat);
  const alive = [...workers.values()].filter((b) => b.state === "alive").length;
  return {
    depth: sum((q) => (q.ready ?? 0) + (q.unacked ?? 0) + (q.delayed ?? 0)),
    publish: sum((q) => q.publish_rate),
    deliver: sum((q) => q.deliver_rate),
    ack: sum((q) => q.ack_rate),
    dead: sum((q) => q.dead),
    failures: answers.reduce((n, a) => n + (a.status?.journal?.failures_last_hour ?? 0), 0),
    workers: alive,
    workersKnown: workers.size,
  };
}

function ServiceVerdicts({ answers }: { answers: Answer[] }) {
  return (
    <ul className="cards service-verdicts" aria-label="Services">
      {answers.map(({ service, status, error, pending }) => (
        <li key={service.name} className="card" aria-label={service.label}>
          <div className="row">
            <h3 className="card-title">{service.label}</h3>
            {pending ? <span className="muted small">Checking…</span> : <Verdict verdict={status ? (status.verdict as "green" | "red") : "unreachable"} />}
          </div>
          {error !== undefined && error !== null && !status && (
            <p className="small">Did not answer: {error instanceof Error ? error.message : "no answer"}</p>
          )}
          {status && (status.problems?.length ? (
            <ul className="problems small">
              {status.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          ) : (
            <p className="small muted">No problems.</p>
          ))}
        </li>
      ))}
    </ul>
  );
}

function QueueState({ q }: { q: OpsQueue }) {
  const issues = [!q.consumers && "no consumer", q.dead && `${q.dead} dead`].filter(Boolean);
  return <span className={`badge verdict-${issues.length ? "bad" : "ok"}`}>{issues.length ? issues.join(", ") : "OK"}</span>;
}

function QueuesTable({ answers }: { answers: Answer[] }) {
  const rows = answers.flatMap((a) => (a.status?.queues ?? []).map((q) => ({ service: a.service, q })));
  if (!rows.length) return <p className="state state-empty">No queue facts yet: RabbitMQ may not be answering (see the services above).</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Queues">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">State</th>
            <th scope="col">Ready</th>
            <th scope="col">Unacked</th>
            <th scope="col">Delayed</th>
            <th scope="col">Dead</th>
            <th scope="col">Consumers</th>
            <th scope="col">Publish</th>
            <th scope="col">Deliver</th>
            <th scope="col">Ack</th>
            <th scope="col">Oldest message</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ service, q }) => (
            <tr key={`${service.name}-${q.name}`}>
              <th scope="row" data-label="Queue">
                {q.name} <span className="muted small">({service.label})</span>
              </th>
              <td data-label="State">
                <QueueState q={q} />
              </td>
              <td data-label="Ready">{q.ready ?? 0}</td>
              <td data-label="Unacked">{q.unacked ?? 0}</td>
              <td data-label="Delayed">{q.delayed ?? 0}</td>
              <td data-label="Dead">
                {q.dead ? <Link to={`/ops/dead?service=${service.name}&queue=${q.name}`}>{q.dead} dead</Link> : 0}
              </td>
              <td data-label="Consumers">{q.consumers ?? 0}</td>
              <td data-label="Publish">{formatRate(q.publish_rate)}</td>
              <td data-label="Deliver">{formatRate(q.deliver_rate)}</td>
              <td data-label="Ack">{formatRate(q.ack_rate)}</td>
              <td data-label="Oldest message">{formatAge(q.oldest_ready_seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Heartbeats({ answers }: { answers: Answer[] }) {
  const seen = new Map<string, OpsHeartbeat & { services: string[] }>();
  for (const a of answers) {
    for (const beat of a.status?.heartbeats ?? []) {
      const key = beat.process ?? "";
      const found = seen.get(key);
      if (!found || (beat.beat_seconds_ago ?? 0) < (found.beat_seconds_ago ?? 0)) {
        seen.set(key, { ...beat, services: [...(found?.services ?? []), a.service.label] });
      } else found.services.push(a.service.label);
    }
  }
  const beats = [...seen.values()];
  if (!beats.length) return <p className="state state-empty">No worker or scheduler has written a heartbeat. Start them (scripts/stack up, or scripts/dev).</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Heartbeats">
        <thead>
          <tr>
            <th scope="col">Process</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Last beat</th>
            <th scope="col">Queues</th>
            <th scope="col">Jobs running</th>
            <th scope="col">Longest job</th>
          </tr>
        </thead>
        <tbody>
          {beats.map((b) => (
            <tr key={b.process}>
              <th scope="row" data-label="Process" className="mono">{b.process}</th>
              <td data-label="Kind">{b.kind}</td>
              <td data-label="State"><StateBadge state={b.state} /></td>
              <td data-label="Last beat">{formatAge(b.beat_seconds_ago)} ago</td>
              <td data-label="Queues">{b.queues?.length ? b.queues.join(", ") : "—"}</td>
              <td data-label="Jobs running">{b.in_flight ?? 0}</td>
              <td data-label="Longest job">{formatAge(b.oldest_job_seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OutboxTable({ answers }: { answers: Answer[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Outbox">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Unpublished</th>
            <th scope="col">Oldest unpublished</th>
          </tr>
        </thead>
        <tbody>
          {answers.map(({ service, status }) => (
            <tr key={service.name}>
              <th scope="row" data-label="Service">{service.label}</th>
              <td data-label="Unpublished">{status ? status.outbox?.backlog ?? 0 : "unreachable"}</td>
              <td data-label="Oldest unpublished">{status ? formatAge(status.outbox?.oldest_seconds) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TimersFacts({ answers }: { answers: Answer[] }) {
  const workflow = answers.find((a) => a.service.name === "workflow");
  const facts = workflow?.status?.facts as { overdue_timers?: number; oldest_overdue_seconds?: number | null } | undefined;
  if (!workflow?.status) return <p className="muted">Workflow did not answer: its SLA timers are unknown.</p>;
  const overdue = facts?.overdue_timers ?? 0;
  return (
    <p data-testid="overdue-timers">
      {overdue
        ? `${overdue} SLA timer${overdue === 1 ? "" : "s"} overdue (not fired); the oldest has been due for ${formatAge(facts?.oldest_overdue_seconds)}.`
        : "No SLA timer is overdue."}
    </p>
  );
}

export function useAnswers(refresh = true): { answers: Answer[]; refetch: () => void } {
  const results = useAllStatus(refresh);
  const answers = SERVICES.map((service, i) => ({
    service,
    status: results[i]?.data,
    error: results[i]?.error,
    pending: results[i]?.isPending ?? true,
  }));
  return { answers, refetch: () => results.forEach((r) => void r.refetch()) };
}

export default function OverviewPage() {
  usePageTitle("Operations");
  const results = useAllStatus();
  const answers: Answer[] = SERVICES.map((service, i) => ({
    service,
    status: results[i]?.data,
    error: results[i]?.error,
    pending: results[i]?.isPending ?? true,
  }));
  const [series, setSeries] = useState<Sample[]>(currentSamples);
  const updated = Math.max(0, ...results.map((r) => r.dataUpdatedAt));
  const settled = results.every((r) => !r.isFetching);
  const sum = totals(answers);
  useEffect(() => {
    if (!updated || !settled) return;
    setSeries(addSample({ at: updated, publish: sum.publish, deliver: sum.deliver, ack: sum.ack, depth: sum.depth }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [updated, settled]);

  const allPending = answers.every((a) => a.pending);
  const allRefused = answers.every((a) => a.error instanceof Error && "status" in a.error && (a.error as { status: number }).status === 403);
  const header = (
    <div className="page-head">
      <h1 id="page-title">Operations</h1>
    </div>
  );
  if (allRefused) {
    return (
      <section className="page" aria-labelledby="page-title">
        {header}
        <ErrorState error={answers[0]?.error} onRetry={() => results.forEach((r) => void r.refetch())} />
      </section>
    );
  }
  const reachable = answers.filter((a) => a.status);
  return (
    <section className="page ops-page" aria-labelledby="page-title">
      {header}
      {allPending ? (
        <LoadingState label="Asking every service…" rows={4} />
      ) : (
        <>
          <p className="small muted" role="status">
            {reachable.length} of {answers.length} services answered · refreshes every 5 s
          </p>
          <dl className="tiles" aria-label="At a glance">
            <Tile label="Queue depth" value={String(sum.depth)} hint="ready, unacked and delayed" />
            <Tile label="Throughput" value={formatRate(sum.ack)} hint="acknowledged" />
            <Tile label="Failure rate" value={`${sum.failures}/h`} hint="failed attempts, last hour" />
            <Tile label="Dead letters" value={String(sum.dead)} />
            <Tile label="Workers online" value={`${sum.workers}`} hint={`of ${sum.workersKnown} known`} />
          </dl>
          <h2>Services</h2>
          <ServiceVerdicts answers={answers} />
          <h2>Rates over time</h2>
          <div className="charts">
            <LineChart
              title="Message rates"
              unit="/s"
              data={series}
              series={[
                { key: "publish", label: "Publish", className: "s1" },
                { key: "deliver", label: "Deliver", className: "s2" },
                { key: "ack", label: "Ack", className: "s3" },
              ]}
            />
            <LineChart title="Queue depth" unit="" data={series} series={[{ key: "depth", label: "Depth", className: "s4" }]} />
          </div>
          <h2>Queues</h2>
          <QueuesTable answers={answers} />
          <h2>Heartbeats</h2>
          <Heartbeats answers={answers} />
          <h2>Outbox</h2>
          <OutboxTable answers={answers} />
          <h2>SLA timers</h2>
          <TimersFacts answers={answers} />
        </>
      )}
    </section>
  );
}

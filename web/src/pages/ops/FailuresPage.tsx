import { useInfiniteQuery, useQueries, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { EmptyState, ErrorState, LoadingState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { REFRESH_MS, SERVICES, formatTime, opsGet, serviceNamed, type Failure, type FailureGroup, type FailurePage, type Service } from "./api";

const HOURS = [1, 24, 24 * 7, 24 * 30];

function Traceback({ service, failure }: { service: Service; failure: Failure }) {
  const one = useQuery({
    queryKey: ["ops", service.name, "failure", failure.id],
    queryFn: () => opsGet<Failure>(service, `/failures/${failure.id}`),
  });
  if (one.isPending) return <LoadingState label="Loading the traceback…" rows={2} />;
  if (one.isError) return <ErrorState error={one.error} onRetry={() => void one.refetch()} />;
  return (
    <div className="stack">
      <p className="small muted">
        Message {one.data.message_id}
        {one.data.event_id ? ` · event ${one.data.event_id}` : ""}
        {one.data.resolution ? ` · ${one.data.resolution} by ${one.data.resolved_by ?? "?"} ${formatTime(one.data.resolved_at)}` : ""}
      </p>
      <pre className="traceback" tabIndex={0} aria-label={`Traceback of failure ${failure.id} (redacted)`}>
        {one.data.traceback || "(no traceback recorded)"}
      </pre>
    </div>
  );
}

function FailureRow({ service, failure }: { service: Service; failure: Failure }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="failure">
      <div className="row wrap">
        <span>
          <strong>Attempt {failure.attempt}</strong> · {formatTime(failure.failed_at)}
          {failure.dead_lettered ? <span className="badge verdict-bad"> dead-lettered</span> : failure.next_retry_at ? <span className="small muted"> · retry at {formatTime(failure.next_retry_at)}</span> : null}
        </span>
        <button type="button" className="button small" aria-expanded={open} onClick={() => setOpen((v) => !v)}>
          {open ? "Hide traceback" : "Show traceback"}
        </button>
      </div>
      <p className="small clamp">{failure.detail}</p>
      {open && <Traceback service={service} failure={failure} />}
    </li>
  );
}

function FailureList({ group }: { group: FailureGroup }) {
  const service = serviceNamed(group.service ?? "") ?? SERVICES[0]!;
  const [deadOnly, setDeadOnly] = useState(false);
  const pages = useInfiniteQuery({
    queryKey: ["ops", service.name, "failures", group.actor, group.exception, deadOnly],
    queryFn: ({ pageParam }) =>
      opsGet<FailurePage>(service, "/failures", { actor: group.actor, exception: group.exception, dead: deadOnly || undefined, before: pageParam, limit: 20 }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.before ?? undefined,
  });
  const toggle = (
    <label className="small">
      <input type="checkbox" checked={deadOnly} onChange={(e) => setDeadOnly(e.target.checked)} /> Dead-lettered only
    </label>
  );
  if (pages.isPending) return <LoadingState label="Loading the failures…" rows={2} />;
  if (pages.isError) return <ErrorState error={pages.error} onRetry={() => void pages.refetch()} />;
  const items = pages.data.pages.flatMap((p) => p.items ?? []);
  if (!items.length)
    return (
      <div>
        {toggle}
        <EmptyState>{deadOnly ? "None of these was dead-lettered. Clear the filter to see every attempt." : "These failures have been pruned from the journal."}</EmptyState>
      </div>
    );
  return (
    <div>
      {toggle}
      <ul className="failure-list" aria-label={`Failures of ${group.actor}`}>
        {items.map((failure) => (
          <FailureRow key={failure.id} service={service} failure={failure} />
        ))}
      </ul>
      {pages.hasNextPage && (
        <button type="button" className="button" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {pages.isFetchingNextPage ? "Loading…" : "Older failures"}
        </button>
      )}
    </div>
  );
}

function GroupCard({ group }: { group: FailureGroup }) {
  const [open, setOpen] = useState(false);
  const label = `${group.actor} — ${group.exception}`;
  const id = `group-${group.service}-${group.actor}-${group.exception}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return (
    <li className="card" aria-label={label}>
      <div className="row wrap">
        <h3 className="card-title">
          <span className="mono">{group.actor}</span> <span className="muted">raised</span> <span className="mono">{group.exception}</span>
        </h3>
        <span className="small muted">{serviceNamed(group.service ?? "")?.label ?? group.service}</span>
      </div>
      <dl className="meta">
        <div><dt>Failures</dt><dd>{group.failures}</dd></div>
        <div><dt>Messages</dt><dd>{group.messages}</dd></div>
        <div><dt>Dead-lettered</dt><dd>{group.dead_lettered}</dd></div>
        <div><dt>Last seen</dt><dd>{formatTime(group.last_failed_at)}</dd></div>
      </dl>
      <p className="small clamp">Last: {group.last_detail}</p>
      <button type="button" className="button small" aria-expanded={open} aria-controls={id} onClick={() => setOpen((v) => !v)}>
        {open ? "Hide failures" : "Show failures"}
      </button>
      <div id={id}>{open && <FailureList group={group} />}</div>
    </li>
  );
}

export default function FailuresPage() {
  usePageTitle("Failures");
  const [hours, setHours] = useState(24);
  const [only, setOnly] = useState("");
  const chosen = only ? SERVICES.filter((s) => s.name === only) : SERVICES;
  const results = useQueries({
    queries: chosen.map((service) => ({
      queryKey: ["ops", service.name, "failure-groups", hours],
      queryFn: () => opsGet<FailureGroup[]>(service, "/failures/groups", { hours }),
      refetchInterval: REFRESH_MS,
    })),
  });
  const groups = results
    .flatMap((r, i) => (r.data ?? []).map((g) => ({ ...g, service: g.service ?? chosen[i]!.name })))
    .sort((a, b) => String(b.last_failed_at).localeCompare(String(a.last_failed_at)));
  const failed = results.map((r, i) => ({ r, service: chosen[i]! })).filter(({ r }) => r.isError);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Failures</h1>
      <div className="filters">
        <div className="field inline">
          <label htmlFor="failures-service">Service</label>
          <select id="failures-service" value={only} onChange={(e) => setOnly(e.target.value)}>
            <option value="">All services</option>
            {SERVICES.map((s) => (
              <option key={s.name} value={s.name}>{s.label}</option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="failures-hours">Since</label>
          <select id="failures-hours" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {HOURS.map((h) => (
              <option key={h} value={h}>{h < 24 ? `the last hour` : h === 24 ? "the last day" : `the last ${h / 24} days`}</option>
            ))}
          </select>
        </div>
      </div>
      {failed.map(({ r, service }) => (
        <div key={service.name}>
          <p className="small"><strong>{service.label}:</strong></p>
          <ErrorState error={r.error} onRetry={() => void r.refetch()} />
        </div>
      ))}
      {results.every((r) => r.isPending) ? (
        <LoadingState label="Loading failures…" />
      ) : groups.length ? (
        <ul className="cards failure-groups" aria-label="Failure groups">
          {groups.map((group) => (
            <GroupCard key={`${group.service}-${group.actor}-${group.exception}`} group={group} />
          ))}
        </ul>
      ) : (
        !failed.length && <EmptyState>No job failed in this period. Widen the period above to look further back.</EmptyState>
      )}
    </section>
  );
}

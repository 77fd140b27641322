import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { EmptyState, ErrorState, LoadingState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { ActionDialog, useActingRefused } from "./ActionDialog";
import { REFRESH_MS, SERVICES, formatAge, formatTime, opsGet, opsPost, serviceNamed, useAllStatus, type ActionResult, type DeadPage, type Service } from "./api";

type Action = "requeue" | "requeue-oldest" | "discard" | "purge";

function plural(n: number, one: string) {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

function DeadList({ service, queue }: { service: Service; queue: string }) {
  const client = useQueryClient();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [action, setActionNow] = useState<Action | null>(null);
  // The rows an action was opened for: fixed while its dialog is open.
  const [picked, setPicked] = useState<string[]>([]);
  const [result, setResult] = useState("");
  const anchor = useRef<number | null>(null);
  const refused = useActingRefused();
  const paused = selected.size > 0;
  const list = useQuery({
    queryKey: ["ops", service.name, "dead", queue],
    queryFn: () => opsGet<DeadPage>(service, "/dead", { queue, limit: 100 }),
    refetchInterval: paused || action ? false : REFRESH_MS,
  });
  const items = list.data?.items ?? [];
  const ids = items.map((i) => i.message_id ?? "");

  const toggle = (index: number, shift: boolean) => {
    const id = ids[index]!;
    const from0 = anchor.current;
    setSelected((before) => {
      const next = new Set(before);
      const on = !before.has(id);
      if (shift && from0 !== null) {
        const [from, to] = [Math.min(from0, index), Math.max(from0, index)];
        for (let i = from; i <= to; i++) if (on) next.add(ids[i]!); else next.delete(ids[i]!);
      } else if (on) next.add(id);
      else next.delete(id);
      return next;
    });
    anchor.current = index;
  };

  const chosen = [...selected].filter((id) => ids.includes(id));
  const setAction = (next: Action | null) => {
    if (next) setPicked(chosen);
    setActionNow(next);
  };
  const done = (message: string) => {
    setResult(message);
    setSelected(new Set());
    void client.invalidateQueries({ queryKey: ["ops"] });
  };
  const target = `${queue}.XQ`;
  const disabledWhy = refused ? `Acting is not allowed for you here: ${refused}` : undefined;

  if (list.isPending) return <LoadingState label="Loading dead letters…" />;
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  const total = list.data.total ?? items.length;
  return (
    <div className="stack">
      <div className="row wrap">
        <p className="muted small" role="status">
          {plural(total, "dead letter")} in {target}
          {total > items.length ? ` (showing the oldest ${items.length})` : ""}
          {paused ? ` · ${selected.size} selected · refresh paused while rows are selected` : " · refreshes every 5 s"}
        </p>
      </div>
      <div className="actions wrap" role="group" aria-label="Dead letter actions">
        <button type="button" className="button primary" disabled={!chosen.length || !!refused} onClick={() => setAction("requeue")}>
          Requeue{chosen.length ? ` ${chosen.length}` : ""}
        </button>
        <button type="button" className="button" disabled={!items.length || !!refused} onClick={() => setAction("requeue-oldest")}>
          {total > 100 ? "Requeue the oldest 100" : "Requeue all"}
        </button>
        <button type="button" className="button danger" disabled={!chosen.length || !!refused} onClick={() => setAction("discard")}>
          Discard{chosen.length ? ` ${chosen.length}` : ""}
        </button>
        <button type="button" className="button danger-outline" disabled={!total || !!refused} onClick={() => setAction("purge")}>
          Purge {target}
        </button>
      </div>
      {disabledWhy && <p className="notice" role="note">{disabledWhy}</p>}
      {result && (
        <p className="notice" role="status" data-testid="last-result">
          {result}
        </p>
      )}
      {!items.length ? (
        <EmptyState>
          No dead letters in {target}. Messages land here after their last retry fails; see Failures for the attempts.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-label={`Dead letters in ${target}`} className="dead-table">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select all"
                    checked={chosen.length === items.length}
                    onChange={(e) => setSelected(e.target.checked ? new Set(ids) : new Set())}
                  />
                </th>
                <th scope="col">Event</th>
                <th scope="col">Attempts</th>
                <th scope="col">Dead since</th>
                <th scope="col">Arguments (redacted)</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, index) => {
                const id = item.message_id ?? "";
                const on = selected.has(id);
                const name = `${item.event ?? item.actor ?? "message"} ${id}`;
                return (
                  <tr
                    key={id}
                    className={on ? "selected" : undefined}
                    tabIndex={0}
                    aria-label={name}
                    onKeyDown={(e) => {
                      if (e.key === "x" && e.target === e.currentTarget) {
                        e.preventDefault();
                        toggle(index, e.shiftKey);
                      }
                    }}
                  >
                    <td data-label="Select">
                      <input
                        type="checkbox"
                        aria-label={`Select ${name}`}
                        checked={on}
                        onChange={() => undefined}
                        onClick={(e) => toggle(index, e.shiftKey)}
                      />
                    </td>
                    <td data-label="Event">
                      <strong>{item.event ?? "—"}</strong>
                      <br />
                      <span className="small muted mono">{item.actor}</span>
                      <br />
                      <span className="small muted mono">{id}</span>
                    </td>
                    <td data-label="Attempts">{item.attempts}</td>
                    <td data-label="Dead since">
                      {formatTime(item.dead_since)}
                      {item.dead_since ? <span className="small muted"> ({formatAge(Date.now() / 1000 - item.dead_since)} ago)</span> : null}
                    </td>
                    <td data-label="Arguments">
                      <code className="arguments">{item.arguments}</code>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="small muted">Tip: focus a row and press <kbd>x</kbd> to select it; shift-click selects a range.</p>
        </div>
      )}
      <ActionDialog
        open={action === "requeue" || action === "requeue-oldest"}
        title={action === "requeue" ? `Requeue ${plural(picked.length, "dead letter")}` : total > 100 ? `Requeue the oldest 100 dead letters of ${target}` : `Requeue every dead letter of ${target}`}
        verb="Requeue"
        dryRun={() => opsPost<ActionResult>(service, "/dead/requeue", action === "requeue" ? { queue, message_ids: picked, dry_run: true } : { queue, limit: 100, dry_run: true })}
        act={() => opsPost<ActionResult>(service, "/dead/requeue", action === "requeue" ? { queue, message_ids: picked, dry_run: false } : { queue, limit: 100, dry_run: false })}
        describePreview={(p) => `Would requeue ${plural(p.would_requeue ?? 0, "dead letter")} of the ${p.dead_letters ?? 0} in ${target} onto ${queue}.`}
        describeDone={(d) => `Requeued ${plural(d.requeued ?? 0, "dead letter")} onto ${queue}.`}
        onClose={() => setAction(null)}
        onDone={done}
      />
      <ActionDialog
        open={action === "discard"}
        title={`Discard ${plural(picked.length, "dead letter")}`}
        verb="Discard"
        danger
        needsReason
        dryRun={(reason) => opsPost<ActionResult>(service, "/dead/discard", { queue, message_ids: picked, reason, dry_run: true })}
        act={(reason) => opsPost<ActionResult>(service, "/dead/discard", { queue, message_ids: picked, reason, dry_run: false })}
        describePreview={(p) => `Would discard ${plural(p.would_discard ?? 0, "dead letter")} from ${target}, for good.`}
        describeDone={(d) => `Discarded ${plural(d.discarded ?? 0, "dead letter")}.`}
        onClose={() => setAction(null)}
        onDone={done}
      />
      <ActionDialog
        open={action === "purge"}
        title={`Purge ${target}`}
        verb="Purge"
        danger
        needsReason
        typeBack={queue}
        dryRun={(reason) => opsPost<ActionResult>(service, "/dead/purge", { queue, expected: total, reason, dry_run: true })}
        act={(reason, preview) => opsPost<ActionResult>(service, "/dead/purge", { queue, expected: preview.would_purge ?? 0, reason, dry_run: false })}
        describePreview={(p) => `Would purge all ${plural(p.would_purge ?? 0, "dead letter")} in ${target}: the expected count is ${p.would_purge ?? 0}.`}
        describeDone={(d) => `Purged ${plural(d.purged ?? 0, "dead letter")}.`}
        onClose={() => setAction(null)}
        onDone={done}
      />
    </div>
  );
}

export default function DeadLettersPage() {
  usePageTitle("Dead letters");
  const [params, setParams] = useSearchParams();
  const results = useAllStatus();
  const queues = SERVICES.flatMap((service, i) =>
    (results[i]?.data?.queues ?? []).map((q) => ({ service, name: q.name ?? "", dead: q.dead ?? 0 })),
  );
  const pending = results.some((r) => r.isPending);
  const firstDead = queues.find((q) => q.dead > 0);
  const serviceName = params.get("service") ?? firstDead?.service.name ?? queues[0]?.service.name;
  const queueName = params.get("queue") ?? firstDead?.name ?? queues[0]?.name;
  const service = serviceName ? serviceNamed(serviceName) : undefined;
  const value = service && queueName ? `${service.name}/${queueName}` : "";
  // Pin the queue shown first, so it does not jump away once its dead letters are gone.
  useEffect(() => {
    if (!params.get("queue") && service && queueName) setParams({ service: service.name, queue: queueName }, { replace: true });
  }, [params, service, queueName, setParams]);
  const unreachable = SERVICES.filter((_, i) => results[i]?.isError);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Dead letters</h1>
      {pending && !queues.length ? (
        <LoadingState label="Finding the queues…" rows={2} />
      ) : !queues.length ? (
        results.find((r) => r.isError) ? (
          <ErrorState error={results.find((r) => r.isError)?.error} onRetry={() => results.forEach((r) => void r.refetch())} />
        ) : (
          <EmptyState>No service reported its queues: RabbitMQ may not be answering. See the Overview.</EmptyState>
        )
      ) : (
        <>
          <div className="field inline">
            <label htmlFor="dead-queue">Queue</label>
            <select
              id="dead-queue"
              value={value}
              onChange={(e) => {
                const [s, q] = e.target.value.split("/");
                setParams({ service: s ?? "", queue: q ?? "" });
              }}
            >
              {queues.map((q) => (
                <option key={`${q.service.name}/${q.name}`} value={`${q.service.name}/${q.name}`}>
                  {q.name}.XQ ({q.service.label}) — {plural(q.dead, "dead letter")}
                </option>
              ))}
            </select>
          </div>
          {unreachable.length > 0 && (
            <p className="small notice">Not answering, so their queues are missing here: {unreachable.map((s) => s.label).join(", ")}.</p>
          )}
          {service && queueName && <DeadList key={value} service={service} queue={queueName} />}
        </>
      )}
    </section>
  );
}

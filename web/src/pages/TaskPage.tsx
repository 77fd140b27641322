import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, Navigate, useParams } from "react-router";

import { data, workflow as api } from "../api/clients";
import { errorDetail } from "../api/problem";
import type { TaskDetail } from "../api/types";
import { isCoordinator } from "../auth/roles";
import { useUser } from "../auth/SessionProvider";
import { ErrorState, LoadingState } from "../components/QueryState";
import { StatusBadge, TaskSlaBadge } from "../components/badges";
import { formatWhen } from "../lib/sla";
import { useNow } from "../lib/useNow";
import { usePageTitle } from "../lib/usePageTitle";

type Pending = { kind: "act"; key: string; name: string } | { kind: "escalate" } | { kind: "transfer" };

/** `/tasks/<id>` (older links and emails): the task lives on its ticket's page. */
export default function TaskPage() {
  const taskId = Number(useParams().taskId);
  usePageTitle(`Task ${taskId}`);
  const detail = useTaskDetail(taskId);
  if (detail.isPending) return <LoadingState label="Loading the task…" rows={6} />;
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const number = detail.data.task?.ticket_number;
  if (!number) return <ErrorState error={new Error("This task's ticket has no number yet.")} />;
  return <Navigate to={`/tickets/${number}`} replace state={{ awaitAccess: true }} />;
}

function useTaskDetail(taskId: number) {
  return useQuery({
    queryKey: ["tasks", "detail", taskId],
    queryFn: async () => data(await api.GET("/api/workflow/tasks/{task_id}", { params: { path: { task_id: taskId } } })),
  });
}

/** On a ticket's page, for staff: its task's step, with the actions allowed now (the
 *  assignee's own task, or any task for a coordinator, who may transfer it). */
export function TicketTaskPanel({ ticketId, anyone }: { ticketId: number; anyone: boolean }) {
  const found = useQuery({
    queryKey: ["tasks", "of-ticket", ticketId, anyone],
    queryFn: async () =>
      data(
        await api.GET("/api/workflow/tasks", {
          params: { query: { assignee: anyone ? "any" : "me", ticket: ticketId, limit: 1 } },
        }),
      ).items ?? [],
  });
  const taskId = found.data?.[0]?.id;
  if (!taskId) return null;
  return <TaskStep taskId={taskId} />;
}

function TaskStep({ taskId }: { taskId: number }) {
  const detail = useTaskDetail(taskId);
  if (detail.isPending) return <LoadingState label="Loading the task…" rows={2} />;
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  return <StepPanel detail={detail.data} taskId={taskId} />;
}

/** The step's other role holders, least loaded first, for a coordinator to pick. */
function TransferTarget({ taskId, value, onChange }: { taskId: number; value: string; onChange: (v: string) => void }) {
  const candidates = useQuery({
    queryKey: ["tasks", "candidates", taskId],
    queryFn: async () =>
      data(await api.GET("/api/workflow/tasks/{task_id}/candidates", { params: { path: { task_id: taskId } } })).items ?? [],
  });
  if (candidates.isPending) return <p className="muted">Loading who can take it…</p>;
  if (candidates.isError) return <ErrorState error={candidates.error} onRetry={() => void candidates.refetch()} />;
  if (!candidates.data.length) return <p role="alert">Nobody else holds this step's role.</p>;
  const sorted = [...candidates.data].sort((a, b) => (a.open_tasks ?? 0) - (b.open_tasks ?? 0));
  return (
    <div className="field">
      <label htmlFor="transfer-to">New assignee</label>
      <select id="transfer-to" required value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Choose…</option>
        {sorted.map((c) => (
          <option key={c.user_id} value={c.user_id}>
            {c.name} ({c.open_tasks} open)
          </option>
        ))}
      </select>
    </div>
  );
}

function StepPanel({ detail, taskId }: { detail: TaskDetail; taskId: number }) {
  const user = useUser();
  const now = useNow();
  const queryClient = useQueryClient();
  const task = detail.task ?? {};
  const step = (detail.step ?? {}) as { name?: string; instructions?: string; escalation_role?: string | null };
  const sla = (detail.sla ?? {}) as { paused_at?: string | null; target_hours?: number | null };
  const [pending, setPending] = useState<Pending | null>(null);
  const [notes, setNotes] = useState("");
  const [transferTo, setTransferTo] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: async (what: Pending) => {
      const params = { path: { task_id: taskId } };
      const revision = task.revision ?? null;
      if (what.kind === "act") await api.POST("/api/workflow/tasks/{task_id}/act", { params, body: { transition: what.key, notes, revision } });
      else if (what.kind === "escalate") await api.POST("/api/workflow/tasks/{task_id}/escalate", { params, body: { reason: notes, revision } });
      else await api.POST("/api/workflow/tasks/{task_id}/transfer", { params, body: { user_id: Number(transferTo), notes, revision } });
    },
    onSuccess: (_result, what) => {
      setDone(what.kind === "act" ? `Done: ${what.name}.` : what.kind === "escalate" ? "Escalated." : "Transferred.");
      setPending(null);
      setNotes("");
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      void queryClient.invalidateQueries({ queryKey: ["tickets"] });
    },
  });
  const mine = task.assignee_id === user.id;
  const actions = mine ? (detail.actions ?? []) : [];

  function submit(event: FormEvent) {
    event.preventDefault();
    if (pending) run.mutate(pending);
  }

  const title = pending?.kind === "act" ? pending.name : pending?.kind === "escalate" ? "Escalate" : "Transfer";
  return (
    <section className="panel step-panel" aria-labelledby="step-title">
      <h2 id="step-title">Step: {step.name ?? task.step}</h2>
      <p className="meta">
        <StatusBadge status={task.status} />
        <TaskSlaBadge task={task} paused={!!sla.paused_at} now={now} />
      </p>
      <p className="muted small">
        {task.sla_outcome ? `Finished ${formatWhen(task.completed_at)} · ticket was due ${formatWhen(task.due_at)}` : `Step due ${formatWhen(task.step_due_at)} · ticket due ${formatWhen(task.due_at)}`}
        {sla.target_hours ? ` (${sla.target_hours} h target for ${task.priority} priority, business hours)` : ""}
      </p>
      {step.instructions && <p className="prewrap">{step.instructions}</p>}
      {done && (
        <p className="notice" role="status">
          {done} <Link to="/tasks">Next task</Link>
        </p>
      )}
      <div className="actions wrap">
        {actions.map((action) => (
          <button key={action.key} type="button" className={action.primary ? "button primary" : "button"} aria-expanded={pending?.kind === "act" && pending.key === action.key} onClick={() => setPending({ kind: "act", key: action.key!, name: action.name! })}>
            {action.name}
          </button>
        ))}
        {mine && task.status === "assigned" && step.escalation_role && (
          <button type="button" className="button" onClick={() => setPending({ kind: "escalate" })}>
            Escalate
          </button>
        )}
        {isCoordinator(user) && task.status !== "completed" && (
          <button type="button" className="button" onClick={() => setPending({ kind: "transfer" })}>
            Transfer
          </button>
        )}
      </div>
      {pending && (
        <form className="stack inset" onSubmit={submit} aria-label={title}>
          {pending.kind === "transfer" && <TransferTarget taskId={taskId} value={transferTo} onChange={setTransferTo} />}
          <div className="field">
            <label htmlFor="step-notes">{pending.kind === "escalate" ? "Reason" : "Notes"}</label>
            <textarea id="step-notes" rows={3} required={pending.kind !== "act"} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </div>
          <div className="actions">
            <button type="submit" className="button primary" disabled={run.isPending}>
              Confirm {title.toLowerCase()}
            </button>
            <button type="button" className="button ghost" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {run.isError && (
        <p className="form-error" role="alert">
          {errorDetail(run.error)}
        </p>
      )}
    </section>
  );
}

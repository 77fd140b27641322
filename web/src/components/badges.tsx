import type { Task } from "../api/types";
import { formatDue, formatSpan, slaState, type SlaState } from "../lib/sla";

const STATUS_WORDS: Record<string, string> = {
  new: "New",
  open: "Open",
  in_progress: "In progress",
  on_hold: "On hold",
  resolved: "Resolved",
  closed: "Closed",
  rejected: "Rejected",
  withdrawn: "Withdrawn",
  assigned: "Assigned",
  unassigned: "Unassigned",
  completed: "Completed",
  cancelled: "Cancelled",
};

export function statusWords(status: string | undefined | null): string {
  return status ? (STATUS_WORDS[status] ?? status) : "Unknown";
}

export function StatusBadge({ status }: { status: string | undefined | null }) {
  return <span className={`badge status-${status ?? "unknown"}`}>{statusWords(status)}</span>;
}

/** A ticket's status as its people expect it (Zammad, Freshdesk): an in_progress ticket
 *  nobody has worked on yet is "Assigned", and "In progress" once someone has. */
export function ticketStatus(ticket: { status?: string | null; work_started_at?: string | null }): string | undefined | null {
  return ticket.status === "in_progress" && !ticket.work_started_at ? "assigned" : ticket.status;
}

export function TicketStatusBadge({ ticket }: { ticket: { status?: string | null; work_started_at?: string | null } }) {
  return <StatusBadge status={ticketStatus(ticket)} />;
}

export function PriorityBadge({ priority }: { priority: string | undefined | null }) {
  if (!priority) return <span className="badge priority-none">No priority</span>;
  return <span className={`badge priority-${priority}`}>{priority[0]!.toUpperCase() + priority.slice(1)}</span>;
}

const SLA_ICON: Record<SlaState, string> = { on_track: "●", at_risk: "▲", breached: "■", paused: "❚❚", none: "○" };
const SLA_WORDS: Record<SlaState, string> = {
  on_track: "On track",
  at_risk: "At risk",
  breached: "Breached",
  paused: "On hold",
  none: "No SLA",
};

/** "At risk · due 14:30": words and an icon, never colour alone. */
export function SlaBadge(props: {
  dueAt: string | null | undefined;
  atRisk?: boolean;
  breached?: boolean;
  paused?: boolean;
  now: Date;
}) {
  const state = slaState(props);
  return (
    <span className={`badge sla-${state}`}>
      <span aria-hidden="true">{SLA_ICON[state]} </span>
      {SLA_WORDS[state]}
      {props.dueAt && state !== "paused" ? ` · due ${formatDue(props.dueAt, props.now)}` : ""}
    </span>
  );
}

export interface SlaOutcome {
  met?: boolean;
  margin_minutes?: number;
}

/** A finished task's SLA: "SLA met · 2 h 10 m to spare" or "SLA missed by 35 m". */
export function slaOutcomeWords(outcome: SlaOutcome): string {
  const span = formatSpan(outcome.margin_minutes ?? 0);
  return outcome.met ? `SLA met · ${span} to spare` : `SLA missed by ${span}`;
}

export function SlaOutcomeBadge({ outcome }: { outcome: SlaOutcome }) {
  const state = outcome.met ? "met" : "missed";
  return (
    <span className={`badge sla-${state}`}>
      <span aria-hidden="true">{outcome.met ? "✓" : "✗"} </span>
      {slaOutcomeWords(outcome)}
    </span>
  );
}

/** The task's SLA as lists and the task page show it: the outcome once it is finished,
 *  else the running clock's badge. */
export function TaskSlaBadge({ task, now, paused }: { task: Task; now: Date; paused?: boolean }) {
  const outcome = task.sla_outcome as SlaOutcome | null | undefined;
  if (outcome && typeof outcome.met === "boolean") return <SlaOutcomeBadge outcome={outcome} />;
  return (
    <SlaBadge
      dueAt={task.step_due_at}
      atRisk={task.at_risk}
      breached={task.step_breached || task.breached}
      paused={paused ?? task.status === "on_hold"}
      now={now}
    />
  );
}

import { formatDue, slaState, type SlaState } from "../lib/sla";

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

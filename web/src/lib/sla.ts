export type SlaState = "on_track" | "at_risk" | "breached" | "paused" | "none";

/** The server says when a step is at risk or breached (its business-hours calendar);
 *  a due time that has passed since the last fetch counts as breached at once. */
export function slaState(task: {
  dueAt: string | null | undefined;
  atRisk?: boolean;
  breached?: boolean;
  paused?: boolean;
  now: Date;
}): SlaState {
  if (task.paused) return "paused";
  if (!task.dueAt) return "none";
  if (task.breached || new Date(task.dueAt).getTime() <= task.now.getTime()) return "breached";
  if (task.atRisk) return "at_risk";
  return "on_track";
}

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayTime = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** Today's due times as "14:30", others with their day. */
export function formatDue(iso: string, now: Date): string {
  const due = new Date(iso);
  return due.toDateString() === now.toDateString() ? time.format(due) : dayTime.format(due);
}

export function formatWhen(iso: string | null | undefined): string {
  return iso ? dayTime.format(new Date(iso)) : "—";
}

/** A span of minutes in words: "35 m", "2 h 10 m", "3 d 4 h" (days of the clock). */
export function formatSpan(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const rest = total % 60;
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return rest ? `${hours} h ${rest} m` : `${hours} h`;
  return `${rest} m`;
}

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { data, workflow as api } from "../api/clients";
import type { Task } from "../api/types";
import { QueryState } from "../components/QueryState";
import { PriorityBadge, StatusBadge, TaskSlaBadge } from "../components/badges";
import { formatDue } from "../lib/sla";
import { useNow } from "../lib/useNow";
import { usePageTitle } from "../lib/usePageTitle";

type View = "open" | "on_hold" | "completed";
const VIEWS: Record<View, { label: string; status: ("assigned" | "on_hold" | "completed")[] }> = {
  open: { label: "Open", status: ["assigned", "on_hold"] },
  on_hold: { label: "On hold", status: ["on_hold"] },
  completed: { label: "Completed", status: ["completed"] },
};

/** What breaks next comes first: open work sorted by the step's due time. */
function byDue(a: Task, b: Task): number {
  const due = (t: Task) => (t.step_due_at ? new Date(t.step_due_at).getTime() : Number.POSITIVE_INFINITY);
  return due(a) - due(b);
}

export default function MyTasksPage() {
  usePageTitle("My tasks");
  const [view, setView] = useState<View>("open");
  const now = useNow();
  const tasks = useQuery({
    queryKey: ["tasks", "mine", view],
    queryFn: async () =>
      data(await api.GET("/api/workflow/tasks", { params: { query: { assignee: "me", status: VIEWS[view].status, limit: 100 } } })).items ?? [],
    placeholderData: (previous) => previous,
  });
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">My tasks</h1>
      <div className="chips" role="radiogroup" aria-label="View">
        {(Object.keys(VIEWS) as View[]).map((name) => (
          <button key={name} type="button" role="radio" aria-checked={view === name} className={view === name ? "chip active" : "chip"} onClick={() => setView(name)}>
            {VIEWS[name].label}
          </button>
        ))}
      </div>
      <QueryState
        query={tasks}
        loadingLabel="Loading your tasks…"
        isEmpty={(items) => items.length === 0}
        empty={<p>Nothing assigned. New tasks appear here the moment they are assigned to you.</p>}
      >
        {(items) => {
          const sorted = view === "completed" ? items : [...items].sort(byDue);
          return (
            <div className="table-wrap">
              <table className="task-table" aria-label="My tasks">
                <thead>
                  <tr>
                    <th scope="col">SLA</th>
                    <th scope="col">Ticket</th>
                    <th scope="col">Step</th>
                    <th scope="col">Priority</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((task) => (
                    <tr key={task.id}>
                      <td data-label="SLA">
                        <TaskSlaBadge task={task} now={now} />
                        {task.status === "on_hold" && task.step_due_at && <span className="muted small"> (was due {formatDue(task.step_due_at, now)})</span>}
                      </td>
                      <td data-label="Ticket">
                        <Link to={task.ticket_number ? `/tickets/${task.ticket_number}` : `/tasks/${task.id}`}>
                          #{task.ticket_number} {task.ticket_subject}
                        </Link>
                      </td>
                      <td data-label="Step">{task.step ? task.step.replace(/_/g, " ") : "—"}</td>
                      <td data-label="Priority">
                        <PriorityBadge priority={task.priority} />
                      </td>
                      <td data-label="State">
                        <StatusBadge status={task.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </QueryState>
    </section>
  );
}

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { fakeServer, json } from "../test/fakeServer";
import { installFakeSocket } from "../test/fakeSocket";
import { renderApp } from "../test/render";
import MyTasksPage from "./MyTasksPage";
import TaskPage, { TicketTaskPanel } from "./TaskPage";

const AGENT = { id: 9, email: "agent@example.com", name: "Ava Agent", roles: { tts: ["Agent"] } };
const TASK = {
  id: 3,
  ticket_number: 41,
  ticket_subject: "VPN drops",
  priority: "high",
  status: "assigned",
  step: "resolve",
  revision: 2,
  assignee_id: 9,
  due_at: "2099-01-01T12:00:00Z",
  step_due_at: "2099-01-01T10:00:00Z",
  at_risk: false,
  breached: false,
  step_breached: false,
  sla_outcome: null,
};
// Finished at 12:00, due at 14:10: met with 2 h 10 m to spare.
const FINISHED = {
  ...TASK,
  status: "completed",
  step: "done",
  completed_at: "2026-11-25T12:00:00Z",
  due_at: "2026-11-25T14:10:00Z",
  step_due_at: null,
  sla_outcome: { met: true, margin_minutes: 130 },
};

/** The step panel as its ticket's page shows it to the assignee. */
function taskPage(detail: object) {
  fakeServer({
    "GET /api/auth/me": () => json(AGENT),
    "GET /api/workflow/tasks": () => json({ items: [TASK], next_cursor: null }),
    "GET /api/workflow/tasks/3": () => json(detail),
  });
  renderApp(<TicketTaskPanel ticketId={5} anyone={false} />, "/tickets/41");
}

beforeEach(() => {
  installFakeSocket();
  window.localStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

describe("Task page", () => {
  it("is its ticket's page: /tasks/3 leads to /tickets/41", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(AGENT),
      "GET /api/workflow/tasks/3": () => json({ task: TASK, actions: [], sla: {} }),
    });
    renderApp(
      <Routes>
        <Route path="/tasks/:taskId" element={<TaskPage />} />
        <Route path="/tickets/:number" element={<p>ticket page</p>} />
      </Routes>,
      "/tasks/3",
    );
    expect(await screen.findByText("ticket page")).toBeInTheDocument();
  });

  it("offers only the usual next step as the primary button", async () => {
    taskPage({
      task: TASK,
      step: { key: "resolve", name: "Resolve" },
      actions: [
        { key: "resolve", name: "Resolve", to: "done", primary: true },
        { key: "return_to_triage", name: "Return to triage", to: "triage", primary: false },
      ],
      sla: {},
    });
    const resolve = await screen.findByRole("button", { name: "Resolve" });
    const back = screen.getByRole("button", { name: "Return to triage" });
    expect(resolve).toHaveClass("primary");
    expect(back).not.toHaveClass("primary");
    await userEvent.click(back);
    expect(screen.getByRole("form", { name: "Return to triage" })).toBeInTheDocument();
  });

  it("shows a finished task's SLA outcome, not No SLA", async () => {
    taskPage({ task: FINISHED, step: { key: "done", name: "Resolved" }, actions: [], sla: {} });
    const panel = await screen.findByRole("region", { name: "Step: Resolved" });
    expect(within(panel).getByText("SLA met · 2 h 10 m to spare")).toBeInTheDocument();
    expect(within(panel).queryByText(/No SLA/)).not.toBeInTheDocument();
    expect(panel).toHaveTextContent(/Finished .* · ticket was due/);
  });
});

describe("My tasks", () => {
  it("shows each completed task's SLA met or missed, by how much", async () => {
    const late = { ...FINISHED, id: 4, ticket_number: 42, sla_outcome: { met: false, margin_minutes: 35 } };
    fakeServer({
      "GET /api/auth/me": () => json(AGENT),
      "GET /api/workflow/tasks": (request) =>
        json({ items: new URL(request.url).searchParams.get("status") === "completed" ? [FINISHED, late] : [TASK], next_cursor: null }),
    });
    renderApp(<MyTasksPage />, "/tasks");
    const table = await screen.findByRole("table", { name: "My tasks" });
    expect(await within(table).findByText(/On track/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("radio", { name: "Completed" }));
    expect(await within(table).findByText("SLA met · 2 h 10 m to spare")).toBeInTheDocument();
    expect(within(table).getByText("SLA missed by 35 m")).toBeInTheDocument();
    expect(within(table).queryByText(/No SLA/)).not.toBeInTheDocument();
  });
});

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { SessionProvider } from "../../auth/SessionProvider";
import { RequireSession } from "../../shell/guards";
import { fakeServer, json } from "../../test/fakeServer";
import { installFakeSocket } from "../../test/fakeSocket";
import { renderApp } from "../../test/render";
import ReportsPage from "../reports/ReportsPage";
import { WorkflowGraph } from "./Graph";
import { layout } from "./layout";
import { focusTarget, normalise } from "./model";
import WorkflowPage from "./WorkflowPage";

const ADMIN = { id: 1, email: "admin@example.com", name: "Adam Admin", roles: { tts: ["Admin"] } };
const AGENT = { system: "tts", name: "Agent" };
const DRAFT = {
  steps: [
    { key: "work", role: AGENT, start: true, weight: 1 },
    { key: "check", role: AGENT, weight: 3 },
    { key: "done", end: true },
  ],
  transitions: [
    { key: "submit", from: "work", to: "check" },
    { key: "approve", from: "check", to: "done" },
    { key: "send_back", from: "check", to: "work" },
  ],
  sla_hours: { critical: 4, high: 8, medium: 24, low: 40 },
};
const WORKFLOW = { id: 3, name: "IT support", category: "IT", current_version: 1, draft: DRAFT, is_default: false, updated_at: "2026-11-25T10:00:00Z" };

function workflowRoutes(extra: Record<string, (r: Request) => Response | Promise<Response>> = {}) {
  return fakeServer({
    "GET /api/auth/me": () => json(ADMIN),
    "GET /api/workflow/workflows/3": () => new Response(JSON.stringify(WORKFLOW), { headers: { "Content-Type": "application/json", ETag: '"v1"' } }),
    "GET /api/workflow/workflows/3/versions": () => json({ items: [{ id: 9, number: 1, definition: DRAFT, published_at: "2026-11-20T10:00:00Z" }] }),
    ...extra,
  });
}

/** The page in a data router (as the app has it: useBlocker needs one), with the list
 * it links back to. */
function renderEditor() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: "/admin/workflows", element: <h1>All workflows</h1> },
      {
        path: "/admin/workflows/:workflowId",
        element: (
          <RequireSession>
            <WorkflowPage />
          </RequireSession>
        ),
      },
    ],
    { initialEntries: ["/admin/workflows/3"] },
  );
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>,
  );
}

function unloadPrevented(): boolean {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

beforeEach(() => installFakeSocket());
afterEach(() => vi.unstubAllGlobals());

describe("Workflow graph", () => {
  it("lays out steps in layers from the start, sending loops back", () => {
    const result = layout(["work", "check", "done"], DRAFT.transitions, ["work"]);
    expect([...result.nodes.values()].map((n) => [n.key, n.layer])).toEqual([
      ["work", 0],
      ["check", 1],
      ["done", 2],
    ]);
    expect(result.edges.find((e) => e.from === "check" && e.to === "work")?.back).toBe(true);
  });

  it("lists every step and transition, keyboard focusable, and selects them", async () => {
    const onSelect = vi.fn();
    renderApp(<WorkflowGraph definition={normalise(DRAFT)} problems={{ "steps.0.role": ["unknown role tts:Wizard"] }} onSelect={onSelect} />, "/", true);
    const steps = screen.getByRole("list", { name: "Steps" });
    expect(within(steps).getAllByRole("button").map((b) => b.textContent)).toEqual(["work", "check", "done"]);
    expect(within(steps).getAllByRole("listitem")[0]).toHaveTextContent("has problems");
    const transitions = screen.getByRole("list", { name: "Transitions" });
    expect(within(transitions).getAllByRole("listitem")).toHaveLength(3);
    expect(within(transitions).getAllByRole("listitem")[2]).toHaveTextContent("check → work");
    // The SVG's nodes and edges are focusable too, each named in words.
    const node = screen.getByRole("button", { name: "Step work (start) (has problems)" });
    expect(node).toHaveAttribute("tabindex", "0");
    node.focus();
    await userEvent.keyboard("{Enter}");
    expect(onSelect).toHaveBeenCalledWith("steps.0");
    await userEvent.click(screen.getByRole("button", { name: "Transition approve: from check to done" }));
    expect(onSelect).toHaveBeenCalledWith("transitions.1");
  });
});

describe("Draft editor", () => {
  it("maps field paths to inputs", () => {
    const ids = new Set(["wf-steps-0-role", "wf-steps-0", "wf-transitions"]);
    expect(focusTarget("steps.0.role", (id) => ids.has(id))).toBe("wf-steps-0-role");
    expect(focusTarget("steps.0.escalation_role.name", (id) => ids.has(id))).toBe("wf-steps-0");
    expect(focusTarget("transitions", (id) => ids.has(id))).toBe("wf-transitions");
    expect(focusTarget("", (id) => ids.has(id))).toBe("wf-definition");
  });

  it("shows the 422 field map beside the fields and in Problems; a problem focuses its field; Publish waits", async () => {
    let validations = 0;
    const server = workflowRoutes({
      "PATCH /api/workflow/workflows/3": async (request) =>
        new Response(JSON.stringify({ ...WORKFLOW, draft: (await request.json()).definition }), {
          headers: { "Content-Type": "application/json", ETag: '"v2"' },
        }),
      "POST /api/workflow/workflows/3/validate": () => {
        validations += 1;
        return validations === 1
          ? json(
              {
                title: "Unprocessable Entity",
                status: 422,
                detail: "The workflow definition is invalid.",
                errors: {
                  "steps.0.role": ["an object with 'system' and 'name'"],
                  transitions: ["fix the transitions above"],
                  "transitions.0.to": ["unknown step 'nowhere'"],
                },
              },
              422,
            )
          : json({ valid: true });
      },
    });
    renderEditor();
    const role = await screen.findByLabelText(/^Role/, { selector: "#wf-steps-0-role" });
    await userEvent.clear(role);
    await userEvent.click(screen.getByRole("button", { name: "Validate" }));

    const panel = await screen.findByRole("region", { name: /Problems \(3\)/ });
    // What is on screen was checked, and nothing was saved: the edit is still unsaved.
    const checked = server.requests.find((r) => r.method === "POST" && r.url.endsWith("/validate"))!;
    expect((await checked.json()).definition.steps[0]).toEqual({ key: "work", role: null, start: true, weight: 1 });
    expect(server.requests.filter((r) => r.method === "PATCH")).toHaveLength(0);
    expect(screen.getByText(/unsaved changes/)).toBeInTheDocument();
    // Beside the field, and described by it.
    expect(role).toHaveAttribute("aria-invalid", "true");
    expect(role).toHaveAccessibleDescription("an object with 'system' and 'name'");
    expect(screen.getByLabelText("To step", { selector: "#wf-transitions-0-to" })).toHaveAccessibleDescription("unknown step 'nowhere'");
    expect(screen.getByRole("button", { name: "Publish" })).toBeDisabled();

    await userEvent.click(within(panel).getByRole("button", { name: "Step 1 (work) · role" }));
    expect(role).toHaveFocus();
    await userEvent.click(within(panel).getByRole("button", { name: "Transition 1 (submit) · to" }));
    expect(screen.getByLabelText("To step", { selector: "#wf-transitions-0-to" })).toHaveFocus();
    await userEvent.click(within(panel).getByRole("button", { name: "Transitions" }));
    expect(document.getElementById("wf-transitions")).toHaveFocus();

    await userEvent.type(role, "tts:Agent");
    await userEvent.click(screen.getByRole("button", { name: "Validate" }));
    expect(await screen.findByText("No problems: the draft can be published. Your changes are not saved yet.")).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: /Problems/ })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Publish" })).toBeEnabled();
    expect(server.requests.filter((r) => r.method === "PATCH")).toHaveLength(0);
    expect(screen.getByText(/unsaved changes/)).toBeInTheDocument();
  });

  it("Publish with unsaved edits checks them first and saves nothing broken", async () => {
    const server = workflowRoutes({
      "POST /api/workflow/workflows/3/validate": () =>
        json({ title: "Unprocessable Entity", status: 422, detail: "invalid", errors: { "steps.0.role": ["an object with 'system' and 'name'"] } }, 422),
    });
    renderEditor();
    await userEvent.clear(await screen.findByLabelText(/^Role/, { selector: "#wf-steps-0-role" }));
    await userEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByRole("region", { name: /Problems \(1\)/ })).toBeInTheDocument();
    expect(server.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).not.toContain("PATCH /api/workflow/workflows/3");
    expect(server.requests.map((r) => new URL(r.url).pathname)).not.toContain("/api/workflow/workflows/3/publish");
  });

  it("Discard changes goes back to the saved draft; Revert to published replaces it, after asking", async () => {
    const saved = { ...DRAFT, steps: [{ ...DRAFT.steps[0], name: "Saved name" }, ...DRAFT.steps.slice(1)] };
    const server = workflowRoutes({
      "GET /api/workflow/workflows/3": () =>
        new Response(JSON.stringify({ ...WORKFLOW, draft: saved, draft_changed: true }), {
          headers: { "Content-Type": "application/json", ETag: '"v1"' },
        }),
      "POST /api/workflow/workflows/3/revert": () =>
        new Response(JSON.stringify({ ...WORKFLOW, draft: DRAFT, draft_changed: false }), {
          headers: { "Content-Type": "application/json", ETag: '"v2"' },
        }),
    });
    renderEditor();
    const name = await screen.findByLabelText("Name", { selector: "#wf-steps-0-name" });
    expect(name).toHaveValue("Saved name");
    expect(screen.queryByRole("button", { name: "Discard changes" })).not.toBeInTheDocument();
    await userEvent.type(name, " and more");

    // Discard: asks, then the saved draft is back (not the published version).
    await userEvent.click(screen.getByRole("button", { name: "Discard changes" }));
    let dialog = screen.getByRole("alertdialog", { name: "Discard your changes?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep editing" }));
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("Saved name and more");
    await userEvent.click(screen.getByRole("button", { name: "Discard changes" }));
    dialog = screen.getByRole("alertdialog", { name: "Discard your changes?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Discard changes" }));
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("Saved name");
    expect(screen.queryByRole("button", { name: "Discard changes" })).not.toBeInTheDocument();
    expect(screen.getByText(/not yet published/)).toBeInTheDocument();

    // Revert: asks, then the draft is the published definition, saved by the server.
    await userEvent.click(screen.getByRole("button", { name: "Revert to published" }));
    dialog = screen.getByRole("alertdialog", { name: "Revert the draft to version 1?" });
    expect(server.requests.some((r) => r.url.endsWith("/revert"))).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Revert to published" }));
    expect(await screen.findByText("The draft is version 1 again.")).toBeInTheDocument();
    const revert = server.requests.find((r) => r.url.endsWith("/revert"))!;
    expect(revert.method).toBe("POST");
    expect(revert.headers.get("If-Match")).toBe('"v1"');
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("");
    expect(screen.getByText(/same as published/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Revert to published" })).not.toBeInTheDocument();
  });

  it("leaves without asking when nothing is unsaved", async () => {
    workflowRoutes();
    renderEditor();
    await screen.findByLabelText("Name", { selector: "#wf-steps-0-name" });
    expect(unloadPrevented()).toBe(false);
    await userEvent.click(screen.getByRole("link", { name: "← Workflows" }));
    expect(await screen.findByRole("heading", { name: "All workflows" })).toBeInTheDocument();
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });

  it("asks before leaving with unsaved edits, and stays when asked to", async () => {
    workflowRoutes();
    renderEditor();
    const name = await screen.findByLabelText("Name", { selector: "#wf-steps-0-name" });
    await userEvent.type(name, "Unsaved");
    expect(unloadPrevented()).toBe(true);

    await userEvent.click(screen.getByRole("link", { name: "← Workflows" }));
    let dialog = await screen.findByRole("alertdialog", { name: "Leave without saving?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Stay" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("Unsaved");

    await userEvent.click(screen.getByRole("link", { name: "← Workflows" }));
    dialog = await screen.findByRole("alertdialog", { name: "Leave without saving?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Leave without saving" }));
    expect(await screen.findByRole("heading", { name: "All workflows" })).toBeInTheDocument();
    expect(unloadPrevented()).toBe(false);
  });

  it("on 412 says someone else changed it, keeps the draft, and offers a reload", async () => {
    workflowRoutes({
      "PATCH /api/workflow/workflows/3": () =>
        json({ title: "Precondition Failed", status: 412, detail: "Someone else changed this workflow since you opened it." }, 412),
      "GET /api/workflow/workflows/3/audit": () =>
        json({ items: [{ id: 1, action: "update", actor: { id: 2, name: "Dana Admin" }, at: "2026-11-25T10:00:00Z", changes: {} }] }),
    });
    renderEditor();
    const name = await screen.findByLabelText("Name", { selector: "#wf-steps-0-name" });
    await userEvent.type(name, "Do the work");
    await userEvent.click(screen.getByRole("button", { name: "Save draft" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Changed by someone else.");
    await waitFor(() => expect(alert).toHaveTextContent("saved by Dana Admin"));
    expect(name).toHaveValue("Do the work");
    expect(screen.getByText(/unsaved changes/)).toBeInTheDocument();
    await userEvent.click(within(alert).getByRole("button", { name: "Reload their version" }));
    await waitFor(() => expect(screen.queryByRole("alert")).not.toBeInTheDocument());
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("");
  });

  it("shows a published version read-only with Edit as draft", async () => {
    workflowRoutes();
    renderEditor();
    await userEvent.selectOptions(await screen.findByLabelText("Show"), "v1");
    expect(screen.getByRole("table", { name: "Steps of this version" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Publish" })).not.toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Steps" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Edit as draft" }));
    expect(screen.getByRole("button", { name: "Publish" })).toBeInTheDocument();
    expect(screen.getByText(/unsaved changes/)).toBeInTheDocument();
  });

  it("keeps unsaved edits while a version is shown, and asks before Edit as draft replaces them", async () => {
    workflowRoutes();
    renderEditor();
    await userEvent.type(await screen.findByLabelText("Name", { selector: "#wf-steps-0-name" }), "Mine");
    await userEvent.selectOptions(screen.getByLabelText("Show"), "v1");
    await userEvent.selectOptions(screen.getByLabelText("Show"), "draft");
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("Mine");

    await userEvent.selectOptions(screen.getByLabelText("Show"), "v1");
    await userEvent.click(screen.getByRole("button", { name: "Edit as draft" }));
    const dialog = screen.getByRole("alertdialog", { name: "Replace your unsaved changes?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep my changes" }));
    expect(screen.getByRole("table", { name: "Steps of this version" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Edit as draft" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Edit version 1 as draft" }));
    expect(screen.getByLabelText("Name", { selector: "#wf-steps-0-name" })).toHaveValue("");
  });
});

describe("Reports", () => {
  it("shows KPIs, charts with their tables, and the problem's detail on error", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/workflow/workflows": () => json({ items: [WORKFLOW] }),
      "GET /api/workflow/reports/kpis": () =>
        json({
          range: { from: "2026-10-27T00:00:00Z", to: "2026-11-26T00:00:00Z" },
          as_of: "2026-11-25T12:00:00+00:00",
          created: 10,
          completed: 4,
          sla_compliance: 0.75,
          sla_breached: 1,
          mean_first_response_hours: 1.5,
          mean_time_to_assign_hours: 0.2,
          mean_resolution_hours: 12,
          escalation_rate: 0.1,
          transfer_rate: 0,
          open_by_status: { assigned: 5, on_hold: 1 },
          open_by_priority: { low: 2, critical: 4 },
          backlog_age: { "0-1d": 3, "1-7d": 3, "7-30d": 0, "30-90d": 0, "90d+": 0 },
          load_per_agent: [{ user_id: 5, name: "Alex Agent", open_tasks: 6 }],
        }),
    });
    renderApp(<ReportsPage />, "/admin/reports");
    expect(await screen.findByText("75%")).toBeInTheDocument();
    expect(screen.getByText(/Data as of/)).toBeInTheDocument();
    const load = screen.getByRole("region", { name: "Load per agent" });
    expect(within(load).getByRole("img")).toHaveAccessibleName("Load per agent: Alex Agent: 6");
    await userEvent.click(within(load).getByRole("button", { name: "View as table" }));
    const table = within(load).getByRole("table", { name: "Load per agent (table)" });
    expect(within(table).getByRole("row", { name: "Alex Agent 6" })).toBeInTheDocument();
    const sla = screen.getByRole("region", { name: "SLA compliance" });
    expect(within(sla).getByRole("img")).toHaveAccessibleName("SLA compliance: Met: 3, Missed: 1");
  });

  it("shows the RFC 7807 detail when the report fails", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/workflow/workflows": () => json({ items: [] }),
      "GET /api/workflow/reports/kpis": () => json({ title: "Forbidden", status: 403, detail: "Only coordinators and admins", request_id: "r-1" }, 403),
    });
    renderApp(<ReportsPage />, "/admin/reports");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Only coordinators and admins");
    expect(alert).toHaveTextContent("Request ID: r-1");
  });
});

import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { RequireRole } from "../../shell/guards";
import { fakeServer, json } from "../../test/fakeServer";
import { EMPLOYEE, renderApp } from "../../test/render";
import { resetRefusal } from "./ActionDialog";
import { resetSamples } from "./charts";
import DeadLettersPage from "./DeadLettersPage";
import FailuresPage from "./FailuresPage";
import OpsLayout from "./OpsLayout";
import AuditPage from "./AuditPage";
import MailPage from "./MailPage";
import OutboxPage from "./OutboxPage";
import OverviewPage from "./OverviewPage";

const ADMIN = { id: 1, email: "admin@example.com", name: "Ada Admin", roles: { tts: ["Admin"] } };
const SUPERUSER = { ...ADMIN, roles: { tts: ["Admin"], hdts: ["Admin"] } };
const PREFIXES = { auth: "/api/auth", tickets: "/api/tickets", workflow: "/api/workflow", chat: "/api/chat", notify: "/api/notifications" };
const QUEUES: Record<string, string[]> = { auth: [], tickets: ["tickets"], workflow: ["workflow"], chat: ["chat"], notify: ["notify", "email"] };

function status(service: string, extra: Record<string, unknown> = {}) {
  return {
    service,
    checked_at: "2026-01-01T00:00:00+00:00",
    verdict: "green",
    problems: [],
    queues: QUEUES[service]!.map((name) => ({
      name,
      ready: 2,
      unacked: 1,
      delayed: 0,
      dead: 0,
      consumers: 1,
      publish_rate: 1.5,
      deliver_rate: 1.5,
      ack_rate: 1.5,
      oldest_ready_seconds: 75,
    })),
    outbox: { backlog: 0, oldest_seconds: null },
    journal: { failures_last_hour: 1, dead_letters_open: 0 },
    heartbeats: [
      { process: "worker@box:1", kind: "worker", queues: QUEUES[service], started_at: "", beat_seconds_ago: 1.2, in_flight: 0, oldest_job_seconds: null, state: "alive" },
      { process: "scheduler@box:2", kind: "scheduler", queues: [], started_at: "", beat_seconds_ago: 2, in_flight: 0, oldest_job_seconds: null, state: "alive" },
    ],
    facts: service === "workflow" ? { overdue_timers: 2, oldest_overdue_seconds: 300 } : {},
    ...extra,
  };
}

function statusRoutes(overrides: Record<string, () => Response> = {}) {
  return Object.fromEntries(
    Object.entries(PREFIXES).map(([service, prefix]) => [`GET ${prefix}/ops/status`, overrides[service] ?? (() => json(status(service)))]),
  );
}

const LETTER = (id: string) => ({
  message_id: id,
  queue: "email",
  actor: "notify.send_email",
  event_id: `ev-${id}`,
  event: "auth.email_requested",
  attempts: 2,
  dead_since: 1_700_000_000,
  arguments: '[{"payload": {"to": "[redacted]"}}]',
});

beforeEach(() => {
  resetSamples();
  resetRefusal();
});
afterEach(() => vi.unstubAllGlobals());

describe("Operations overview", () => {
  it("puts every service side by side, in words, and a silent one is unreachable, not a crash", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      ...statusRoutes({
        notify: () => json(status("notify", { verdict: "red", problems: ["1 dead letters in email.XQ"] })),
        chat: () => json({ title: "Bad Gateway", status: 502, detail: "chat is down" }, 502),
      }),
    });
    renderApp(<OverviewPage />, "/ops");
    const services = await screen.findByRole("list", { name: "Services" });
    const notify = await within(services).findByRole("listitem", { name: "Notifications" });
    await within(notify).findByText("Needs attention");
    expect(notify).toHaveTextContent("1 dead letters in email.XQ");
    const chat = within(services).getByRole("listitem", { name: "Chat" });
    expect(chat).toHaveTextContent("Unreachable");
    expect(chat).toHaveTextContent("chat is down");
    expect(within(services).getByRole("listitem", { name: "Tickets" })).toHaveTextContent("Healthy");

    const glance = screen.getByLabelText("At a glance");
    expect(glance).toHaveTextContent("Workers online");
    expect(glance).toHaveTextContent("Queue depth");

    const queues = screen.getByRole("table", { name: "Queues" });
    expect(within(queues).getAllByRole("row")).toHaveLength(1 + 4); // chat did not answer
    expect(queues).toHaveTextContent("1 min 15 s"); // oldest message age
    expect(screen.getByRole("table", { name: "Heartbeats" })).toHaveTextContent("worker@box:1");
    expect(screen.getByTestId("overdue-timers")).toHaveTextContent("2 SLA timers overdue");
  });

  it("draws the rates as a chart with a table alternative", async () => {
    fakeServer({ "GET /api/auth/me": () => json(ADMIN), ...statusRoutes() });
    renderApp(<OverviewPage />, "/ops");
    const chart = await screen.findByRole("figure", { name: "Message rates" });
    expect(within(chart).getByRole("img")).toHaveAccessibleName(/Message rates, last 10 minutes/);
    await userEvent.click(within(chart).getByRole("button", { name: "View as table" }));
    const table = within(chart).getByRole("table", { name: "Message rates over the last 10 minutes" });
    expect(within(table).getAllByRole("row").length).toBeGreaterThan(1);
    expect(table).toHaveTextContent("7.5/s"); // five queues at 1.5/s
  });
});

describe("Operations access", () => {
  it("refuses an employee, naming the role needed", async () => {
    fakeServer({ "GET /api/auth/me": () => json(EMPLOYEE) });
    renderApp(
      <Routes>
        <Route path="/ops" element={<RequireRole capability="operator" />}>
          <Route index element={<OverviewPage />} />
        </Route>
      </Routes>,
      "/ops",
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("This page needs the Operator (tts) or Admin role");
  });

  it("shows the Mail tab only where the catcher answers", async () => {
    fakeServer({ "GET /api/auth/me": () => json(SUPERUSER), "GET /api/notifications/ops/mail": () => json([]) });
    const shown = renderApp(<OpsLayout />, "/ops");
    expect(await screen.findByRole("link", { name: "Mail (development)" })).toBeInTheDocument();
    shown.unmount();
    vi.unstubAllGlobals();
    fakeServer({ "GET /api/auth/me": () => json(SUPERUSER) }); // 404: no catcher
    renderApp(<OpsLayout />, "/ops");
    expect(await screen.findByRole("link", { name: "Dead letters" })).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole("link", { name: "Mail (development)" })).not.toBeInTheDocument();
  });
});

describe("Caught mail", () => {
  it("is neither shown nor asked for unless the reader administers every system", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/notifications/ops/mail": () => json([]),
    });
    renderApp(
      <Routes>
        <Route path="/ops" element={<OpsLayout />} />
        <Route path="/ops/mail" element={<RequireRole capability="superuser" />} />
      </Routes>,
      "/ops",
    );
    expect(await screen.findByRole("link", { name: "Dead letters" })).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole("link", { name: "Mail (development)" })).not.toBeInTheDocument();
    expect(requests.some((r) => new URL(r.url).pathname.includes("/ops/mail"))).toBe(false);
  });

  it("refuses the page itself to an admin of one system", async () => {
    fakeServer({ "GET /api/auth/me": () => json(ADMIN) });
    renderApp(
      <Routes>
        <Route path="/ops/mail" element={<RequireRole capability="superuser" />} />
      </Routes>,
      "/ops/mail",
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("This page needs the Admin of both hdts and tts role");
  });
});

describe("Failures", () => {
  it("groups failures by actor and exception, pages the list and shows a redacted traceback", async () => {
    const group = {
      service: "notify",
      actor: "notify.send_email",
      exception: "SMTPConnectError",
      failures: 3,
      messages: 2,
      dead_lettered: 1,
      last_failed_at: "2026-01-01T10:00:00Z",
      last_message_id: "m1",
      last_detail: "Connection refused",
    };
    const failure = (id: number) => ({ id, message_id: `m${id}`, actor: group.actor, queue: "email", attempt: id, exception: group.exception, detail: "Connection refused", failed_at: "2026-01-01T10:00:00Z", dead_lettered: id === 3 });
    const server = fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      ...Object.fromEntries(Object.values(PREFIXES).map((p) => [`GET ${p}/ops/failures/groups`, () => json(p === "/api/notifications" ? [group] : [])])),
      "GET /api/notifications/ops/failures": (request) =>
        new URL(request.url).searchParams.get("before")
          ? json({ items: [failure(1)], before: null })
          : json({ items: [failure(3), failure(2)], before: 2 }),
      "GET /api/notifications/ops/failures/3": () => json({ ...failure(3), traceback: "Traceback …\nSMTPConnectError: to [redacted]" }),
    });
    renderApp(<FailuresPage />, "/ops/failures");
    const card = await screen.findByRole("listitem", { name: "notify.send_email — SMTPConnectError" });
    expect(card).toHaveTextContent("Dead-lettered1");
    await userEvent.click(within(card).getByRole("button", { name: "Show failures" }));
    const list = await within(card).findByRole("list", { name: "Failures of notify.send_email" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    await userEvent.click(within(card).getByRole("button", { name: "Older failures" }));
    await vi.waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(3));
    expect(server.requests.some((r) => r.url.includes("before=2"))).toBe(true);
    await userEvent.click(within(list).getAllByRole("button", { name: "Show traceback" })[0]!);
    expect(await screen.findByLabelText("Traceback of failure 3 (redacted)")).toHaveTextContent("to [redacted]");
  });
});

describe("Dead letters", () => {
  function deadServer(requeue: (body: Record<string, unknown>) => Response) {
    let items = [LETTER("a"), LETTER("b"), LETTER("c")];
    return fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      ...statusRoutes({ notify: () => json(status("notify", { queues: [{ name: "notify", dead: 0 }, { name: "email", dead: items.length }] })) }),
      "GET /api/notifications/ops/dead": () => json({ queue: "email", total: items.length, items }),
      "POST /api/notifications/ops/dead/requeue": async (request) => {
        const body = (await request.json()) as Record<string, unknown>;
        const answer = requeue(body);
        if (answer.ok && body.dry_run === false) items = items.filter((i) => !(body.message_ids as string[]).includes(i.message_id));
        return answer;
      },
      "POST /api/notifications/ops/dead/discard": async (request) => {
        const body = (await request.json()) as Record<string, unknown>;
        return json(body.dry_run ? { dry_run: true, would_discard: 1 } : { dry_run: false, discarded: 1 });
      },
    });
  }

  it("selects rows (checkbox, x, shift-click), shows the dry run, then requeues", async () => {
    const server = deadServer((body) =>
      json(body.dry_run ? { dry_run: true, would_requeue: (body.message_ids as string[]).length, dead_letters: 3 } : { dry_run: false, requeued: (body.message_ids as string[]).length }),
    );
    renderApp(<DeadLettersPage />, "/ops/dead");
    const table = await screen.findByRole("table", { name: "Dead letters in email.XQ" });
    expect(table).toHaveTextContent("[redacted]");
    const boxes = within(table).getAllByRole("checkbox", { name: /^Select auth/ });
    await userEvent.click(boxes[0]!);
    fireEvent.click(boxes[2]!, { shiftKey: true }); // a range: all three
    expect(boxes.every((b) => (b as HTMLInputElement).checked)).toBe(true);
    expect(screen.getByText(/refresh paused while rows are selected/)).toBeInTheDocument();
    const rowB = within(table).getByRole("row", { name: /auth.email_requested b/ });
    rowB.focus();
    await userEvent.keyboard("x"); // unselect b
    expect((boxes[1] as HTMLInputElement).checked).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Requeue 2" }));
    const dialog = await screen.findByRole("dialog", { name: "Requeue 2 dead letters" });
    expect(await within(dialog).findByTestId("dry-run")).toHaveTextContent("Would requeue 2 dead letters");
    await userEvent.click(within(dialog).getByRole("button", { name: "Requeue now" }));
    expect(await within(dialog).findByTestId("action-result")).toHaveTextContent("Requeued 2 dead letters onto email.");
    const posts = server.requests.filter((r) => r.method === "POST");
    const bodies = await Promise.all(posts.map((r) => r.clone().json()));
    expect(bodies).toEqual([
      { queue: "email", message_ids: ["a", "c"], dry_run: true },
      { queue: "email", message_ids: ["a", "c"], dry_run: false },
    ]);
    await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    await vi.waitFor(() => expect(screen.getAllByRole("checkbox", { name: /^Select auth/ })).toHaveLength(1));
  });

  it("disables acting, with the reason, when the API refuses it", async () => {
    deadServer((body) =>
      body.dry_run
        ? json({ dry_run: true, would_requeue: 1, dead_letters: 3 })
        : json({ title: "Forbidden", status: 403, detail: "Operators may look but not act here: ask an admin" }, 403),
    );
    renderApp(<DeadLettersPage />, "/ops/dead");
    const table = await screen.findByRole("table", { name: "Dead letters in email.XQ" });
    await userEvent.click(within(table).getAllByRole("checkbox", { name: /^Select auth/ })[0]!);
    await userEvent.click(screen.getByRole("button", { name: "Requeue 1" }));
    const dialog = await screen.findByRole("dialog");
    await within(dialog).findByTestId("dry-run");
    await userEvent.click(within(dialog).getByRole("button", { name: "Requeue now" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("Not allowed: Operators may look but not act here");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("note")).toHaveTextContent("Acting is not allowed for you here");
    expect(screen.getByRole("button", { name: /^Discard/ })).toBeDisabled();
  });

  it("purges only once the queue name is typed back, with the expected count", async () => {
    const purges: Record<string, unknown>[] = [];
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      ...statusRoutes({ notify: () => json(status("notify", { queues: [{ name: "email", dead: 3 }] })) }),
      "GET /api/notifications/ops/dead": () => json({ queue: "email", total: 3, items: [LETTER("a"), LETTER("b"), LETTER("c")] }),
      "POST /api/notifications/ops/dead/purge": async (request) => {
        const body = (await request.json()) as Record<string, unknown>;
        purges.push(body);
        return json(body.dry_run ? { dry_run: true, would_purge: 3 } : { dry_run: false, purged: 3 });
      },
    });
    renderApp(<DeadLettersPage />, "/ops/dead");
    await screen.findByRole("table", { name: "Dead letters in email.XQ" });
    await userEvent.click(screen.getByRole("button", { name: "Purge email.XQ" }));
    const dialog = await screen.findByRole("dialog", { name: "Purge email.XQ" });
    await userEvent.type(within(dialog).getByLabelText("Reason"), "test data");
    await userEvent.click(within(dialog).getByRole("button", { name: "Preview (dry run)" }));
    expect(await within(dialog).findByTestId("dry-run")).toHaveTextContent("the expected count is 3");
    const purge = within(dialog).getByRole("button", { name: "Purge now" });
    expect(purge).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText(/Type the queue name/), "email");
    await userEvent.click(purge);
    expect(await within(dialog).findByTestId("action-result")).toHaveTextContent("Purged 3 dead letters.");
    expect(purges[1]).toEqual({ queue: "email", expected: 3, reason: "test data", dry_run: false });
  });

  it("needs a reason to discard", async () => {
    deadServer(() => json({}));
    renderApp(<DeadLettersPage />, "/ops/dead");
    const table = await screen.findByRole("table", { name: "Dead letters in email.XQ" });
    await userEvent.click(within(table).getAllByRole("checkbox", { name: /^Select auth/ })[1]!);
    await userEvent.click(screen.getByRole("button", { name: "Discard 1" }));
    const dialog = await screen.findByRole("dialog", { name: "Discard 1 dead letter" });
    const preview = within(dialog).getByRole("button", { name: "Preview (dry run)" });
    expect(preview).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText("Reason"), "an old reset");
    await userEvent.click(preview);
    expect(await within(dialog).findByTestId("dry-run")).toHaveTextContent("Would discard 1 dead letter");
    await userEvent.click(within(dialog).getByRole("button", { name: "Discard now" }));
    expect(await within(dialog).findByTestId("action-result")).toHaveTextContent("Discarded 1 dead letter.");
  });
});

describe("Outbox, audit and mail", () => {
  it("sweeps an outbox after its dry run", async () => {
    const server = fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      ...statusRoutes({ tickets: () => json(status("tickets", { outbox: { backlog: 4, oldest_seconds: 130 } })) }),
      "POST /api/tickets/ops/outbox/sweep": async (request) => {
        const body = (await request.json()) as { dry_run: boolean };
        return json(body.dry_run ? { dry_run: true, unpublished: 4 } : { dry_run: false, published: 4 });
      },
    });
    renderApp(<OutboxPage />, "/ops/outbox");
    const table = await screen.findByRole("table", { name: "Outbox" });
    await within(table).findByText("2 min 10 s");
    await userEvent.click(within(table).getByRole("button", { name: "Sweep now: Tickets" }));
    const dialog = await screen.findByRole("dialog", { name: "Sweep the Tickets outbox" });
    expect(await within(dialog).findByTestId("dry-run")).toHaveTextContent("Would publish the 4 unpublished events");
    await userEvent.click(within(dialog).getByRole("button", { name: "Sweep now" }));
    expect(await within(dialog).findByTestId("action-result")).toHaveTextContent("Published 4 events of Tickets.");
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    expect(screen.getByTestId("overdue-timers")).toHaveTextContent("2 SLA timers overdue");
  });

  it("lists the audit newest first, paged with before", async () => {
    const row = (id: number) => ({ id, at: "2026-01-01T10:00:00Z", actor: "admin@example.com", action: "dead.requeue", target: "email.XQ", count: 1, reason: null, result: `requeued ${id}` });
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/notifications/ops/audit": (request) =>
        new URL(request.url).searchParams.get("before") === "9" ? json({ items: [row(8)], before: null }) : json({ items: [row(10), row(9)], before: 9 }),
    });
    renderApp(<AuditPage />, "/ops/audit");
    const table = await screen.findByRole("table", { name: "Audit of Notifications" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    await userEvent.click(screen.getByRole("button", { name: "Older entries" }));
    await vi.waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(4));
    expect(table).toHaveTextContent("requeued 8");
  });

  it("says whose jobs an empty audit is about in good English", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/notifications/ops/audit": () => json({ items: [], before: null }),
    });
    renderApp(<AuditPage />, "/ops/audit");
    expect(await screen.findByText(/Nobody has acted on the Notifications service's jobs yet/)).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent("Notifications's");
  });

  it("shows caught emails with their links clickable", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/notifications/ops/mail": () =>
        json([{ key: "k1", to: "new@example.com", subject: "You are invited", caught_at: "2026-01-01T10:00:00Z", body: "Accept: http://127.0.0.1:8000/accept-invitation?token=abc\nThanks" }]),
    });
    renderApp(<MailPage />, "/ops/mail");
    const mail = await screen.findByRole("listitem", { name: "You are invited to new@example.com" });
    await userEvent.click(within(mail).getByRole("button", { name: "Show the email" }));
    expect(within(mail).getByRole("link", { name: /accept-invitation/ })).toHaveAttribute("href", "http://127.0.0.1:8000/accept-invitation?token=abc");
  });
});

import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import AppShell from "../shell/AppShell";
import { fakeServer, json } from "../test/fakeServer";
import { FakeSocket, installFakeSocket } from "../test/fakeSocket";
import { EMPLOYEE, renderApp } from "../test/render";
import { notificationLink } from "../live/notifications";
import NewTicketPage from "./NewTicketPage";
import SignInPage from "./SignInPage";
import TicketPage from "./TicketPage";
import { Conversation } from "./ticket/Conversation";

const CATEGORIES = {
  departments: ["IT", "Asset", "Budget"],
  items: [
    { id: 1, name: "Others", details_kind: null, default_department: null, subcategories: [] },
    { id: 2, name: "Asset Check Out", details_kind: "asset", default_department: "Asset", subcategories: [] },
  ],
};

beforeEach(() => {
  installFakeSocket();
  window.localStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

describe("Sign in", () => {
  it("says when a locked sign-in may be tried again, and counts down", async () => {
    fakeServer({
      "GET /api/auth/me": () => json({ title: "Unauthorized", status: 401 }, 401),
      "POST /api/auth/web/refresh": () => json({ title: "Unauthorized", status: 401 }, 401),
      "POST /api/auth/web/login": () =>
        json({ title: "Too many requests", status: 429, detail: "Too many failed sign-in attempts: try again in 3 seconds.", retry_after: 3 }, 429),
    });
    renderApp(<SignInPage />, "/sign-in", true);
    await userEvent.type(await screen.findByLabelText("Email"), "someone@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/Try again at \d{1,2}:\d{2}:\d{2}.*\(in 3 s\)/);
    expect(screen.getByRole("button", { name: "Sign in (in 3 s)" })).toBeDisabled();
    await vi.waitFor(() => expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled(), { timeout: 5000 });
    expect(screen.getByRole("alert")).toHaveTextContent("You may try again now.");
  });

  it("has Email, Password and Sign in, and says why a sign-in failed", async () => {
    fakeServer({
      "GET /api/auth/me": () => json({ title: "Unauthorized", status: 401 }, 401),
      "POST /api/auth/web/refresh": () => json({ title: "Unauthorized", status: 401 }, 401),
      "POST /api/auth/web/login": () => json({ title: "Unauthorized", status: 401, detail: "Invalid email or password" }, 401),
    });
    renderApp(<SignInPage />, "/sign-in", true);
    await userEvent.type(await screen.findByLabelText("Email"), "someone@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid email or password");
  });
});

describe("New ticket", () => {
  it("asks for the contract's fields and the category's own fields", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/categories": () => json(CATEGORIES),
    });
    renderApp(<NewTicketPage />, "/tickets/new");
    for (const label of ["Subject", "Description", "Category", "Department", "Attachments"]) {
      expect(await screen.findByLabelText(label)).toBeInTheDocument();
    }
    expect(screen.getByRole("button", { name: "Submit" })).toBeInTheDocument();
    expect(screen.queryByLabelText("Asset name")).not.toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Category"), "Asset Check Out");
    expect(screen.getByLabelText("Asset name")).toBeInTheDocument();
    // The category's usual department is picked for the person.
    expect(screen.getByLabelText("Department")).toHaveValue("Asset");
  });

  it("shows the service's field errors beside a summary, and keeps the draft", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/categories": () => json(CATEGORIES),
      "POST /api/tickets": () =>
        json({ title: "Unprocessable Entity", status: 422, detail: "The request body is invalid.", errors: { json: { subject: ["Shorter than minimum length 3."] } } }, 422),
    });
    renderApp(<NewTicketPage />, "/tickets/new");
    await userEvent.type(await screen.findByLabelText("Subject"), "Hi");
    await userEvent.type(screen.getByLabelText("Description"), "Printer jam");
    await userEvent.selectOptions(screen.getByLabelText("Category"), "Others");
    await userEvent.selectOptions(screen.getByLabelText("Department"), "IT");
    await userEvent.click(screen.getByRole("button", { name: "Submit" }));
    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("The request body is invalid.");
    expect(within(summary).getByRole("link", { name: "Subject" })).toHaveAttribute("href", "#ticket-subject");
    expect(screen.getByLabelText("Subject")).toHaveAttribute("aria-invalid", "true");
    await vi.waitFor(() => expect(window.localStorage.getItem(`tts.draft.new-ticket.${EMPLOYEE.id}`)).toContain("Printer jam"), { timeout: 5000 });
  });
});

describe("New ticket with files", () => {
  it("sends the ticket and its files together, and a refused file leaves no ticket behind", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/categories": () => json(CATEGORIES),
      "POST /api/tickets/with-attachments": () =>
        json({ title: "Unsupported Media Type", status: 415, detail: "photo.png: Files of type application/x-msdownload are not accepted", file: "photo.png" }, 415),
    });
    renderApp(<NewTicketPage />, "/tickets/new");
    await userEvent.type(await screen.findByLabelText("Subject"), "Printer jams");
    await userEvent.type(screen.getByLabelText("Description"), "Every page");
    await userEvent.selectOptions(screen.getByLabelText("Category"), "Others");
    await userEvent.selectOptions(screen.getByLabelText("Department"), "IT");
    await userEvent.upload(screen.getByLabelText("Attachments"), new File(["MZ"], "photo.png", { type: "image/png" }));
    await userEvent.click(screen.getByRole("button", { name: "Submit" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("photo.png: Files of type application/x-msdownload are not accepted");
    const sent = requests.filter((r) => r.method === "POST").map((r) => new URL(r.url).pathname);
    expect(sent).toEqual(["/api/tickets/with-attachments"]); // never a ticket first, files after
    expect(screen.getByLabelText("Subject")).toHaveValue("Printer jams");
  });
});

describe("New ticket subject", () => {
  it("keeps a pasted long subject whole, counts it and refuses to send it", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/categories": () => json(CATEGORIES),
    });
    renderApp(<NewTicketPage />, "/tickets/new");
    const subject = await screen.findByLabelText("Subject");
    expect(subject).toHaveAccessibleDescription("0 / 200");
    await userEvent.type(subject, "Printer");
    expect(subject).toHaveAccessibleDescription("7 / 200");
    await userEvent.click(subject);
    await userEvent.paste(" jams".repeat(131)); // 7 + 655 = 662 characters
    expect(subject).toHaveValue(`Printer${" jams".repeat(131)}`);
    expect(subject).toHaveAccessibleDescription("662 / 200 — 462 too many");
    expect(subject).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("alert")).toHaveTextContent("The subject is 662 characters long; shorten it to 200 or fewer.");
    await userEvent.type(screen.getByLabelText("Description"), "Printer jam");
    await userEvent.selectOptions(screen.getByLabelText("Category"), "Others");
    await userEvent.selectOptions(screen.getByLabelText("Department"), "IT");
    await userEvent.click(screen.getByRole("button", { name: "Submit" }));
    expect(subject).toHaveFocus();
    const summary = screen.getAllByRole("alert").find((alert) => alert.id === "submit-error")!;
    expect(within(summary).getByRole("link", { name: "Subject" })).toHaveAttribute("href", "#ticket-subject");
    expect(requests.some((r) => r.method === "POST")).toBe(false);
  });
});

describe("Conversation", () => {
  it("appends messages from the socket live, and keeps note and reply drafts apart", async () => {
    const agent = { id: 9, email: "agent@example.com", name: "Ava Agent", roles: { tts: ["Agent"] } };
    fakeServer({
      "GET /api/auth/me": () => json(agent),
      "GET /api/chat/tickets/5/messages": () => json({ items: [{ id: 1, body: "Hello", author: { id: 7, name: "Emma" }, internal: false }] }),
    });
    renderApp(<Conversation ticketId={5} canWriteNotes />);
    const log = await screen.findByRole("log", { name: "Conversation" });
    expect(await within(log).findByText("Hello")).toBeInTheDocument();
    await vi.waitFor(() => expect(FakeSocket.last.url).toContain("/ws/chat/tickets/5?after=1"), { timeout: 5000 });
    act(() => FakeSocket.last.receive({ type: "message", message: { id: 2, body: "Still broken", author: { id: 7, name: "Emma" }, internal: false } }));
    expect(await within(log).findByText("Still broken")).toBeInTheDocument();
    act(() => FakeSocket.last.receive({ type: "message", message: { id: 3, body: "Check toner", author: { id: 9, name: "Ava" }, internal: true } }));
    const note = await within(log).findByRole("article", { name: "Internal, by Ava" });
    expect(note).toHaveTextContent("Internal");

    await userEvent.type(screen.getByLabelText("Message"), "On my way");
    const mode = screen.getByRole("radiogroup", { name: "Reply or note" });
    await userEvent.click(within(mode).getByRole("radio", { name: "Internal note" }));
    // The reply's text never carries over into a note.
    expect(screen.getByLabelText("Internal note")).toHaveValue("");
    expect(screen.getByRole("button", { name: "Add note" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("radio", { name: "Reply" }));
    expect(screen.getByLabelText("Message")).toHaveValue("On my way");
    expect(screen.getByRole("button", { name: "Send" })).toBeEnabled();
  });
});

describe("Shell", () => {
  it("shows only the person's pages, and a live unread count on Notifications", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/notifications": () => json({ items: [], unread_count: 2, next_cursor: null }),
    });
    renderApp(
      <Routes>
        <Route path="/" element={<AppShell />}>
          <Route index element={<p>home</p>} />
        </Route>
      </Routes>,
    );
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "My tickets" })).toBeInTheDocument();
    expect(within(nav).queryByRole("link", { name: "Triage" })).not.toBeInTheDocument();
    expect(within(nav).queryByRole("link", { name: "Users" })).not.toBeInTheDocument();
    const bell = screen.getByRole("button", { name: "Notifications" });
    await vi.waitFor(() => expect(within(bell).getByTestId("unread-count")).toHaveTextContent("2"), { timeout: 5000 });
    act(() => FakeSocket.last.receive({ type: "notification", notification: { id: 40, subject: "Ticket approved", body: "", data: { ticket_id: 3 } } }));
    await vi.waitFor(() => expect(within(bell).getByTestId("unread-count")).toHaveTextContent("3"), { timeout: 5000 });
    expect(screen.getByText("New notification: Ticket approved")).toBeInTheDocument();
  });

  it("has keyboard shortcuts that stay inert while typing", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/notifications": () => json({ items: [], unread_count: 0, next_cursor: null }),
    });
    renderApp(
      <Routes>
        <Route path="/" element={<AppShell />}>
          <Route index element={<input aria-label="Somewhere to type" />} />
          <Route path="tickets/new" element={<p>the new ticket form</p>} />
        </Route>
      </Routes>,
    );
    await userEvent.type(await screen.findByLabelText("Somewhere to type"), "c");
    expect(screen.queryByText("the new ticket form")).not.toBeInTheDocument();
    (document.activeElement as HTMLElement).blur();
    await userEvent.keyboard("c");
    expect(await screen.findByText("the new ticket form")).toBeInTheDocument();
  });
});

describe("A ticket's address", () => {
  const TICKET = {
    id: 5,
    number: 1004,
    subject: "Printer jams",
    description: "Every page",
    status: "new",
    requester: { id: 7, name: "Emma Employee" },
    details: {},
  };

  it("is the number people see: /tickets/1004 shows ticket #1004", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/by-number/1004": () => json(TICKET),
      "GET /api/tickets/5": () => json(TICKET),
      "GET /api/chat/tickets/5/messages": () => json({ items: [] }),
      "GET /api/tickets/5/actions": () => json({ actions: [] }),
      "GET /api/tickets/5/attachments": () => json({ items: [] }),
      "GET /api/tickets/5/history": () => json({ items: [] }),
    });
    renderApp(
      <Routes>
        <Route path="/tickets/:number" element={<TicketPage />} />
      </Routes>,
      "/tickets/1004",
    );
    expect(await screen.findByRole("heading", { level: 1, name: "Printer jams" })).toBeInTheDocument();
    expect(screen.getByTestId("ticket-number")).toHaveTextContent("#1004");
    expect(requests.some((r) => new URL(r.url).pathname === "/api/tickets/by-number/1004")).toBe(true);
  });

  it("says plainly when there is no such ticket to see: no request id, no retry", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/by-number/1": () =>
        json({ title: "Not Found", status: 404, detail: "No ticket #1 that you can see", request_id: "abc" }, 404),
    });
    renderApp(
      <Routes>
        <Route path="/tickets/:number" element={<TicketPage />} />
      </Routes>,
      "/tickets/1",
    );
    expect(await screen.findByRole("heading", { level: 1, name: "No ticket #1 that you can see" })).toBeInTheDocument();
    expect(screen.queryByText(/Request ID/)).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("is where a notification leads, by number when the notice knows it", () => {
    const note = (data: Record<string, unknown>) => ({ id: 1, kind: "x", title: "t", body: "b", data, read_at: null, created_at: "" });
    expect(notificationLink(note({ ticket_id: 5, ticket_number: 1004, task_id: 9 }))).toBe("/tickets/1004");
    expect(notificationLink(note({ ticket_id: 5, task_id: 9 }))).toBe("/tasks/9");
    expect(notificationLink(note({ ticket_id: 5 }))).toBe("/tickets/by-id/5");
  });
});

import { screen, within } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import AppShell from "../../shell/AppShell";
import { fakeServer, json } from "../../test/fakeServer";
import { installFakeSocket } from "../../test/fakeSocket";
import { EMPLOYEE, renderApp } from "../../test/render";
import TriagePage from "../TriagePage";
import { TicketView } from "./TicketView";

const COORDINATOR = { id: 8, email: "coordinator@example.com", name: "Colin Coordinator", roles: { hdts: ["Ticket Coordinator"] } };

const ASSET_TICKET = {
  id: 5,
  number: 1005,
  subject: "Laptop for the trip",
  description: "Need a laptop for two weeks.",
  category: "Asset Check Out",
  department: "Asset",
  status: "new",
  requester: { id: EMPLOYEE.id, name: EMPLOYEE.name },
  // As stored: blank optional fields are null.
  details: { asset_name: "ThinkPad T14", serial_number: null, location: "Floor 2", expected_return: null },
  details_fields: [
    { name: "asset_name", label: "Asset name", value: "ThinkPad T14" },
    { name: "location", label: "Location", value: "Floor 2" },
  ],
};

const BUDGET_TICKET = {
  ...ASSET_TICKET,
  id: 6,
  number: 1006,
  subject: "Licences for 2027",
  category: "New Budget Proposal",
  details: {},
  details_fields: [
    {
      name: "cost_items",
      label: "Cost items",
      value: [
        [
          { name: "description", label: "Description", value: "Licences" },
          { name: "amount", label: "Amount", value: "1200.00" },
        ],
      ],
    },
    { name: "fiscal_year", label: "Fiscal year", value: 2027 },
  ],
};

beforeEach(() => {
  installFakeSocket();
  window.localStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

describe("Ticket page", () => {
  it("shows the category fields by their labels, and no blank ones", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/5": () => json(ASSET_TICKET),
      "GET /api/chat/tickets/5/messages": () => json({ items: [] }),
      "POST /api/notifications/read": () => json({ marked: 0, unread_count: 0 }),
    });
    renderApp(<TicketView ticketId={5} />, "/tickets/5");
    const description = await screen.findByRole("region", { name: "Description" });
    expect(within(description).getByText("Asset name")).toBeInTheDocument();
    expect(within(description).getByText("ThinkPad T14")).toBeInTheDocument();
    expect(within(description).getByText("Location")).toBeInTheDocument();
    expect(description).not.toHaveTextContent("null");
    expect(description).not.toHaveTextContent(/expected[ _]return/i);
    expect(description).not.toHaveTextContent("asset_name");
  });

  it("marks the person's notifications about the ticket read on opening it, and the bell follows", async () => {
    let unread = 3;
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(EMPLOYEE),
      "GET /api/tickets/5": () => json(ASSET_TICKET),
      "GET /api/chat/tickets/5/messages": () => json({ items: [] }),
      "GET /api/notifications": () =>
        json({
          items: [
            { id: 1, subject: "On hold: #1005", body: "", data: { ticket_id: 5 }, read_at: null },
            { id: 2, subject: "Approved: #1007", body: "", data: { ticket_id: 7 }, read_at: null },
          ],
          unread_count: unread,
          next_cursor: null,
        }),
      "POST /api/notifications/read": () => {
        unread = 2;
        return json({ marked: 1, unread_count: 2 });
      },
    });
    renderApp(
      <Routes>
        <Route path="/" element={<AppShell />}>
          <Route path="tickets/:id" element={<TicketView ticketId={5} />} />
        </Route>
      </Routes>,
      "/tickets/5",
    );
    const bell = await screen.findByRole("button", { name: "Notifications" });
    await vi.waitFor(() => expect(within(bell).getByTestId("unread-count")).toHaveTextContent("2"));
    const marks = requests.filter((r) => r.method === "POST" && new URL(r.url).pathname === "/api/notifications/read");
    expect(marks).toHaveLength(1);
    expect(await marks[0]!.json()).toEqual({ ticket_id: 5 });
  });
});

describe("Triage", () => {
  it("shows each ticket's category fields, since the coordinator decides on them", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(COORDINATOR),
      "GET /api/tickets": () => json({ items: [ASSET_TICKET, BUDGET_TICKET], next_cursor: null }),
    });
    renderApp(<TriagePage />, "/triage");
    const asset = await screen.findByRole("article", { name: "#1005 Laptop for the trip" });
    expect(within(asset).getByText("Asset name")).toBeInTheDocument();
    expect(within(asset).getByText("ThinkPad T14")).toBeInTheDocument();
    expect(asset).not.toHaveTextContent("null");
    const budget = screen.getByRole("article", { name: "#1006 Licences for 2027" });
    expect(within(budget).getByText("Cost items")).toBeInTheDocument();
    expect(within(budget).getByRole("listitem")).toHaveTextContent("Description: Licences, Amount: 1200.00");
    expect(within(budget).getByText("2027")).toBeInTheDocument();
  });
});

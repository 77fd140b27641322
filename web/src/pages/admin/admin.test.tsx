import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { fakeServer, json } from "../../test/fakeServer";
import { installFakeSocket } from "../../test/fakeSocket";
import { renderApp } from "../../test/render";
import AdminUsersPage from "./AdminUsersPage";
import CategoriesPage from "./CategoriesPage";

const ADMIN = { id: 1, email: "admin@example.com", name: "Ada Admin", roles: { hdts: ["Admin"], tts: ["Admin"] } };
const USERS = [
  { id: 2, email: "agent@example.com", name: "Alan Agent", roles: { tts: ["Agent"] }, is_active: true, invitation_pending: false, registration: null },
  { id: 3, email: "new@example.com", name: "Nia New", roles: {}, is_active: true, invitation_pending: true, registration: null },
  { id: 4, email: "self@example.com", name: "Sam Self", roles: {}, is_active: false, invitation_pending: false, registration: "pending" },
];
const SYSTEMS = {
  "GET /api/auth/systems": () => json([{ id: 1, slug: "hdts", name: "Help desk" }, { id: 2, slug: "tts", name: "Tickets" }]),
  "GET /api/auth/systems/hdts/roles": () => json([{ id: 10, system: "hdts", name: "Employee" }, { id: 11, system: "hdts", name: "Admin" }]),
  "GET /api/auth/systems/tts/roles": () => json([{ id: 20, system: "tts", name: "Agent" }, { id: 21, system: "tts", name: "Admin" }]),
};

beforeEach(() => {
  installFakeSocket();
  window.localStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

function page(items = USERS) {
  return () => json({ items, total: items.length, page: 1, per_page: 25 });
}

describe("Users and roles", () => {
  it("filters by role and status through the API and shows each status in words", async () => {
    const { requests } = fakeServer({ "GET /api/auth/me": () => json(ADMIN), "GET /api/auth/users": page(), ...SYSTEMS });
    renderApp(<AdminUsersPage />, "/admin/users");
    const table = await screen.findByRole("table", { name: "Users" });
    expect(within(table).getByText("Invited")).toBeInTheDocument();
    expect(within(table).getByText("Pending registration")).toBeInTheDocument();
    expect(within(table).getByText("Active")).toBeInTheDocument();
    await screen.findByRole("option", { name: "Agent (tts)" });
    await userEvent.selectOptions(screen.getByLabelText("Role"), "tts:Agent");
    await userEvent.selectOptions(screen.getByLabelText("Status"), "invited");
    await vi.waitFor(() => {
      const last = new URL(requests.filter((r) => r.url.includes("/api/auth/users")).at(-1)!.url);
      expect(last.searchParams.get("system")).toBe("tts");
      expect(last.searchParams.get("role")).toBe("Agent");
      expect(last.searchParams.get("status")).toBe("invited");
    });
  });

  it("grants and revokes a role in the user drawer", async () => {
    let roles: Record<string, string[]> = { tts: ["Agent"] };
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/auth/users": page(),
      "GET /api/auth/users/2": () => json({ ...USERS[0], roles }),
      "POST /api/auth/systems/hdts/assignments": () => {
        roles = { ...roles, hdts: ["Employee"] };
        return json({ id: 99, role: "Employee", is_active: true }, 201);
      },
      "GET /api/auth/systems/tts/assignments": () => json([{ id: 5, user_id: 2, role: "Agent", is_active: true }]),
      "DELETE /api/auth/assignments/5": () => {
        roles = { hdts: roles.hdts ?? [] };
        return json({ id: 5, is_active: false });
      },
      ...SYSTEMS,
    });
    renderApp(<AdminUsersPage />, "/admin/users?user=2");
    const drawer = await screen.findByRole("dialog", { name: "Alan Agent" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Grant Employee (hdts)" }));
    expect(await within(drawer).findByText("Granted Employee (hdts).")).toBeInTheDocument();
    const grant = requests.find((r) => r.method === "POST" && r.url.endsWith("/systems/hdts/assignments"))!;
    expect(await grant.json()).toEqual({ user_id: 2, role: "Employee" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Revoke Agent (tts)" }));
    expect(await within(drawer).findByText("Revoked Agent (tts).")).toBeInTheDocument();
    expect(requests.some((r) => r.method === "DELETE" && r.url.endsWith("/assignments/5"))).toBe(true);
    expect(await within(drawer).findByRole("button", { name: "Grant Agent (tts)" })).toBeInTheDocument();
  });

  it("shows the service's detail when a deactivation is refused", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/auth/users": page(),
      "GET /api/auth/users/2": () => json(USERS[0]),
      "POST /api/auth/users/2/deactivate": () =>
        json({ title: "Forbidden", status: 403, detail: "You may not change an account that holds roles in tts.", request_id: "req-1" }, 403),
      ...SYSTEMS,
    });
    renderApp(<AdminUsersPage />, "/admin/users?user=2");
    const drawer = await screen.findByRole("dialog", { name: "Alan Agent" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Deactivate" }));
    await userEvent.click(within(drawer).getByRole("button", { name: "Confirm deactivate" }));
    const alert = await within(drawer).findByRole("alert");
    expect(alert).toHaveTextContent("You may not change an account that holds roles in tts.");
    expect(alert).toHaveTextContent("req-1");
  });

  it("approves a pending registration", async () => {
    let user: Record<string, unknown> = { ...USERS[2]! };
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/auth/users": page(),
      "GET /api/auth/users/4": () => json(user),
      "POST /api/auth/registrations/4/approve": () => {
        user = { ...user, registration: null, is_active: true, roles: { hdts: ["Employee"] } };
        return json(user);
      },
      ...SYSTEMS,
    });
    renderApp(<AdminUsersPage />, "/admin/users?user=4");
    const drawer = await screen.findByRole("dialog", { name: "Sam Self" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Approve registration" }));
    expect(await within(drawer).findByText("Registration approved.")).toBeInTheDocument();
    expect(await within(drawer).findByText("Active")).toBeInTheDocument();
  });

  it("offers a tts-only admin no registration review and only the systems the API lists", async () => {
    fakeServer({
      "GET /api/auth/me": () => json({ ...ADMIN, roles: { tts: ["Admin"] } }),
      "GET /api/auth/users": page(),
      "GET /api/auth/users/4": () => json(USERS[2]),
      "GET /api/auth/systems": () => json([{ id: 2, slug: "tts", name: "Tickets" }]),
      "GET /api/auth/systems/tts/roles": SYSTEMS["GET /api/auth/systems/tts/roles"],
    });
    renderApp(<AdminUsersPage />, "/admin/users?user=4");
    const drawer = await screen.findByRole("dialog", { name: "Sam Self" });
    expect(await within(drawer).findByRole("button", { name: "Grant Agent (tts)" })).toBeInTheDocument();
    expect(within(drawer).queryByRole("button", { name: "Approve registration" })).toBeNull();
    expect(within(drawer).queryByRole("button", { name: /hdts/ })).toBeNull();
  });

  it("reports bulk role changes per row", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/auth/users": page(USERS.slice(0, 2)),
      "POST /api/auth/systems/tts/assignments": async (request) => {
        const body = (await request.json()) as { user_id: number };
        if (body.user_id === 3) return json({ title: "Conflict", status: 409, detail: "Nia cannot hold Agent yet." }, 409);
        return json({ id: 1 }, 201);
      },
      ...SYSTEMS,
    });
    renderApp(<AdminUsersPage />, "/admin/users");
    await screen.findByRole("table", { name: "Users" });
    await screen.findByRole("option", { name: "Agent (tts)" });
    await userEvent.click(screen.getByRole("checkbox", { name: "Select all users on this page" }));
    await userEvent.selectOptions(screen.getByLabelText("Role to change"), "tts:Agent");
    await userEvent.click(screen.getByRole("button", { name: "Grant to selected" }));
    const results = await screen.findByRole("list", { name: "Results" });
    await vi.waitFor(() => expect(within(results).getAllByRole("listitem")).toHaveLength(2));
    expect(results).toHaveTextContent("Alan Agent: ✓ granted Agent");
    expect(results).toHaveTextContent("Nia New: ✗ Failed: Nia cannot hold Agent yet.");
  });

  it("invites with roles, shows the 422 field map beside the fields, and resends and revokes", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/auth/users": page([USERS[1]!]),
      "POST /api/auth/users": async (request) => {
        const body = (await request.json()) as { email: string };
        if (body.email === "bad@example") return json({ title: "Unprocessable", status: 422, detail: "Check the fields.", errors: { json: { email: ["Not a valid email address."] } } }, 422);
        return json({ id: 9, email: body.email, name: "Pat" }, 201);
      },
      "POST /api/auth/users/3/invitation": () => json({ status: "accepted" }, 202),
      "DELETE /api/auth/users/3/invitation": () => json({ ...USERS[1], is_active: false }),
      ...SYSTEMS,
    });
    renderApp(<AdminUsersPage />, "/admin/users?tab=invitations");
    expect(await screen.findByRole("tab", { name: "Invitations" })).toHaveAttribute("aria-selected", "true");
    await userEvent.type(screen.getByLabelText("Email"), "bad@example");
    await userEvent.type(screen.getByLabelText("Name"), "Pat");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    expect(await screen.findByText("Not a valid email address.")).toBeInTheDocument();
    expect(screen.getByLabelText("Email")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Not a valid email address.");
    // The 422 is said beside its field; no generic "invalid body" and request id.
    expect(screen.getByRole("alert")).toHaveTextContent("Check the field marked above.");
    expect(screen.queryByText("Check the fields.")).not.toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText("Email"));
    await userEvent.type(screen.getByLabelText("Email"), "pat@example.com");
    await userEvent.click(await screen.findByRole("checkbox", { name: "Agent (tts)" }));
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    expect(await screen.findByText("Invitation sent to pat@example.com.")).toBeInTheDocument();
    const sent = requests.filter((r) => r.method === "POST" && r.url.endsWith("/api/auth/users")).at(-1)!;
    expect(await sent.json()).toEqual({ email: "pat@example.com", name: "Pat", roles: [{ system: "tts", role: "Agent" }] });
    await userEvent.click(await screen.findByRole("button", { name: "Resend invitation to new@example.com" }));
    expect(await screen.findByText("Sent again.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Revoke invitation of new@example.com" }));
    expect(await screen.findByText("Revoked.")).toBeInTheDocument();
  });

  it("checks an empty invitation itself and names the fields, without asking the server", async () => {
    const { requests } = fakeServer({ "GET /api/auth/me": () => json(ADMIN), "GET /api/auth/users": page([]), ...SYSTEMS });
    renderApp(<AdminUsersPage />, "/admin/users?tab=invitations");
    await userEvent.click(await screen.findByRole("button", { name: "Send invitation" }));
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter the person's email address.");
    expect(screen.getByLabelText("Name")).toHaveAccessibleDescription("Enter the person's name.");
    expect(screen.getByLabelText("Email")).toHaveFocus();
    expect(screen.getByRole("alert")).toHaveTextContent("Check the fields marked above.");
    expect(screen.queryByText(/request body is invalid|Request ID/)).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Email"), "not-an-address");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter an email address like name@example.com.");
    expect(requests.some((r) => r.method === "POST")).toBe(false);
  });

  it("shows a server 422's field map beside the fields, roles included", async () => {
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/auth/users": page([]),
      "POST /api/auth/users": () =>
        json(
          {
            title: "Unprocessable Entity",
            status: 422,
            detail: "The request body is invalid.",
            request_id: "r-1",
            errors: { name: ["Length must be between 1 and 100."], roles: { "0": { role: ["Unknown role."] } } },
          },
          422,
        ),
      ...SYSTEMS,
    });
    renderApp(<AdminUsersPage />, "/admin/users?tab=invitations");
    await userEvent.type(await screen.findByLabelText("Email"), "pat@example.com");
    await userEvent.type(screen.getByLabelText("Name"), "Pat");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    expect(await screen.findByText("Length must be between 1 and 100.")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAccessibleDescription("Length must be between 1 and 100.");
    expect(screen.getByText("Unknown role.")).toBeInTheDocument();
    expect(screen.queryByText(/request body is invalid|Request ID/)).not.toBeInTheDocument();
  });

  it("tabs move with the arrow keys and the permission matrix is read-only", async () => {
    fakeServer({ "GET /api/auth/me": () => json(ADMIN), "GET /api/auth/users": page(), ...SYSTEMS });
    renderApp(<AdminUsersPage />, "/admin/users");
    const users = await screen.findByRole("tab", { name: "Users" });
    users.focus();
    await userEvent.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "Permissions" })).toHaveAttribute("aria-selected", "true");
    const matrix = await screen.findByRole("table", { name: "Permissions by role" });
    expect(within(matrix).getByRole("rowheader", { name: "Grant and revoke tts roles" })).toBeInTheDocument();
    // As chat_api allows: any staff role on a ticket they see, coordinators included.
    const notes = within(matrix).getByRole("rowheader", { name: /internal notes/ }).closest("tr")!;
    const cells = within(notes).getAllByRole("cell").map((cell) => cell.textContent);
    expect(cells).toEqual(["— No", "✓ Yes", "✓ Yes", "✓ Yes", "✓ Yes"]);
    expect(within(matrix).queryByRole("button")).toBeNull();
  });
});

const CATALOGUE = {
  departments: ["IT", "Asset", "Budget"],
  items: [
    { id: 1, name: "IT Support", details_kind: null, default_department: "IT", active: true, position: 0, subcategories: [{ id: 5, name: "Printer", active: true, position: 0 }] },
    { id: 2, name: "Old stuff", details_kind: null, default_department: null, active: false, position: 1, subcategories: [] },
  ],
};

describe("Category catalogue", () => {
  it("shows the tree with inactive entries and previews a new category's fields", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/tickets/categories": () => json(CATALOGUE),
      "POST /api/tickets/categories": () => json({ id: 3, name: "Laptop loan" }, 201),
    });
    renderApp(<CategoriesPage />, "/admin/categories");
    const tree = await screen.findByRole("list", { name: "Category tree" });
    expect(within(tree).getByText("Inactive")).toBeInTheDocument();
    expect(within(tree).getByText("Printer")).toBeInTheDocument();
    expect(new URL(requests[requests.length - 1]!.url).searchParams.get("include_inactive")).toBe("true");
    await userEvent.click(screen.getByRole("button", { name: "New category" }));
    await userEvent.type(screen.getByLabelText("Name"), "Laptop loan");
    await userEvent.selectOptions(screen.getByLabelText("Usual department"), "Asset");
    expect(screen.queryByLabelText("Asset name")).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText("Fields on the ticket"), "asset");
    const preview = screen.getByRole("region", { name: "Preview: New ticket" });
    expect(within(preview).getByLabelText("Asset name")).toBeInTheDocument();
    expect(within(preview).getByLabelText("Department (preview)")).toHaveValue("Asset");
    await userEvent.click(screen.getByRole("button", { name: "Create category" }));
    await vi.waitFor(() => expect(requests.some((r) => r.method === "POST")).toBe(true));
    const created = requests.find((r) => r.method === "POST")!;
    expect(await created.json()).toEqual({ name: "Laptop loan", position: 0, active: true, details_kind: "asset", default_department: "Asset", parent_id: null });
  });

  it("edits with PATCH and shows a 409's detail and the 422 field map", async () => {
    let calls = 0;
    fakeServer({
      "GET /api/auth/me": () => json(ADMIN),
      "GET /api/tickets/categories": () => json(CATALOGUE),
      "PATCH /api/tickets/categories/1": () => {
        calls += 1;
        if (calls === 1) return json({ title: "Unprocessable", status: 422, detail: "Invalid input", errors: { json: { name: ["Length must be between 1 and 100."] } } }, 422);
        return json({ title: "Conflict", status: 409, detail: "Category 'Old stuff' already exists here" }, 409);
      },
    });
    renderApp(<CategoriesPage />, "/admin/categories");
    await userEvent.click(await screen.findByRole("button", { name: "Edit IT Support" }));
    expect(screen.getByLabelText("Name")).toHaveValue("IT Support");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Length must be between 1 and 100.")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-describedby", "category-name-error");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Category 'Old stuff' already exists here");
  });
});

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { fakeServer, json } from "../test/fakeServer";
import { installFakeSocket } from "../test/fakeSocket";
import { EMPLOYEE, renderApp } from "../test/render";
import AppShell from "./AppShell";

const ADMIN = { id: 1, email: "admin@example.com", name: "Adam Admin", roles: { hdts: ["Admin"], tts: ["Admin"] } };

function shellAt(path: string, user: unknown) {
  fakeServer({
    "GET /api/auth/me": () => json(user),
    "GET /api/notifications": () => json({ items: [], unread_count: 0, next_cursor: null }),
  });
  renderApp(
    <Routes>
      <Route path="/" element={<AppShell />}>
        <Route path="*" element={<p>a page</p>} />
      </Route>
    </Routes>,
    path,
  );
}

beforeEach(() => {
  installFakeSocket();
  // jsdom has no modal dialogs: open and close them as a browser would, by attribute.
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});
afterEach(() => vi.unstubAllGlobals());

describe("Main navigation with more pages than a phone's bar holds", () => {
  it("puts the pages past the fourth under a More button that Escape closes", async () => {
    shellAt("/triage", ADMIN);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    const more = within(nav).getByRole("button", { name: "More" });
    expect(more).toHaveAttribute("aria-expanded", "false");
    const list = document.getElementById(more.getAttribute("aria-controls")!)!;
    expect(list).not.toBeVisible();
    // The bar keeps the first four; the rest are under More (hidden from the bar on phones).
    const overflow = nav.querySelectorAll(".nav-overflow");
    expect([...overflow].map((item) => item.textContent)).toEqual(within(list).getAllByRole("link", { hidden: true }).map((l) => l.textContent));
    expect(within(list).getAllByRole("link", { hidden: true }).map((l) => l.textContent)).toContain("Users");

    await userEvent.click(more);
    expect(more).toHaveAttribute("aria-expanded", "true");
    expect(list).toBeVisible();
    expect(within(list).getAllByRole("link")[0]).toHaveFocus();
    await userEvent.keyboard("{ArrowDown}");
    expect(within(list).getAllByRole("link")[1]).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(more).toHaveAttribute("aria-expanded", "false");
    expect(list).not.toBeVisible();
    expect(more).toHaveFocus();

    // Choosing a page closes the list; More then says it holds the current page.
    await userEvent.click(more);
    await userEvent.click(within(list).getByRole("link", { name: "Users" }));
    expect(more).toHaveAttribute("aria-expanded", "false");
    expect(more).toHaveAccessibleName("More, current page: Users");
    expect(more).toHaveClass("active");
  });

  it("has no More when everything fits", async () => {
    shellAt("/tickets", EMPLOYEE);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(within(nav).queryByRole("button", { name: /More/ })).not.toBeInTheDocument();
  });
});

describe("User menu", () => {
  it("offers the keyboard shortcuts that ? shows", async () => {
    shellAt("/tickets", EMPLOYEE);
    await userEvent.click(await screen.findByLabelText(`Account: ${EMPLOYEE.name}`));
    const hint = screen.getByRole("button", { name: "Keyboard shortcuts" });
    expect(hint).toHaveAttribute("aria-keyshortcuts", "?");
    expect(hint).toHaveTextContent("?");
    await userEvent.click(hint);
    const dialog = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
    expect(dialog).toBeVisible();
    expect(dialog).toHaveTextContent("New ticket");
    await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog", { name: "Keyboard shortcuts" })).not.toBeInTheDocument();
  });
});

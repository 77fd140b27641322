import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { fakeServer, json } from "../../test/fakeServer";
import { renderApp } from "../../test/render";
import ForgotPasswordPage from "./ForgotPasswordPage";
import { ResetPasswordPage } from "./SetPasswordPage";

afterEach(() => vi.unstubAllGlobals());

const signedOut = {
  "GET /api/auth/me": () => json({ title: "Unauthorized", status: 401 }, 401),
  "POST /api/auth/web/refresh": () => json({ title: "Unauthorized", status: 401 }, 401),
};

describe("account pages", () => {
  it("sets a new password with the mailed token, after checking both entries match", async () => {
    const { requests } = fakeServer({ ...signedOut, "POST /api/auth/password/reset": () => new Response(null, { status: 204 }) });
    renderApp(<ResetPasswordPage />, "/reset-password?token=tok-1", true);
    await userEvent.type(screen.getByLabelText("New password"), "correct horse");
    await userEvent.type(screen.getByLabelText("Repeat the password"), "correct hose");
    await userEvent.click(screen.getByRole("button", { name: "Set password" }));
    expect(screen.getByRole("alert")).toHaveTextContent("The two passwords differ");
    await userEvent.clear(screen.getByLabelText("Repeat the password"));
    await userEvent.type(screen.getByLabelText("Repeat the password"), "correct horse");
    await userEvent.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Your password is changed.");
    const reset = requests.find((r) => r.url.endsWith("/api/auth/password/reset"))!;
    expect(await reset.json()).toEqual({ token: "tok-1", password: "correct horse" });
  });

  it("shows an expired link's problem in words", async () => {
    fakeServer({
      ...signedOut,
      "POST /api/auth/password/reset": () => json({ title: "Bad Request", status: 400, detail: "This link is invalid or has expired." }, 400),
    });
    renderApp(<ResetPasswordPage />, "/reset-password?token=old", true);
    await userEvent.type(screen.getByLabelText("New password"), "pw");
    await userEvent.type(screen.getByLabelText("Repeat the password"), "pw");
    await userEvent.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This link is invalid or has expired.");
  });

  it("answers a reset request the same way whether or not the account exists", async () => {
    fakeServer({ ...signedOut, "POST /api/auth/password/forgot": () => json({ status: "accepted" }, 202) });
    renderApp(<ForgotPasswordPage />, "/forgot-password", true);
    await userEvent.type(screen.getByLabelText("Email"), "nobody@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Send the link" }));
    expect(await screen.findByRole("status")).toHaveTextContent("If an account uses nobody@example.com");
  });
});

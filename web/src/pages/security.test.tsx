import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { fakeServer, json } from "../test/fakeServer";
import { renderApp } from "../test/render";
import SecurityPage from "./SecurityPage";

afterEach(() => vi.unstubAllGlobals());

const AGENT = { id: 9, email: "agent@example.com", name: "Ava Agent", roles: { tts: ["Agent"] } };

describe("Two-factor sign-in", () => {
  it("enrols with a code from the app and shows the recovery codes once", async () => {
    const { requests } = fakeServer({
      "GET /api/auth/me": () => json(AGENT),
      "GET /api/auth/mfa": () => json({ enabled: false, offered: true, recovery_codes_left: 0 }),
      "POST /api/auth/mfa/enrol": () => json({ secret: "JBSWY3DP", otpauth_uri: "otpauth://totp/x", qr_code: "data:image/png;base64,AA==" }),
      "POST /api/auth/mfa/confirm": () => json({ recovery_codes: ["aaaa-1111", "bbbb-2222"] }),
    });
    renderApp(<SecurityPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Set up two-factor sign-in" }));
    expect(await screen.findByRole("img", { name: "QR code of your two-factor key" })).toBeInTheDocument();
    expect(screen.getByText("JBSWY3DP")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Code from the app"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Turn on" }));
    expect(await screen.findByText("aaaa-1111")).toBeInTheDocument();
    const confirm = requests.find((r) => r.url.endsWith("/mfa/confirm"))!;
    expect(await confirm.json()).toEqual({ code: "123456" });
  });

  it("tells an employee it is for staff accounts", async () => {
    fakeServer({
      "GET /api/auth/me": () => json({ ...AGENT, roles: { hdts: ["Employee"] } }),
      "GET /api/auth/mfa": () => json({ enabled: false, offered: false, recovery_codes_left: 0 }),
    });
    renderApp(<SecurityPage />);
    expect(await screen.findByText(/offered to staff accounts/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Set up two-factor sign-in" })).not.toBeInTheDocument();
  });
});

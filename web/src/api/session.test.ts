import { afterEach, describe, expect, it, vi } from "vitest";

import { fakeServer, json } from "../test/fakeServer";
import { session, sessionFetch } from "./session";

afterEach(() => {
  vi.unstubAllGlobals();
  session.reset();
  document.cookie = "csrf_access_token=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("sessionFetch", () => {
  it("sends the CSRF cookie back as a header on writes only", async () => {
    document.cookie = "csrf_access_token=abc123";
    const { requests } = fakeServer({
      "GET /api/tickets": () => json({ items: [] }),
      "POST /api/tickets": () => json({ id: 1 }, 201),
    });
    await sessionFetch("/api/tickets");
    await sessionFetch("/api/tickets", { method: "POST", body: "{}" });
    expect(requests[0]!.headers.get("X-CSRF-TOKEN")).toBeNull();
    expect(requests[1]!.headers.get("X-CSRF-TOKEN")).toBe("abc123");
  });

  it("refreshes once for many expired requests, then retries each with its body", async () => {
    let refreshed = false;
    const { requests } = fakeServer({
      "POST /api/auth/web/refresh": async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        refreshed = true;
        return json({ expires_in: 900 });
      },
      "POST /api/chat/tickets/1/messages": async (request) =>
        refreshed ? json({ echoed: await request.text() }, 201) : json({ title: "Unauthorized", status: 401 }, 401),
    });
    const answers = await Promise.all(
      ["one", "two", "three"].map((body) => sessionFetch("/api/chat/tickets/1/messages", { method: "POST", body })),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(await Promise.all(answers.map((a) => a.json()))).toEqual([{ echoed: "one" }, { echoed: "two" }, { echoed: "three" }]);
    expect(requests.filter((r) => r.url.endsWith("/web/refresh"))).toHaveLength(1);
  });

  it("parks requests when the session is over and resumes them after sign-in", async () => {
    let signedIn = false;
    fakeServer({
      "POST /api/auth/web/refresh": () => json({ title: "Unauthorized", status: 401 }, 401),
      "GET /api/tickets": () => (signedIn ? json({ items: [1] }) : json({ title: "Unauthorized", status: 401 }, 401)),
    });
    const announced: boolean[] = [];
    const unsubscribe = session.subscribe((expired) => announced.push(expired));
    const pending = sessionFetch("/api/tickets");
    await vi.waitFor(() => expect(session.expired).toBe(true), { timeout: 5000 });
    signedIn = true;
    session.resumed();
    const answer = await pending;
    expect(await answer.json()).toEqual({ items: [1] });
    expect(announced).toEqual([true, false]);
    unsubscribe();
  });

  it("does not refresh again when another tab refreshed while this one waited its turn", async () => {
    document.cookie = "csrf_access_token=old";
    const { requests } = fakeServer({ "POST /api/auth/web/refresh": () => json({ expires_in: 900 }) });
    // The other tab holds the lock and refreshes: a new CSRF cookie comes with its token.
    vi.stubGlobal("navigator", {
      ...navigator,
      locks: {
        request: async (_name: string, task: () => Promise<boolean>) => {
          document.cookie = "csrf_access_token=new";
          return task();
        },
      },
    });
    expect(await session.refresh()).toBe(true);
    expect(requests.filter((r) => r.url.endsWith("/web/refresh"))).toHaveLength(0);
  });

  it("never retries the sign-in endpoints themselves", async () => {
    const { requests } = fakeServer({
      "POST /api/auth/web/login": () => json({ title: "Unauthorized", status: 401, detail: "Invalid email or password" }, 401),
    });
    const answer = await sessionFetch("/api/auth/web/login", { method: "POST", body: "{}" });
    expect(answer.status).toBe(401);
    expect(requests).toHaveLength(1);
  });
});

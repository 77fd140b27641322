import { useEffect, type ReactNode } from "react";
import { Link } from "react-router";

import { ProblemError } from "../../api/problem";

/** The signed-out pages' frame: one card, a heading, a way back to Sign in. */
export function AccountLayout({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · TTS`;
  }, [title]);
  return (
    <main id="main" className="sign-in">
      <section className="card stack" aria-labelledby="account-title">
        <h1 id="account-title">{title}</h1>
        {children}
        <p className="small">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </section>
    </main>
  );
}

/** Posts JSON to an account endpoint (no session: these pages are for people signed out). */
export async function postAccount(path: string, body: unknown): Promise<void> {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new ProblemError(response.status, await response.json().catch(() => undefined));
}

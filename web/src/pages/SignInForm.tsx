import { useState, type FormEvent } from "react";

import { ProblemError, errorDetail } from "../api/problem";
import type { SessionUser } from "../auth/roles";
import { useSession } from "../auth/SessionProvider";

/** Email and password (password managers and paste work: plain labelled inputs). */
export function SignInForm({ defaultEmail = "", onSignedIn }: { defaultEmail?: string; onSignedIn?: (user: SessionUser) => void }) {
  const { signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const user = await signIn(String(form.get("email")), String(form.get("password")), String(form.get("otp") ?? "") || undefined);
      onSignedIn?.(user);
    } catch (caught) {
      // A second factor is asked for only once the password was right.
      if (caught instanceof ProblemError && /code|otp|two-factor/i.test(caught.detail)) setNeedsCode(true);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate={false}>
      <div className="field">
        <label htmlFor="sign-in-email">Email</label>
        <input id="sign-in-email" name="email" type="email" autoComplete="username" required defaultValue={defaultEmail} />
      </div>
      <div className="field">
        <label htmlFor="sign-in-password">Password</label>
        <input id="sign-in-password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {needsCode && (
        <div className="field">
          <label htmlFor="sign-in-otp">Two-factor code</label>
          <input id="sign-in-otp" name="otp" inputMode="numeric" autoComplete="one-time-code" />
        </div>
      )}
      {error != null && (
        <p className="form-error" role="alert">
          {errorDetail(error)}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

import { useEffect, useMemo, useState, type FormEvent } from "react";

import { ProblemError, errorDetail } from "../api/problem";
import type { SessionUser } from "../auth/roles";
import { useSession } from "../auth/SessionProvider";

/** Email and password (password managers and paste work: plain labelled inputs). */
export function SignInForm({ defaultEmail = "", onSignedIn }: { defaultEmail?: string; onSignedIn?: (user: SessionUser) => void }) {
  const { signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const lockedFor = useLockout(error);

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
          {lockedFor !== null ? lockoutWords(lockedFor) : errorDetail(error)}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy || !!lockedFor?.seconds}>
        {busy ? "Signing in…" : lockedFor?.seconds ? `Sign in (in ${lockedFor.seconds} s)` : "Sign in"}
      </button>
    </form>
  );
}

interface Lockout {
  until: number;
  seconds: number;
}

/** A sign-in lockout (429 with ``retry_after``): when it ends and the seconds left,
 *  counting down; null when the error is no lockout. */
function useLockout(error: unknown): Lockout | null {
  const wait = error instanceof ProblemError && error.status === 429 ? error.retryAfter : undefined;
  // From when the refusal arrived, not from each render.
  const until = useMemo(() => (wait ? Date.now() + wait * 1000 : null), [error, wait]);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [until]);
  if (until === null || !wait) return null;
  return { until, seconds: Math.max(0, Math.min(wait, Math.ceil((until - now) / 1000))) };
}

function lockoutWords({ until, seconds }: Lockout): string {
  if (seconds === 0) return "Too many failed sign-in attempts. You may try again now.";
  const at = new Date(until).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return `Too many failed sign-in attempts. Try again at ${at} (in ${seconds} s).`;
}

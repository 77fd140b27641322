import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { errorDetail } from "../../api/problem";
import { AccountLayout, postAccount } from "./AccountLayout";

/** The one-time links mailed by the service: /accept-invitation and /reset-password. */
function SetPasswordPage({ title, endpoint, done }: { title: string; endpoint: string; done: string }) {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [finished, setFinished] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeat) {
      setError(new Error("The two passwords differ. Type the same password twice."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await postAccount(endpoint, { token, password });
      setFinished(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (!token) {
    return (
      <AccountLayout title={title}>
        <p role="alert">This link is incomplete. Open the link from your email again.</p>
      </AccountLayout>
    );
  }
  if (finished) {
    return (
      <AccountLayout title={title}>
        <p role="status">
          {done} <Link to="/sign-in">Sign in</Link>.
        </p>
      </AccountLayout>
    );
  }
  return (
    <AccountLayout title={title}>
      <form className="stack" onSubmit={submit}>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input id="new-password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="repeat-password">Repeat the password</label>
          <input id="repeat-password" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </div>
        {error != null && (
          <p className="form-error" role="alert">
            {errorDetail(error)}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          Set password
        </button>
      </form>
    </AccountLayout>
  );
}

export function AcceptInvitationPage() {
  return <SetPasswordPage title="Accept your invitation" endpoint="/api/auth/invitations/accept" done="Your account is ready." />;
}

export function ResetPasswordPage() {
  return <SetPasswordPage title="Choose a new password" endpoint="/api/auth/password/reset" done="Your password is changed." />;
}

import { useState, type FormEvent } from "react";

import { errorDetail } from "../../api/problem";
import { AccountLayout, postAccount } from "./AccountLayout";

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await postAccount("/api/auth/password/forgot", { email });
      setSent(true);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <AccountLayout title="Reset your password">
      {sent ? (
        // The same words whether or not the account exists: nothing to learn here.
        <p role="status">If an account uses {email}, a link to choose a new password is on its way. Check your email.</p>
      ) : (
        <form className="stack" onSubmit={submit}>
          <div className="field">
            <label htmlFor="forgot-email">Email</label>
            <input id="forgot-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          {error != null && (
            <p className="form-error" role="alert">
              {errorDetail(error)}
            </p>
          )}
          <button type="submit" className="button primary">
            Send the link
          </button>
        </form>
      )}
    </AccountLayout>
  );
}

import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import { errorDetail, ProblemError } from "../../api/problem";
import { AccountLayout, postAccount } from "./AccountLayout";

export default function RegisterPage() {
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fieldErrors = error instanceof ProblemError ? error.fieldErrors : {};

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await postAccount("/api/auth/register", form);
      setDone(true);
    } catch (caught) {
      setError(caught);
    }
  }

  const set = (key: keyof typeof form) => (event: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: event.target.value });
  if (done) {
    return (
      <AccountLayout title="Create an account">
        <p role="status">
          Thank you. If your organisation approves new accounts, you will get an email once yours is approved; otherwise you can{" "}
          <Link to="/sign-in">sign in</Link> now.
        </p>
      </AccountLayout>
    );
  }
  return (
    <AccountLayout title="Create an account">
      <form className="stack" onSubmit={submit}>
        <div className="field">
          <label htmlFor="register-name">Name</label>
          <input id="register-name" autoComplete="name" required value={form.name} onChange={set("name")} aria-invalid={!!fieldErrors.name} />
        </div>
        <div className="field">
          <label htmlFor="register-email">Email</label>
          <input id="register-email" type="email" autoComplete="username" required value={form.email} onChange={set("email")} aria-invalid={!!fieldErrors.email} />
        </div>
        <div className="field">
          <label htmlFor="register-password">Password</label>
          <input id="register-password" type="password" autoComplete="new-password" required value={form.password} onChange={set("password")} aria-invalid={!!fieldErrors.password} />
        </div>
        {error != null && (
          <div className="form-error" role="alert">
            <p>{errorDetail(error)}</p>
            {Object.entries(fieldErrors).map(([name, messages]) => (
              <p key={name}>
                {name}: {messages.join(" ")}
              </p>
            ))}
          </div>
        )}
        <button type="submit" className="button primary">
          Create account
        </button>
      </form>
    </AccountLayout>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { auth as api, data } from "../api/clients";
import { errorDetail } from "../api/problem";
import { QueryState } from "../components/QueryState";
import { usePageTitle } from "../lib/usePageTitle";

const STATUS_KEY = ["auth", "mfa"];

/** Two-factor sign-in: enrol with an authenticator app, keep recovery codes, turn it off. */
export default function SecurityPage() {
  usePageTitle("Two-factor sign-in");
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: async () => data(await api.GET("/api/auth/mfa")) });
  return (
    <section className="page narrow stack" aria-labelledby="page-title">
      <h1 id="page-title">Two-factor sign-in</h1>
      <QueryState query={status} loadingLabel="Loading your sign-in settings…">
        {(mfa) =>
          !mfa.offered ? (
            <p>Two-factor sign-in is offered to staff accounts. Yours signs in with its password.</p>
          ) : mfa.enabled ? (
            <Enabled codesLeft={mfa.recovery_codes_left ?? 0} />
          ) : (
            <Enrol />
          )
        }
      </QueryState>
    </section>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="notice" role="status">
      <p>
        <strong>Your recovery codes.</strong> Each signs you in once if you lose your authenticator. Keep them somewhere safe: they are
        shown only now.
      </p>
      <ul className="codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Enrol() {
  const queryClient = useQueryClient();
  const [code, setCode] = useState("");
  const enrol = useMutation({ mutationFn: async () => data(await api.POST("/api/auth/mfa/enrol")) });
  const confirm = useMutation({
    mutationFn: async () => data(await api.POST("/api/auth/mfa/confirm", { body: { code: code.trim() } })),
  });
  if (confirm.isSuccess) {
    return (
      <>
        <p>Two-factor sign-in is on.</p>
        <RecoveryCodes codes={confirm.data.recovery_codes ?? []} />
        <button type="button" className="button" onClick={() => void queryClient.invalidateQueries({ queryKey: STATUS_KEY })}>
          Done
        </button>
      </>
    );
  }
  if (!enrol.data) {
    return (
      <>
        <p>Protect your account with a code from an authenticator app as well as your password.</p>
        {enrol.isError && <p role="alert">{errorDetail(enrol.error)}</p>}
        <button type="button" className="button primary" onClick={() => enrol.mutate()} disabled={enrol.isPending}>
          Set up two-factor sign-in
        </button>
      </>
    );
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    confirm.mutate();
  }
  return (
    <form className="stack" onSubmit={submit}>
      <p>Scan this code with your authenticator app, or type the key into it.</p>
      {enrol.data.qr_code && <img src={enrol.data.qr_code} alt="QR code of your two-factor key" width={200} height={200} />}
      <p>
        Key: <code>{enrol.data.secret}</code>
      </p>
      <div className="field">
        <label htmlFor="mfa-code">Code from the app</label>
        <input id="mfa-code" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
      </div>
      {confirm.isError && (
        <p className="form-error" role="alert">
          {errorDetail(confirm.error)}
        </p>
      )}
      <button type="submit" className="button primary" disabled={confirm.isPending}>
        Turn on
      </button>
    </form>
  );
}

function Enabled({ codesLeft }: { codesLeft: number }) {
  const queryClient = useQueryClient();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const disable = useMutation({
    mutationFn: async () => {
      await api.POST("/api/auth/mfa/disable", { body: { password, code: code.trim() || null } });
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: STATUS_KEY }),
  });
  const regenerate = useMutation({
    mutationFn: async () => data(await api.POST("/api/auth/mfa/recovery-codes", { body: { code: code.trim() } })),
  });
  return (
    <>
      <p>
        Two-factor sign-in is on. {codesLeft} recovery code{codesLeft === 1 ? "" : "s"} left.
      </p>
      {regenerate.isSuccess && <RecoveryCodes codes={regenerate.data.recovery_codes ?? []} />}
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          disable.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="mfa-current-code">Code from the app</label>
          <input id="mfa-current-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="mfa-password">Password (to turn it off)</label>
          <input id="mfa-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {(disable.isError || regenerate.isError) && (
          <p className="form-error" role="alert">
            {errorDetail(disable.error ?? regenerate.error)}
          </p>
        )}
        <div className="actions wrap">
          <button type="button" className="button" onClick={() => regenerate.mutate()} disabled={!code.trim() || regenerate.isPending}>
            New recovery codes
          </button>
          <button type="submit" className="button danger" disabled={!password || disable.isPending}>
            Turn off
          </button>
        </div>
      </form>
    </>
  );
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";

import { auth as api, data } from "../../api/clients";
import { useManagedRoles } from "./adminApi";
import { FieldMessage, WriteError, fieldErrors } from "./Problem";

type Errors = Record<string, string[]>;

/** What the form checks before asking the server (which checks again). */
function checked(email: string, name: string): Errors {
  const errors: Errors = {};
  if (!email) errors.email = ["Enter the person's email address."];
  else if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = ["Enter an email address like name@example.com."];
  if (!name) errors.name = ["Enter the person's name."];
  return errors;
}

/** The server's 422 field map, by the form's fields ("roles.0.role" is about Roles). */
function byField(errors: Errors): Errors {
  const out: Errors = {};
  for (const [key, messages] of Object.entries(errors)) {
    const field = key.split(".")[0]!;
    out[field] = [...(out[field] ?? []), ...messages];
  }
  return out;
}

const FIELDS = ["email", "name", "roles"];

/** Invite a person: an account without a password, and a mailed one-time link. */
export function InviteForm({ onDone }: { onDone?: (email: string) => void }) {
  const managed = useManagedRoles();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string[]>([]); // "system:role"
  const [local, setLocal] = useState<Errors>({});
  const form = useRef<HTMLFormElement>(null);
  const invite = useMutation({
    mutationFn: async () =>
      data(
        await api.POST("/api/auth/users", {
          body: {
            email: email.trim(),
            name: name.trim(),
            roles: picked.map((key) => {
              const [system, ...rest] = key.split(":");
              return { system: system ?? "", role: rest.join(":") };
            }),
          },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
      onDone?.(email.trim());
      setEmail("");
      setName("");
      setPicked([]);
    },
  });
  const server = byField(fieldErrors(invite.error));
  const errors = Object.keys(local).length ? local : server;
  // A 422 about the fields is said beside them; only anything else needs the summary.
  const aboutFields = Object.keys(errors).length > 0 && Object.keys(errors).every((key) => FIELDS.includes(key));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checked(email.trim(), name.trim());
    setLocal(found);
    if (Object.keys(found).length) {
      invite.reset();
      const first = FIELDS.find((key) => found[key]);
      form.current?.querySelector<HTMLElement>(`#invite-${first}`)?.focus();
      return;
    }
    invite.mutate();
  };
  const toggle = (key: string) => setPicked((keys) => (keys.includes(key) ? keys.filter((k) => k !== key) : [...keys, key]));
  return (
    <form ref={form} className="stack panel" onSubmit={submit} aria-labelledby="invite-title" noValidate>
      <h2 id="invite-title">Invite a user</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
              setLocal(({ email: _, ...rest }) => rest);
            }}
            required
            aria-invalid={!!errors.email}
            aria-describedby={errors.email ? "invite-email-error" : undefined}
          />
          <FieldMessage id="invite-email" messages={errors.email} />
        </div>
        <div className="field">
          <label htmlFor="invite-name">Name</label>
          <input
            id="invite-name"
            autoComplete="off"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setLocal(({ name: _, ...rest }) => rest);
            }}
            required
            aria-invalid={!!errors.name}
            aria-describedby={errors.name ? "invite-name-error" : undefined}
          />
          <FieldMessage id="invite-name" messages={errors.name} />
        </div>
      </div>
      <fieldset>
        <legend>Roles</legend>
        {managed.isPending && <p className="muted small">Loading roles…</p>}
        <div className="chips">
          {managed.data?.flatMap(({ system, roles }) =>
            roles.map((role) => {
              const key = `${system.slug}:${role.name}`;
              return (
                <label key={key} className="check">
                  <input type="checkbox" checked={picked.includes(key)} onChange={() => toggle(key)} /> {role.name} ({system.slug})
                </label>
              );
            }),
          )}
        </div>
        <FieldMessage id="invite-roles" messages={errors.roles} />
      </fieldset>
      {aboutFields ? (
        <p className="form-error" role="alert">
          Check the {Object.keys(errors).length > 1 ? "fields" : "field"} marked above.
        </p>
      ) : (
        <WriteError error={invite.error} />
      )}
      <div className="actions">
        <button type="submit" className="button primary" disabled={invite.isPending}>
          {invite.isPending ? "Sending…" : "Send invitation"}
        </button>
        <span role="status" className="small">
          {invite.isSuccess ? `Invitation sent to ${invite.data?.email}.` : ""}
        </span>
      </div>
    </form>
  );
}

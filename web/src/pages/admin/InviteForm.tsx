import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { auth as api, data } from "../../api/clients";
import { useManagedRoles } from "./adminApi";
import { FieldMessage, WriteError, fieldErrors } from "./Problem";

/** Invite a person: an account without a password, and a mailed one-time link. */
export function InviteForm({ onDone }: { onDone?: (email: string) => void }) {
  const managed = useManagedRoles();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string[]>([]); // "system:role"
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
  const errors = fieldErrors(invite.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  const toggle = (key: string) => setPicked((keys) => (keys.includes(key) ? keys.filter((k) => k !== key) : [...keys, key]));
  return (
    <form className="stack panel" onSubmit={submit} aria-labelledby="invite-title" noValidate>
      <h2 id="invite-title">Invite a user</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} required aria-invalid={!!errors.email} aria-describedby={errors.email ? "invite-email-error" : undefined} />
          <FieldMessage id="invite-email" messages={errors.email} />
        </div>
        <div className="field">
          <label htmlFor="invite-name">Name</label>
          <input id="invite-name" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} required aria-invalid={!!errors.name} aria-describedby={errors.name ? "invite-name-error" : undefined} />
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
      <WriteError error={invite.error} />
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

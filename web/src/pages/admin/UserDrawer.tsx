import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { auth as api, data } from "../../api/clients";
import { formatWhen } from "../../lib/sla";
import { StatusBadge, grantRole, revokeRole, useManagedRoles, userStatus, type AdminUser } from "./adminApi";
import { FieldMessage, WriteError, fieldErrors } from "./Problem";
import { ErrorState, LoadingState } from "../../components/QueryState";

/** One user: profile, roles per system (grant, revoke), state, invitation, registration. */
export function UserDrawer({ userId, canReview, onClose }: { userId: number; canReview: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element || element.open) return;
    if (typeof element.showModal === "function") element.showModal();
    else element.setAttribute("open", "");
  }, []);
  const user = useQuery({
    queryKey: ["admin", "user", userId],
    queryFn: async () => data(await api.GET("/api/auth/users/{user_id}", { params: { path: { user_id: userId } } })) as AdminUser,
  });
  return (
    <dialog ref={dialog} className="drawer" aria-labelledby="user-drawer-title" onClose={onClose}>
      <div className="drawer-head">
        <h2 id="user-drawer-title">{user.data?.name ?? "User"}</h2>
        <button type="button" className="button ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {user.isPending ? (
        <LoadingState label="Loading the user…" />
      ) : user.isError ? (
        <ErrorState error={user.error} onRetry={() => void user.refetch()} />
      ) : (
        <UserDetails user={user.data} canReview={canReview} />
      )}
    </dialog>
  );
}

function useUserWrite<T>(userId: number, write: (arg: T) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["admin", "user", userId] });
      void queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
    },
  });
}

function UserDetails({ user, canReview }: { user: AdminUser; canReview: boolean }) {
  const id = user.id ?? 0;
  const path = { params: { path: { user_id: id } } };
  const status = userStatus(user);
  const [message, setMessage] = useState("");
  const [confirming, setConfirming] = useState(false);
  const state = useUserWrite(id, async (action: "activate" | "deactivate" | "resend" | "revoke" | "approve" | "reject") => {
    if (action === "activate") await api.POST("/api/auth/users/{user_id}/activate", path);
    else if (action === "deactivate") await api.POST("/api/auth/users/{user_id}/deactivate", path);
    else if (action === "resend") await api.POST("/api/auth/users/{user_id}/invitation", path);
    else if (action === "revoke") await api.DELETE("/api/auth/users/{user_id}/invitation", path);
    else await api.POST("/api/auth/registrations/{user_id}/{decision}", { params: { path: { user_id: id, decision: action } } });
    return action;
  });
  const done: Record<string, string> = {
    activate: "Activated.",
    deactivate: "Deactivated: every session ended.",
    resend: "Invitation sent again.",
    revoke: "Invitation revoked.",
    approve: "Registration approved.",
    reject: "Registration rejected.",
  };
  const act = (action: Parameters<typeof state.mutate>[0]) =>
    state.mutate(action, { onSuccess: () => setMessage(done[action] ?? "Done.") });
  return (
    <div className="stack">
      <p>
        <StatusBadge user={user} /> {user.mfa_enabled ? <span className="badge">Two-factor on</span> : null}
      </p>
      <dl className="details">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Created</dt>
        <dd>{formatWhen(user.created_at)}</dd>
        <dt>Last sign-in</dt>
        <dd>{formatWhen(user.last_login_at)}</dd>
      </dl>
      <div className="actions wrap" aria-label="Account actions" role="group">
        {status === "pending" && canReview && (
          <>
            <button type="button" className="button primary" disabled={state.isPending} onClick={() => act("approve")}>
              Approve registration
            </button>
            <button type="button" className="button" disabled={state.isPending} onClick={() => act("reject")}>
              Reject registration
            </button>
          </>
        )}
        {status === "invited" && (
          <>
            <button type="button" className="button" disabled={state.isPending} onClick={() => act("resend")}>
              Resend invitation
            </button>
            <button type="button" className="button" disabled={state.isPending} onClick={() => act("revoke")}>
              Revoke invitation
            </button>
          </>
        )}
        {status === "deactivated" ? (
          <button type="button" className="button" disabled={state.isPending} onClick={() => act("activate")}>
            Activate
          </button>
        ) : (status === "active" || status === "invited") && !confirming ? (
          <button type="button" className="button danger" disabled={state.isPending} onClick={() => setConfirming(true)}>
            Deactivate
          </button>
        ) : null}
      </div>
      {confirming && (
        <div className="panel stack" role="group" aria-labelledby="deactivate-title">
          <p id="deactivate-title">
            <strong>Deactivate {user.name}?</strong> Every session of theirs ends at once and they leave every queue. You can activate them again later.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button danger"
              disabled={state.isPending}
              onClick={() => {
                setConfirming(false);
                act("deactivate");
              }}
            >
              Confirm deactivate
            </button>
            <button type="button" className="button ghost" onClick={() => setConfirming(false)}>
              Keep active
            </button>
          </div>
        </div>
      )}
      <WriteError error={state.error} />
      <p role="status" className="small">
        {state.isPending ? "Saving…" : state.isSuccess ? message : ""}
      </p>
      <ProfileForm user={user} />
      <UserRoles user={user} />
    </div>
  );
}

function ProfileForm({ user }: { user: AdminUser }) {
  const id = user.id ?? 0;
  const [name, setName] = useState(user.name ?? "");
  const [email, setEmail] = useState(user.email ?? "");
  const save = useUserWrite(id, async () =>
    api.PATCH("/api/auth/users/{user_id}", { params: { path: { user_id: id } }, body: { name: name.trim(), email: email.trim() } }),
  );
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(undefined);
  };
  return (
    <form className="stack panel" onSubmit={submit} aria-labelledby="profile-title" noValidate>
      <h3 id="profile-title">Profile</h3>
      <div className="field">
        <label htmlFor="profile-name">Name</label>
        <input id="profile-name" value={name} onChange={(e) => setName(e.target.value)} required aria-invalid={!!errors.name} aria-describedby={errors.name ? "profile-name-error" : undefined} />
        <FieldMessage id="profile-name" messages={errors.name} />
      </div>
      <div className="field">
        <label htmlFor="profile-email">Email address</label>
        <input id="profile-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required aria-invalid={!!errors.email} aria-describedby={errors.email ? "profile-email-error" : undefined} />
        <FieldMessage id="profile-email" messages={errors.email} />
      </div>
      <WriteError error={save.error} />
      <div className="actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save profile"}
        </button>
        <span role="status" className="small">
          {save.isSuccess ? "Saved." : ""}
        </span>
      </div>
    </form>
  );
}

/** Roles per system the admin manages: each one held can be revoked; others granted. */
function UserRoles({ user }: { user: AdminUser }) {
  const id = user.id ?? 0;
  const managed = useManagedRoles();
  const [message, setMessage] = useState("");
  const change = useUserWrite(id, async ({ grant, system, role }: { grant: boolean; system: string; role: string }) => {
    if (grant) await grantRole(id, system, role);
    else await revokeRole(id, system, role);
    setMessage(`${grant ? "Granted" : "Revoked"} ${role} (${system}).`);
  });
  const held = user.roles ?? {};
  const managedSlugs = new Set(managed.data?.map((s) => s.system.slug));
  const unmanaged = Object.entries(held).filter(([system]) => !managedSlugs.has(system));
  return (
    <section className="stack panel" aria-labelledby="roles-title">
      <h3 id="roles-title">Roles</h3>
      {managed.isPending && <LoadingState label="Loading roles…" rows={2} />}
      {managed.isError && <ErrorState error={managed.error} onRetry={() => void managed.refetch()} />}
      {managed.data?.map(({ system, roles }) => (
        <fieldset key={system.slug} className="stack">
          <legend>
            {system.name} ({system.slug})
          </legend>
          <ul className="role-list">
            {roles.map((role) => {
              const has = (held[system.slug ?? ""] ?? []).includes(role.name ?? "");
              const label = `${has ? "Revoke" : "Grant"} ${role.name} (${system.slug})`;
              return (
                <li key={role.id}>
                  <span>
                    {role.name} {has ? <span className="badge user-active">Held</span> : <span className="muted small">not held</span>}
                  </span>
                  <button
                    type="button"
                    className={`button small${has ? "" : " primary"}`}
                    aria-label={label}
                    disabled={change.isPending}
                    onClick={() => change.mutate({ grant: !has, system: system.slug ?? "", role: role.name ?? "" })}
                  >
                    {has ? "Revoke" : "Grant"}
                  </button>
                </li>
              );
            })}
          </ul>
        </fieldset>
      ))}
      {unmanaged.length > 0 && (
        <p className="muted small">
          Also holds {unmanaged.map(([system, names]) => `${system}: ${names.join(", ")}`).join("; ")} — managed by that system's admins.
        </p>
      )}
      <WriteError error={change.error} />
      <p role="status" className="small">
        {change.isPending ? "Saving…" : change.isSuccess ? message : ""}
      </p>
    </section>
  );
}

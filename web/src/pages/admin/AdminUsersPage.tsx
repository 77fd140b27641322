import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type KeyboardEvent } from "react";
import { useSearchParams } from "react-router";

import { auth as api, data } from "../../api/clients";
import { errorDetail } from "../../api/problem";
import { useUser } from "../../auth/SessionProvider";
import { QueryState } from "../../components/QueryState";
import { formatWhen } from "../../lib/sla";
import { usePageTitle } from "../../lib/usePageTitle";
import { StatusBadge, grantRole, revokeRole, rolesText, useManagedRoles, type AdminUser } from "./adminApi";
import { InviteForm } from "./InviteForm";
import { PermissionMatrix } from "./PermissionMatrix";
import { UserDrawer } from "./UserDrawer";
import { WriteError } from "./Problem";

const PER_PAGE = 25;
const TABS = [
  { id: "users", label: "Users" },
  { id: "invitations", label: "Invitations" },
  { id: "permissions", label: "Permissions" },
] as const;
type Tab = (typeof TABS)[number]["id"];

/** Superusers and hdts Admins review self-registrations (auth_api/permissions.py). */
function reviewsRegistrations(roles: Record<string, string[]>): boolean {
  return (roles.hdts ?? []).includes("Admin");
}

/** Admins: users and their roles, invitations, and what each role may do. */
export default function AdminUsersPage() {
  usePageTitle("Users and roles");
  const me = useUser();
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.id === params.get("tab"))?.id ?? "users") as Tab;
  const openId = Number(params.get("user")) || null;
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const setParam = (key: string, value: string | null) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value === null) next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: key !== "tab" },
    );
  const onTabKey = (event: KeyboardEvent) => {
    const index = TABS.findIndex((t) => t.id === tab);
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = TABS[(index + delta + TABS.length) % TABS.length]!;
    setParam("tab", next.id);
    tabRefs.current[next.id]?.focus();
  };
  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Users and roles</h1>
      </div>
      <div role="tablist" aria-label="Users and roles" className="tabs" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={tab === t.id ? `panel-${t.id}` : undefined}
            tabIndex={tab === t.id ? 0 : -1}
            className="tab"
            onClick={() => setParam("tab", t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="stack">
        {tab === "users" && <UsersTab onOpen={(id) => setParam("user", String(id))} />}
        {tab === "invitations" && <InvitationsTab onOpen={(id) => setParam("user", String(id))} />}
        {tab === "permissions" && <PermissionMatrix />}
      </div>
      {openId && <UserDrawer key={openId} userId={openId} canReview={reviewsRegistrations(me.roles)} onClose={() => setParam("user", null)} />}
    </section>
  );
}

function useUsers(filters: { q?: string; role?: string; status?: string; page: number }) {
  const [system, ...rest] = (filters.role ?? "").split(":");
  return useQuery({
    queryKey: ["admin", "users", filters],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      data(
        await api.GET("/api/auth/users", {
          params: {
            query: {
              q: filters.q || undefined,
              system: filters.role ? system : undefined,
              role: filters.role ? rest.join(":") : undefined,
              status: (filters.status || undefined) as "active" | undefined,
              page: filters.page,
              per_page: PER_PAGE,
            },
          },
        }),
      ),
  });
}

function Pager({ page, total, onPage }: { page: number; total: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  return (
    <nav className="actions" aria-label="Pages">
      <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous page
      </button>
      <span className="muted small">
        Page {page} of {pages} · {total} {total === 1 ? "user" : "users"}
      </span>
      <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next page
      </button>
    </nav>
  );
}

interface RowResult {
  name: string;
  ok: boolean;
  text: string;
}

function UsersTab({ onOpen }: { onOpen: (id: number) => void }) {
  const [search, setSearch] = useState("");
  const [role, setRole] = useState("");
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const users = useUsers({ q: search, role, status, page });
  const managed = useManagedRoles();
  const roleOptions = managed.data?.flatMap(({ system, roles }) => roles.map((r) => ({ key: `${system.slug}:${r.name}`, label: `${r.name} (${system.slug})` }))) ?? [];
  const filter = (set: (v: string) => void) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    set(event.target.value);
    setPage(1);
    setSelected(new Set());
  };
  const items = (users.data?.items ?? []) as AdminUser[];
  const toggle = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = items.length > 0 && items.every((u) => selected.has(u.id ?? 0));
  return (
    <>
      <div className="filters" role="search" aria-label="Filter users">
        <div className="field">
          <label htmlFor="user-search">Search users</label>
          <input id="user-search" type="search" value={search} onChange={filter(setSearch)} placeholder="Name or email" />
        </div>
        <div className="field">
          <label htmlFor="user-role">Role</label>
          <select id="user-role" value={role} onChange={filter(setRole)}>
            <option value="">Any role</option>
            {roleOptions.map((o) => (
              <option key={o.key} value={o.key}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="user-status">Status</label>
          <select id="user-status" value={status} onChange={filter(setStatus)}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="deactivated">Deactivated</option>
            <option value="invited">Invited</option>
            <option value="pending">Pending registration</option>
          </select>
        </div>
      </div>
      {selected.size > 0 && (
        <BulkRoles users={items.filter((u) => selected.has(u.id ?? 0))} roleOptions={roleOptions} onDone={() => setSelected(new Set())} />
      )}
      <QueryState query={users} loadingLabel="Loading users…" isEmpty={(p) => !p.items?.length} empty={<p>No users match these filters. Clear the search or invite someone.</p>}>
        {(result) => (
          <>
            <div className="table-wrap">
              <table aria-label="Users">
                <thead>
                  <tr>
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Select all users on this page"
                        checked={allSelected}
                        onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((u) => u.id ?? 0)))}
                      />
                    </th>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Roles</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last sign-in</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((user) => (
                    <tr key={user.id}>
                      <td data-label="Select">
                        <input type="checkbox" aria-label={`Select ${user.name}`} checked={selected.has(user.id ?? 0)} onChange={() => toggle(user.id ?? 0)} />
                      </td>
                      <td data-label="Name">
                        <button type="button" className="linkish" onClick={() => onOpen(user.id ?? 0)}>
                          {user.name}
                        </button>
                      </td>
                      <td data-label="Email">{user.email}</td>
                      <td data-label="Roles">{rolesText(user.roles)}</td>
                      <td data-label="Status">
                        <StatusBadge user={user} />
                      </td>
                      <td data-label="Last sign-in">{formatWhen(user.last_login_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} total={result.total ?? 0} onPage={setPage} />
          </>
        )}
      </QueryState>
    </>
  );
}

/** Grant or revoke one role for the selected users; each row's outcome is reported. */
function BulkRoles({ users, roleOptions, onDone }: { users: AdminUser[]; roleOptions: { key: string; label: string }[]; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [picked, setRole] = useState("");
  const role = picked || roleOptions[0]?.key || "";
  const [results, setResults] = useState<RowResult[]>([]);
  const [running, setRunning] = useState(false);
  const run = async (grant: boolean) => {
    const [system = "", ...rest] = role.split(":");
    const name = rest.join(":");
    setRunning(true);
    const out: RowResult[] = [];
    for (const user of users) {
      try {
        if (grant) {
          await grantRole(user.id ?? 0, system, name);
          out.push({ name: user.name ?? "", ok: true, text: `granted ${name}` });
        } else {
          const outcome = await revokeRole(user.id ?? 0, system, name);
          out.push({ name: user.name ?? "", ok: true, text: outcome === "revoked" ? `revoked ${name}` : `did not hold ${name}` });
        }
      } catch (error) {
        out.push({ name: user.name ?? "", ok: false, text: errorDetail(error) });
      }
      setResults([...out]);
    }
    setRunning(false);
    void queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
    void queryClient.invalidateQueries({ queryKey: ["admin", "user"] });
  };
  return (
    <section className="panel stack" aria-labelledby="bulk-title">
      <h2 id="bulk-title" className="small">
        {users.length} selected
      </h2>
      <div className="row">
        <div className="field">
          <label htmlFor="bulk-role">Role to change</label>
          <select id="bulk-role" value={role} onChange={(e) => setRole(e.target.value)}>
            {roleOptions.map((o) => (
              <option key={o.key} value={o.key}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="button" className="button primary" disabled={running || !role} onClick={() => void run(true)}>
            Grant to selected
          </button>
          <button type="button" className="button" disabled={running || !role} onClick={() => void run(false)}>
            Revoke from selected
          </button>
          <button type="button" className="button ghost" disabled={running} onClick={onDone}>
            Clear selection
          </button>
        </div>
      </div>
      {results.length > 0 && (
        <ul className="results" aria-label="Results" aria-live="polite">
          {results.map((r, i) => (
            <li key={i} className={r.ok ? "ok" : "bad"}>
              <strong>{r.name}</strong>: {r.ok ? "✓ " : "✗ Failed: "}
              {r.text}
            </li>
          ))}
        </ul>
      )}
      {running && <p role="status">Applying…</p>}
    </section>
  );
}

function InvitationsTab({ onOpen }: { onOpen: (id: number) => void }) {
  const [page, setPage] = useState(1);
  const [notice, setNotice] = useState("");
  const users = useUsers({ status: "invited", page });
  return (
    <>
      <InviteForm onDone={(email) => setNotice(`Invited ${email}.`)} />
      <p role="status" className="small">
        {notice}
      </p>
      <h2>Pending invitations</h2>
      <QueryState query={users} loadingLabel="Loading invitations…" isEmpty={(p) => !p.items?.length} empty={<p>No invitation is waiting. Invite someone above.</p>}>
        {(result) => (
          <>
            <div className="table-wrap">
              <table aria-label="Invitations">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Roles</th>
                    <th scope="col">Invited</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {(result.items as AdminUser[]).map((user) => (
                    <InvitationRow key={user.id} user={user} onOpen={onOpen} />
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} total={result.total ?? 0} onPage={setPage} />
          </>
        )}
      </QueryState>
    </>
  );
}

function InvitationRow({ user, onOpen }: { user: AdminUser; onOpen: (id: number) => void }) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState<"" | "resend" | "revoke">("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const path = { params: { path: { user_id: user.id ?? 0 } } };
  const act = async (action: "resend" | "revoke") => {
    setBusy(action);
    setError(null);
    try {
      if (action === "resend") await api.POST("/api/auth/users/{user_id}/invitation", path);
      else await api.DELETE("/api/auth/users/{user_id}/invitation", path);
      setDone(action === "resend" ? "Sent again." : "Revoked.");
      if (action === "revoke") void queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
    } catch (e) {
      setError(e);
    } finally {
      setBusy("");
    }
  };
  return (
    <tr>
      <td data-label="Name">
        <button type="button" className="linkish" onClick={() => onOpen(user.id ?? 0)}>
          {user.name}
        </button>
      </td>
      <td data-label="Email">{user.email}</td>
      <td data-label="Roles">{rolesText(user.roles)}</td>
      <td data-label="Invited">{formatWhen(user.created_at)}</td>
      <td data-label="Actions">
        <div className="actions">
          <button type="button" className="button small" disabled={!!busy} aria-label={`Resend invitation to ${user.email}`} onClick={() => void act("resend")}>
            {busy === "resend" ? "Sending…" : "Resend"}
          </button>
          <button type="button" className="button small" disabled={!!busy} aria-label={`Revoke invitation of ${user.email}`} onClick={() => void act("revoke")}>
            {busy === "revoke" ? "Revoking…" : "Revoke"}
          </button>
          <span role="status" className="small">
            {done}
          </span>
        </div>
        <WriteError error={error} />
      </td>
    </tr>
  );
}

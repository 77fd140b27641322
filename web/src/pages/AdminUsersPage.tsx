import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { auth as api, data } from "../api/clients";
import { QueryState } from "../components/QueryState";
import { formatWhen } from "../lib/sla";
import { usePageTitle } from "../lib/usePageTitle";

const PER_PAGE = 50;

function rolesText(roles: unknown): string {
  if (!roles || typeof roles !== "object") return "—";
  return Object.entries(roles as Record<string, string[]>)
    .map(([system, names]) => `${system}: ${names.join(", ")}`)
    .join("; ");
}

/** Admins: who has an account, their roles and state (grants live in the `tts` CLI too). */
export default function AdminUsersPage() {
  usePageTitle("Users");
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const users = useQuery({
    queryKey: ["admin", "users", search, page],
    queryFn: async () => data(await api.GET("/api/auth/users", { params: { query: { q: search || undefined, page, per_page: PER_PAGE } } })),
    placeholderData: keepPreviousData,
  });
  const total = users.data?.total ?? 0;
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Users</h1>
      <div className="field inline">
        <label htmlFor="user-search">Search users</label>
        <input
          id="user-search"
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(1);
          }}
        />
      </div>
      <QueryState query={users} loadingLabel="Loading users…" isEmpty={(p) => !p.items?.length} empty={<p>No users match.</p>}>
        {(result) => (
          <>
            <div className="table-wrap">
              <table aria-label="Users">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Roles</th>
                    <th scope="col">State</th>
                    <th scope="col">Last sign-in</th>
                  </tr>
                </thead>
                <tbody>
                  {result.items?.map((user) => (
                    <tr key={user.id}>
                      <td data-label="Name">{user.name}</td>
                      <td data-label="Email">{user.email}</td>
                      <td data-label="Roles">{rolesText(user.roles)}</td>
                      <td data-label="State">{user.is_active ? "Active" : "Deactivated"}</td>
                      <td data-label="Last sign-in">{formatWhen(user.last_login_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="actions">
              <button type="button" className="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
                Previous page
              </button>
              <span className="muted small">
                Page {page} of {Math.max(1, Math.ceil(total / PER_PAGE))}
              </span>
              <button type="button" className="button" disabled={page * PER_PAGE >= total} onClick={() => setPage((p) => p + 1)}>
                Next page
              </button>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}

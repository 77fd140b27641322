/** What the admin pages share: the directory's types, a user's status in words, roles. */
import { useQuery } from "@tanstack/react-query";

import type { components } from "../../api/auth";
import { auth as api, data } from "../../api/clients";

export type AdminUser = Omit<components["schemas"]["UserAdminOut"], "roles" | "invitation_pending" | "mfa_enabled"> & {
  roles?: Record<string, string[]>;
  invitation_pending?: boolean;
  mfa_enabled?: boolean;
};
export type Grant = components["schemas"]["GrantOut"];
export type Role = components["schemas"]["RoleOut"];
export type System = components["schemas"]["SystemOut"];

export type UserStatus = "active" | "deactivated" | "invited" | "pending" | "rejected";

export const STATUS_LABEL: Record<UserStatus, string> = {
  active: "Active",
  deactivated: "Deactivated",
  invited: "Invited",
  pending: "Pending registration",
  rejected: "Registration rejected",
};

/** The same rules as the service's `status` filter (auth_api/accounts.py). */
export function userStatus(user: AdminUser): UserStatus {
  if (user.registration === "pending") return "pending";
  if (user.registration === "rejected") return "rejected";
  if (!user.is_active) return "deactivated";
  if (user.invitation_pending) return "invited";
  return "active";
}

export function StatusBadge({ user }: { user: AdminUser }) {
  const status = userStatus(user);
  return <span className={`badge user-${status}`}>{STATUS_LABEL[status]}</span>;
}

export function rolesText(roles: Record<string, string[]> | undefined): string {
  const entries = Object.entries(roles ?? {});
  if (!entries.length) return "No roles";
  return entries.map(([system, names]) => `${system}: ${names.join(", ")}`).join("; ");
}

export interface SystemRoles {
  system: System;
  roles: Role[];
}

/** The systems the signed-in admin manages (the API lists only those), with their roles. */
export function useManagedRoles() {
  return useQuery({
    queryKey: ["admin", "roles"],
    staleTime: 60_000,
    queryFn: async (): Promise<SystemRoles[]> => {
      const systems = data(await api.GET("/api/auth/systems")) ?? [];
      return Promise.all(
        systems.map(async (system) => ({
          system,
          roles: data(await api.GET("/api/auth/systems/{slug}/roles", { params: { path: { slug: system.slug ?? "" } } })) ?? [],
        })),
      );
    },
  });
}

/** Give a role of a system to a user. */
export async function grantRole(userId: number, system: string, role: string): Promise<Grant> {
  return data(await api.POST("/api/auth/systems/{slug}/assignments", { params: { path: { slug: system } }, body: { user_id: userId, role } }));
}

/** Revoke the user's active assignment of this role (finding its id first). */
export async function revokeRole(userId: number, system: string, role: string): Promise<"revoked" | "not held"> {
  const grants = data(
    await api.GET("/api/auth/systems/{slug}/assignments", { params: { path: { slug: system }, query: { user_id: userId, active: true } } }),
  );
  const grant = grants?.find((g) => g.role === role && g.is_active);
  if (!grant?.id) return "not held";
  await api.DELETE("/api/auth/assignments/{grant_id}", { params: { path: { grant_id: grant.id } } });
  return "revoked";
}

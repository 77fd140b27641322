/** What a person may do, from the roles in their session (the API decides; this picks the nav). */
export interface SessionUser {
  id: number;
  email: string;
  name: string;
  roles: Record<string, string[]>;
}

function has(user: SessionUser, system: string, role: string): boolean {
  return (user.roles[system] ?? []).includes(role);
}

export function isAdmin(user: SessionUser): boolean {
  return has(user, "hdts", "Admin") || has(user, "tts", "Admin");
}

export function isCoordinator(user: SessionUser): boolean {
  return has(user, "hdts", "Ticket Coordinator") || isAdmin(user);
}

export function isAgent(user: SessionUser): boolean {
  return has(user, "tts", "Agent") || isAdmin(user);
}

export function isEmployee(user: SessionUser): boolean {
  return has(user, "hdts", "Employee") || isAdmin(user);
}

/** Staff write internal notes and see them; requesters never do. */
export function isStaff(user: SessionUser): boolean {
  return isAgent(user) || isCoordinator(user);
}

/** Sees the background jobs (the Operations pages): tts Operators and admins. */
export function isOperator(user: SessionUser): boolean {
  return has(user, "tts", "Operator") || isAdmin(user);
}

/** Administers every system (hdts and tts): may already do everything, so may read caught
 *  mail, whose one-time links would let anyone else take over an account. */
export function isSuperuser(user: SessionUser): boolean {
  return has(user, "hdts", "Admin") && has(user, "tts", "Admin");
}

export type Capability = "employee" | "coordinator" | "agent" | "staff" | "admin" | "operator" | "superuser";

export const CAPABILITY_CHECK: Record<Capability, (user: SessionUser) => boolean> = {
  employee: isEmployee,
  coordinator: isCoordinator,
  agent: isAgent,
  staff: isStaff,
  admin: isAdmin,
  operator: isOperator,
  superuser: isSuperuser,
};

/** How a refusal names the role that is needed. */
export const CAPABILITY_ROLE: Record<Capability, string> = {
  employee: "Employee",
  coordinator: "Ticket Coordinator",
  agent: "Agent",
  staff: "Agent or Ticket Coordinator",
  admin: "Admin",
  operator: "Operator (tts) or Admin",
  superuser: "Admin of both hdts and tts",
};

/** Where a person lands after signing in: the page of their main job. */
export function homePath(user: SessionUser): string {
  if (isOperator(user) && !isAdmin(user) && !isAgent(user) && !isCoordinator(user) && !isEmployee(user)) return "/ops";
  if (isAgent(user) && !isAdmin(user)) return "/tasks";
  if (isCoordinator(user)) return "/triage";
  return "/tickets";
}

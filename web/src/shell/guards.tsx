import type { ReactNode } from "react";
import { Navigate, Outlet, useLocation } from "react-router";

import { CAPABILITY_CHECK, CAPABILITY_ROLE, homePath, type Capability } from "../auth/roles";
import { useSession, useUser } from "../auth/SessionProvider";
import { LoadingState } from "../components/QueryState";

/** Pages behind sign-in: nobody signed in goes to Sign in, keeping where they were going. */
export function RequireSession({ children }: { children?: ReactNode }) {
  const { user } = useSession();
  const location = useLocation();
  if (user === undefined) return <LoadingState label="Checking your session…" />;
  if (user === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`} replace />;
  }
  return children ?? <Outlet />;
}

/** A page for one role: others get a 403 that names the role needed. */
export function RequireRole({ capability }: { capability: Capability }) {
  const user = useUser();
  if (!CAPABILITY_CHECK[capability](user)) {
    return (
      <section className="page" aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">Not allowed</h1>
        <p role="alert">
          This page needs the {CAPABILITY_ROLE[capability]} role. Ask an administrator if you need access.
        </p>
      </section>
    );
  }
  return <Outlet />;
}

export function HomeRedirect() {
  const user = useUser();
  return <Navigate to={homePath(user)} replace />;
}

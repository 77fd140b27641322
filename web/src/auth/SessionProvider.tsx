import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { ProblemError } from "../api/problem";
import { readCookie, session } from "../api/session";
import type { SessionUser } from "./roles";

interface SessionState {
  /** undefined while the first check runs; null when nobody is signed in. */
  user: SessionUser | null | undefined;
  /** The session ended under an open page: the re-login dialog is showing. */
  expired: boolean;
  signIn(email: string, password: string, otp?: string): Promise<SessionUser>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

async function fetchMe(): Promise<SessionUser | null> {
  const me = () => fetch("/api/auth/me", { credentials: "same-origin" });
  let response = await me();
  if (response.status === 401 && (await session.refresh())) response = await me();
  if (!response.ok) return null;
  return (await response.json()) as SessionUser;
}

async function postLogin(email: string, password: string, otp?: string): Promise<SessionUser> {
  const response = await fetch("/api/auth/web/login", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(otp ? { email, password, otp } : { email, password }),
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ProblemError(response.status, body);
  return (body as { user: SessionUser }).user;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const queryClient = useQueryClient();

  useEffect(() => {
    let live = true;
    fetchMe().then(
      (found) => live && setUser(found),
      () => live && setUser(null),
    );
    const unsubscribe = session.subscribe(setExpired);
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);

  const signIn = useCallback(
    async (email: string, password: string, otp?: string) => {
      const signedIn = await postLogin(email, password, otp);
      if (session.expired && user && signedIn.id !== user.id) {
        // Someone else signed in over another person's page: nothing of it may carry over.
        window.location.assign("/");
        return signedIn;
      }
      setUser(signedIn);
      session.resumed();
      return signedIn;
    },
    [user],
  );

  const signOut = useCallback(async () => {
    const logout = () =>
      fetch("/api/auth/web/logout", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-TOKEN": readCookie("csrf_access_token") ?? "" },
      }).catch(() => undefined);
    // An expired access cookie cannot end the session: refresh first, or the refresh
    // cookie left behind would sign the person straight back in.
    const out = await logout();
    if (out?.status === 401 && (await session.refresh())) await logout();
    session.reset();
    queryClient.clear();
    setUser(null);
  }, [queryClient]);

  const value = useMemo(() => ({ user, expired, signIn, signOut }), [user, expired, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}

/** The signed-in person (only under routes that require one). */
export function useUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error("useUser without a signed-in user");
  return user;
}

import { useEffect } from "react";
import { useBlocker, type Blocker } from "react-router";

/**
 * While `unsaved`, leaving asks first. Navigation inside the app is held by the returned
 * blocker (state "blocked": show a question, then `proceed()` or `reset()`); closing or
 * reloading the tab gets the browser's own "Leave site?" prompt, the only one it allows.
 * Needs a data router (the app's `createBrowserRouter`).
 */
export function useLeaveGuard(unsaved: boolean): Blocker {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => unsaved && currentLocation.pathname !== nextLocation.pathname);

  useEffect(() => {
    if (!unsaved) return;
    const ask = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = ""; // browsers that predate preventDefault() here
    };
    window.addEventListener("beforeunload", ask);
    return () => window.removeEventListener("beforeunload", ask);
  }, [unsaved]);

  // Saved (or discarded) meanwhile: nothing to ask about any more.
  useEffect(() => {
    if (blocker.state === "blocked" && !unsaved) blocker.proceed();
  }, [blocker, unsaved]);

  return blocker;
}

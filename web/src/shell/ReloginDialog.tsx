import { useEffect, useRef } from "react";

import { useSession } from "../auth/SessionProvider";
import { SignInForm } from "../pages/SignInForm";

/**
 * The session ended under an open page. Signing in again here keeps the page — and every
 * half-typed draft on it — and the requests that were waiting resume by themselves.
 */
export function ReloginDialog() {
  const { expired, user } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (expired && !element.open) element.showModal?.();
    if (!expired && element.open) element.close();
  }, [expired]);
  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-labelledby="relogin-title"
      // Escape must not dismiss it: the page cannot work until the person signs in.
      onCancel={(event) => event.preventDefault()}
    >
      <h2 id="relogin-title">Your session has ended</h2>
      <p>Sign in again to carry on. Nothing you typed on this page is lost.</p>
      {expired && <SignInForm defaultEmail={user?.email ?? ""} />}
    </dialog>
  );
}

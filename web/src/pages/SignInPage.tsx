import { useEffect } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";

import { homePath } from "../auth/roles";
import { useSession } from "../auth/SessionProvider";
import { prefetchHomePages } from "./prefetch";
import { SignInForm } from "./SignInForm";

/** Only same-site paths are followed after sign-in (no open redirect). */
function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export default function SignInPage() {
  const { user } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  useEffect(() => {
    document.title = "Sign in · TTS";
    prefetchHomePages();
  }, []);
  if (user) return <Navigate to={next ?? homePath(user)} replace />;
  return (
    <main id="main" className="sign-in">
      <section className="card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to TTS</h1>
        <SignInForm onSignedIn={(signedIn) => navigate(next ?? homePath(signedIn), { replace: true })} />
        <p className="small">
          <Link to="/forgot-password">Forgot your password?</Link> · <Link to="/register">Create an account</Link>
        </p>
      </section>
    </main>
  );
}

import { isRouteErrorResponse, Link, useRouteError } from "react-router";

import { errorDetail } from "../api/problem";

/** A page that failed to load or render (a new deploy replaced its chunk, most often). */
export function ErrorPage() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : errorDetail(error);
  return (
    <section className="page" aria-labelledby="error-title">
      <h1 id="error-title">This page could not be shown</h1>
      <p role="alert">{detail}</p>
      <p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Retry
        </button>{" "}
        <Link to="/">Go to your home page</Link>
      </p>
    </section>
  );
}

import { Link } from "react-router";

export default function NotFoundPage() {
  return (
    <section className="page" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to your home page</Link>.
      </p>
    </section>
  );
}

import { useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";

import { QueryState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { NOTIFY, REFRESH_MS, formatTime, opsGet } from "./api";

interface Mail {
  key?: string;
  to?: string;
  subject?: string;
  caught_at?: string | null;
  body?: string;
}

const LINK = /(https?:\/\/[^\s<>"')]+)/g;

/** The body as text, its links clickable (never rendered as HTML). */
function Body({ text }: { text: string }) {
  const parts = text.split(LINK);
  return (
    <pre className="mail-body">
      {parts.map((part, i) =>
        i % 2 ? (
          <a key={i} href={part} rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </pre>
  );
}

/** Development only: what the local mail catcher caught (the page is hidden where none runs). */
export default function MailPage() {
  usePageTitle("Mail (development)");
  const [open, setOpen] = useState<string | null>(null);
  const mail = useQuery({
    queryKey: ["ops", "mail"],
    queryFn: () => opsGet<Mail[]>(NOTIFY, "/mail", { limit: 50 }),
    refetchInterval: REFRESH_MS,
  });
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Mail (development)</h1>
      <p className="muted">Emails caught by the development mail catcher, newest first. Nothing here was really sent. One-time links are masked except in your own emails (on the server, <code>tts mail show KEY --reveal</code> shows them whole).</p>
      <QueryState query={mail} loadingLabel="Loading caught emails…" isEmpty={(d) => !d.length} empty={<p>No email caught yet. Invite someone or ask for a password reset, and it shows here.</p>}>
        {(items) => (
          <ul className="cards" aria-label="Caught emails">
            {items.map((m) => (
              <li key={m.key} className="card" aria-label={`${m.subject} to ${m.to}`}>
                <div className="row wrap">
                  <h3 className="card-title">{m.subject}</h3>
                  <span className="small muted">{formatTime(m.caught_at)}</span>
                </div>
                <p className="small">To: {m.to}</p>
                <button type="button" className="button small" aria-expanded={open === m.key} onClick={() => setOpen(open === m.key ? null : m.key ?? null)}>
                  {open === m.key ? "Hide the email" : "Show the email"}
                </button>
                {open === m.key && <Body text={m.body ?? ""} />}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}

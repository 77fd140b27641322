import { NavLink, Outlet } from "react-router";

import { isSuperuser } from "../../auth/roles";
import { useUser } from "../../auth/SessionProvider";
import { useMailCatcher } from "./api";
import "./ops.css";

const TABS = [
  { to: "/ops", label: "Overview", end: true },
  { to: "/ops/failures", label: "Failures" },
  { to: "/ops/dead", label: "Dead letters" },
  { to: "/ops/outbox", label: "Outbox and timers" },
  { to: "/ops/audit", label: "Audit" },
];

/** The Operations section: its own tabs above each page (Mail only where a catcher runs,
 *  and only for superusers). */
export default function OpsLayout() {
  const mail = useMailCatcher(isSuperuser(useUser()));
  return (
    <div className="ops">
      <nav className="ops-tabs" aria-label="Operations">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.to}>
              <NavLink to={tab.to} end={tab.end}>
                {tab.label}
              </NavLink>
            </li>
          ))}
          {mail.data === true && (
            <li>
              <NavLink to="/ops/mail">Mail (development)</NavLink>
            </li>
          )}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}

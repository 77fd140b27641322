import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { NavLink, Outlet, matchPath, useLocation, useNavigate } from "react-router";

import { isAdmin, isAgent, isCoordinator, isEmployee, isOperator, type SessionUser } from "../auth/roles";
import { useUser, useSession } from "../auth/SessionProvider";
import { NotificationsLive, useLiveNotifications, useNotificationList } from "../live/notifications";
import { NotificationsDrawer } from "./NotificationsDrawer";
import { ReloginDialog } from "./ReloginDialog";
import { Shortcuts } from "./shortcuts";

interface NavItem {
  to: string;
  label: string;
  show(user: SessionUser): boolean;
  /** Stays highlighted on the pages below it. */
  section?: boolean;
}

// Each person sees the pages of their roles only (the API enforces; this keeps it calm).
const NAV: NavItem[] = [
  { to: "/tickets", label: "My tickets", show: isEmployee },
  { to: "/tickets/new", label: "New ticket", show: isEmployee },
  { to: "/tasks", label: "My tasks", show: isAgent },
  { to: "/triage", label: "Triage", show: isCoordinator },
  { to: "/unrouted", label: "Unrouted", show: isCoordinator },
  { to: "/all-tickets", label: "All tickets", show: isCoordinator },
  { to: "/admin/users", label: "Users", show: isAdmin },
  { to: "/admin/categories", label: "Categories", show: isAdmin },
  { to: "/admin/workflows", label: "Workflows", show: isAdmin },
  { to: "/admin/reports", label: "Reports", show: isAdmin },
];

// Operations (issue 15) is a section of its own, after everything else.
const OPERATIONS: NavItem = { to: "/ops", label: "Operations", show: isOperator, section: true };

// A phone's bottom bar has room for five entries: with more pages than that, it shows
// the first four and "More", which opens the rest (never a bar that scrolls sideways).
const BAR_ENTRIES = 5;

function isCurrent(item: NavItem, pathname: string): boolean {
  return matchPath({ path: item.to, end: !item.section }, pathname) !== null;
}

/** The phone's "More": a disclosure button and the list of the pages the bar has no room
 *  for. Marked active (and named so) while one of those pages is open. Escape closes it
 *  and gives focus back to the button; so does leaving it. */
function MoreMenu({ items }: { items: NavItem[] }) {
  const [open, setOpen] = useState(false);
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const { pathname } = useLocation();
  const current = items.find((item) => isCurrent(item, pathname));

  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    list.current?.querySelector("a")?.focus();
    const outside = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
      return;
    }
    if (!open || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    // Arrow keys move through the list as in a menu; Tab works too.
    const links = [...(list.current?.querySelectorAll("a") ?? [])];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = event.key === "ArrowDown" ? at + 1 : at - 1;
    links[(next + links.length) % links.length]?.focus();
    event.preventDefault();
  }

  return (
    <div
      ref={wrapper}
      className="nav-more"
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        if (!wrapper.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className={current ? "nav-more-button active" : "nav-more-button"}
        aria-expanded={open}
        aria-controls="nav-more-list"
        onClick={() => setOpen((o) => !o)}
      >
        More
        {current && <span className="visually-hidden">, current page: {current.label}</span>}
      </button>
      <ul id="nav-more-list" ref={list} className="nav-more-list" hidden={!open}>
        {items.map((item) => (
          <li key={item.to}>
            <NavLink to={item.to} end={!item.section}>
              {item.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The role-filtered navigation: a side list on wide screens, a bottom bar on phones. */
function MainNav({ items }: { items: NavItem[] }) {
  const overflow = items.length > BAR_ENTRIES ? items.slice(BAR_ENTRIES - 1) : [];
  return (
    <nav className="sidenav" aria-label="Main">
      <ul className="nav-list">
        {items.map((item) => (
          // On a phone the bar hides these (CSS); "More" lists them instead.
          <li key={item.to} className={overflow.includes(item) ? "nav-overflow" : undefined}>
            <NavLink to={item.to} end={!item.section}>
              {item.label}
            </NavLink>
          </li>
        ))}
        {overflow.length > 0 && (
          <li className="nav-more-entry">
            <MoreMenu items={overflow} />
          </li>
        )}
      </ul>
    </nav>
  );
}

function Bell({ onOpen }: { onOpen: () => void }) {
  const list = useNotificationList();
  const unread = list.data?.unread_count ?? 0;
  return (
    <button type="button" className="bell" aria-label="Notifications" aria-describedby="unread-count" onClick={onOpen}>
      <svg className="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      <span className={unread ? "bell-count" : "bell-count zero"} data-testid="unread-count">
        {unread}
      </span>
    </button>
  );
}

function LiveAnnouncer() {
  const { latest, status } = useLiveNotifications();
  const list = useNotificationList();
  const unread = list.data?.unread_count ?? 0;
  return (
    <>
      <span id="unread-count" className="visually-hidden">
        {unread} unread
      </span>
      <div className="visually-hidden" role="status" aria-live="polite">
        {latest ? `New notification: ${latest.subject}` : ""}
      </div>
      {status === "reconnecting" && (
        <div className="banner" role="status">
          Reconnecting… live updates resume in a moment.
        </div>
      )}
    </>
  );
}

function UserMenu({ user, onShortcuts }: { user: SessionUser; onShortcuts: () => void }) {
  const { signOut } = useSession();
  const navigate = useNavigate();
  const menu = useRef<HTMLDetailsElement>(null);
  return (
    // Any choice inside closes the menu (a <details> would otherwise stay open).
    <details className="user-menu" ref={menu} onClick={(event) => {
      if ((event.target as HTMLElement).closest("a")) menu.current?.removeAttribute("open");
    }}>
      <summary aria-label={`Account: ${user.name || user.email}`}>
        <span aria-hidden="true" className="avatar">
          {(user.name || user.email).slice(0, 1).toUpperCase()}
        </span>
      </summary>
      <div className="menu">
        <p className="small">
          <strong>{user.name}</strong>
          <br />
          <span className="muted">{user.email}</span>
        </p>
        <p>
          <NavLink to="/notifications">All notifications</NavLink>
          <br />
          <NavLink to="/account/security">Two-factor sign-in</NavLink>
          <br />
          <button
            type="button"
            className="linkish"
            aria-keyshortcuts="?"
            onClick={() => {
              // The dialog gives focus back to what had it: the menu's button, still shown.
              menu.current?.removeAttribute("open");
              menu.current?.querySelector("summary")?.focus();
              onShortcuts();
            }}
          >
            Keyboard shortcuts <kbd aria-hidden="true">?</kbd>
          </button>
        </p>
        <button
          type="button"
          className="button"
          onClick={async () => {
            await signOut();
            navigate("/sign-in");
          }}
        >
          Sign out
        </button>
      </div>
    </details>
  );
}

export default function AppShell() {
  const user = useUser();
  const [drawer, setDrawer] = useState(false);
  const [shortcuts, setShortcuts] = useState(false);
  const items = [...NAV, OPERATIONS].filter((item) => item.show(user));
  return (
    <NotificationsLive>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          TTS
        </NavLink>
        <div className="topbar-actions">
          <Bell onOpen={() => setDrawer(true)} />
          <UserMenu user={user} onShortcuts={() => setShortcuts(true)} />
        </div>
      </header>
      <div className="layout">
        <MainNav items={items} />
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
      <LiveAnnouncer />
      <NotificationsDrawer open={drawer} onClose={() => setDrawer(false)} />
      <ReloginDialog />
      <Shortcuts user={user} help={shortcuts} setHelp={setShortcuts} />
    </NotificationsLive>
  );
}

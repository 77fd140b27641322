import { useEffect, useMemo, useRef } from "react";
import { useNavigate } from "react-router";

import type { SessionUser } from "../auth/roles";
import { isAgent, isCoordinator, isEmployee } from "../auth/roles";

interface Shortcut {
  keys: string;
  does: string;
  to: string;
  allowed(user: SessionUser): boolean;
}

// As in GitHub, Linear and Zammad: "g" then a letter goes somewhere; "c" creates.
const SHORTCUTS: Shortcut[] = [
  { keys: "g t", does: "My tickets", to: "/tickets", allowed: isEmployee },
  { keys: "g m", does: "My tasks", to: "/tasks", allowed: isAgent },
  { keys: "g q", does: "Triage", to: "/triage", allowed: isCoordinator },
  { keys: "g n", does: "Notifications", to: "/notifications", allowed: () => true },
  { keys: "c", does: "New ticket", to: "/tickets/new", allowed: isEmployee },
];

/** Keys typed into a field are text, never shortcuts (WCAG 2.1.4). */
function typing(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  return element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
}

/** Global single-key shortcuts and the "?" cheat sheet (also opened from the user menu,
 *  through `help` and `setHelp`). */
export function Shortcuts({ user, help, setHelp }: { user: SessionUser; help: boolean; setHelp: (open: boolean) => void }) {
  const navigate = useNavigate();
  const dialog = useRef<HTMLDialogElement>(null);
  const allowed = useMemo(() => SHORTCUTS.filter((s) => s.allowed(user)), [user]);

  useEffect(() => {
    let prefix = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey || typing(event.target)) return;
      if (event.key === "?") {
        setHelp(true);
        return;
      }
      const sequence = prefix ? `${prefix} ${event.key}` : event.key;
      const match = allowed.find((s) => s.keys === sequence);
      if (match) {
        event.preventDefault();
        prefix = "";
        navigate(match.to);
        return;
      }
      prefix = event.key === "g" ? "g" : "";
      clearTimeout(timer);
      timer = setTimeout(() => (prefix = ""), 1500);
    }
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      clearTimeout(timer);
    };
  }, [allowed, navigate, setHelp]);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (help && !element.open) element.showModal?.();
    if (!help && element.open) element.close();
  }, [help]);

  return (
    <dialog ref={dialog} className="modal" aria-labelledby="shortcuts-title" onClose={() => setHelp(false)}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {allowed.map((s) => (
            <tr key={s.keys}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.does}</td>
            </tr>
          ))}
          <tr>
            <td>
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
            </td>
            <td>Send a message</td>
          </tr>
        </tbody>
      </table>
      <button type="button" className="button" onClick={() => setHelp(false)}>
        Close
      </button>
    </dialog>
  );
}

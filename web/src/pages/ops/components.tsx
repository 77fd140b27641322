import { useEffect, useRef, type ReactNode } from "react";

import { ProblemError } from "../../api/problem";

/** Green or red, in words as well as colour. */
export function Verdict({ verdict }: { verdict: "green" | "red" | "unreachable" | undefined }) {
  const text = verdict === "green" ? "Healthy" : verdict === "red" ? "Needs attention" : "Unreachable";
  const cls = verdict === "green" ? "ok" : "bad";
  return (
    <span className={`badge verdict-${cls}`} data-testid="verdict">
      <span aria-hidden="true">{verdict === "green" ? "✓ " : "✕ "}</span>
      {text}
    </span>
  );
}

export function StateBadge({ state }: { state: string | undefined }) {
  const cls = state === "alive" ? "ok" : "bad";
  return <span className={`badge verdict-${cls}`}>{state ?? "unknown"}</span>;
}

/** A modal dialog (native <dialog>; opened without showModal where a test DOM lacks it). */
export function Modal({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Focus goes back to what opened the dialog (the action's button) when it closes.
  useEffect(() => {
    if (!open) return;
    const opener = document.activeElement as HTMLElement | null;
    return () => opener?.focus?.();
  }, [open]);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    if (open && !element.open) {
      if (typeof element.showModal === "function") element.showModal();
      else element.setAttribute("open", "");
    } else if (!open && element.open) {
      if (typeof element.close === "function") element.close();
      else element.removeAttribute("open");
    }
  }, [open]);
  if (!open) return null;
  return (
    <dialog ref={ref} className="modal ops-modal" aria-labelledby="ops-modal-title" onClose={onClose} onCancel={onClose}>
      <h2 id="ops-modal-title">{title}</h2>
      {children}
    </dialog>
  );
}

/** Acting for real was refused: operators here may look but not act. */
export function isRefused(error: unknown): boolean {
  return error instanceof ProblemError && error.status === 403;
}

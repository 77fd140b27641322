import { useEffect, useId, useRef, type ReactNode } from "react";

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * Asks before something that throws work away. Shown while mounted; the safe choice has
 * the focus, so Enter or Escape never loses anything.
 */
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel, onConfirm, onCancel }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const safe = useRef<HTMLButtonElement>(null);
  const ids = useId();
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    // Focus returns to whatever opened the dialog once it closes.
    const opener = document.activeElement as HTMLElement | null;
    if (typeof element.showModal === "function") element.showModal();
    else element.setAttribute("open", ""); // a test DOM without <dialog> support
    safe.current?.focus();
    return () => {
      if (typeof element.close === "function" && element.open) element.close();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      role="alertdialog"
      className="modal wf-confirm"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-body`}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${ids}-title`}>{title}</h2>
      <div id={`${ids}-body`}>{children}</div>
      <div className="actions">
        <button ref={safe} type="button" className="button" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type="button" className="button danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

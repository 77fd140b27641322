import { useEffect, useId, useState } from "react";

import { errorDetail } from "../../api/problem";
import type { ActionResult } from "./api";
import { Modal, isRefused } from "./components";

/** Operators may look but not act here (the API said 403 to an action done for real). */
let refusal: string | null = null;
const listeners = new Set<(reason: string | null) => void>();

export function useActingRefused(): string | null {
  const [reason, setReason] = useState(refusal);
  useEffect(() => {
    listeners.add(setReason);
    return () => void listeners.delete(setReason);
  }, []);
  return reason;
}

function refuse(reason: string) {
  refusal = reason;
  listeners.forEach((listener) => listener(reason));
}

export function resetRefusal() {
  refusal = null;
}

interface Props {
  open: boolean;
  title: string;
  /** The confirm button: "Requeue", "Discard", "Purge", "Sweep". */
  verb: string;
  needsReason?: boolean;
  /** Destroys something (discard, purge): the confirm button says so in red. */
  danger?: boolean;
  /** Text the person types back before acting (purge: the queue name). */
  typeBack?: string;
  dryRun: (reason: string) => Promise<ActionResult>;
  act: (reason: string, preview: ActionResult) => Promise<ActionResult>;
  describePreview: (preview: ActionResult) => string;
  describeDone: (done: ActionResult) => string;
  onClose: () => void;
  onDone: (message: string) => void;
}

type Step = { at: "form" } | { at: "previewing" } | { at: "preview"; preview: ActionResult } | { at: "acting"; preview: ActionResult } | { at: "done"; message: string };

/** Every write shows its dry run first; acting for real is a second, explicit step. */
export function ActionDialog(props: Props) {
  const { open, title, verb, needsReason, danger, typeBack, dryRun, act, describePreview, describeDone, onClose, onDone } = props;
  const id = useId();
  const [step, setStep] = useState<Step>({ at: "form" });
  const [reason, setReason] = useState("");
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<unknown>(null);

  const preview = async () => {
    setError(null);
    setStep({ at: "previewing" });
    try {
      setStep({ at: "preview", preview: await dryRun(reason.trim()) });
    } catch (caught) {
      setError(caught);
      setStep({ at: "form" });
    }
  };

  useEffect(() => {
    if (!open) return;
    setStep({ at: "form" });
    setReason("");
    setTyped("");
    setError(null);
    if (!needsReason) void preview();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  const confirm = async (shown: ActionResult) => {
    setError(null);
    setStep({ at: "acting", preview: shown });
    try {
      const done = await act(reason.trim(), shown);
      const message = describeDone(done);
      setStep({ at: "done", message });
      onDone(message);
    } catch (caught) {
      if (isRefused(caught)) refuse(errorDetail(caught));
      setError(caught);
      setStep({ at: "preview", preview: shown });
    }
  };

  const shown = step.at === "preview" || step.at === "acting" ? step.preview : null;
  const typedOk = !typeBack || typed.trim() === typeBack;
  return (
    <Modal open={open} title={title} onClose={onClose}>
      <form
        className="stack"
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (step.at === "form") void preview();
          else if (shown && typedOk) void confirm(shown);
        }}
      >
        {needsReason && (
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <textarea
              id={`${id}-reason`}
              required
              maxLength={500}
              rows={2}
              value={reason}
              readOnly={step.at !== "form"}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
        )}
        {step.at === "previewing" && (
          <p role="status" className="muted">
            Dry run…
          </p>
        )}
        {shown && (
          <p role="status" className="notice" data-testid="dry-run">
            <strong>Dry run: </strong>
            {describePreview(shown)} Nothing has changed yet.
          </p>
        )}
        {shown && typeBack && (
          <div className="field">
            <label htmlFor={`${id}-typed`}>Type the queue name ({typeBack}) to confirm</label>
            <input id={`${id}-typed`} autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
          </div>
        )}
        {error !== null && (
          <p className="form-error" role="alert">
            {isRefused(error) ? "Not allowed: " : ""}
            {errorDetail(error)}
          </p>
        )}
        {step.at === "done" && (
          <p role="status" className="notice" data-testid="action-result">
            <strong>Done: </strong>
            {step.message}
          </p>
        )}
        <div className="actions">
          {step.at === "form" && needsReason && (
            <button type="submit" className="button primary" disabled={!reason.trim()}>
              Preview (dry run)
            </button>
          )}
          {shown && (
            <button
              type="submit"
              className={danger ? "button danger" : "button primary"}
              disabled={step.at === "acting" || !typedOk || (error !== null && isRefused(error))}
            >
              {step.at === "acting" ? `${verb}…` : `${verb} now`}
            </button>
          )}
          <button type="button" className="button" onClick={onClose}>
            {step.at === "done" ? "Close" : "Cancel"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

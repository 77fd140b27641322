import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { data, tickets as api } from "../../api/clients";
import { errorDetail } from "../../api/problem";
import type { Priority } from "../../api/types";
import { PrioritySelect } from "../../components/PrioritySelect";

type Action = "approve" | "reject" | "withdraw" | "hold" | "resume" | "resolve" | "reopen" | "close";

const ACTION_WORDS: Record<Action, string> = {
  approve: "Approve",
  reject: "Reject",
  withdraw: "Withdraw",
  hold: "Put on hold",
  resume: "Resume",
  resolve: "Resolve",
  reopen: "Reopen",
  close: "Close",
};
// These need a reason the requester will read (the API refuses them without one).
const NEEDS_REASON = new Set<Action>(["reject", "withdraw", "hold"]);
const PATHS = {
  approve: "/api/tickets/{ticket_id}/approve",
  reject: "/api/tickets/{ticket_id}/reject",
  withdraw: "/api/tickets/{ticket_id}/withdraw",
  hold: "/api/tickets/{ticket_id}/hold",
  resume: "/api/tickets/{ticket_id}/resume",
  resolve: "/api/tickets/{ticket_id}/resolve",
  reopen: "/api/tickets/{ticket_id}/reopen",
  close: "/api/tickets/{ticket_id}/close",
} as const;

export function useTicketAction(ticketId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, reason, priority }: { action: Action; reason?: string; priority?: Priority }) => {
      const params = { path: { ticket_id: ticketId } };
      if (action === "approve") {
        await api.POST(PATHS.approve, { params, body: { priority: priority ?? "medium" } });
      } else {
        await api.POST(PATHS[action], { params, body: { reason: reason ?? null } });
      }
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["tickets"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });
}

/** Only the actions the API allows this person now: no dead buttons. */
export function TicketActions({ ticketId, exclude = [] }: { ticketId: number; exclude?: Action[] }) {
  const allowed = useQuery({
    queryKey: ["tickets", "actions", ticketId],
    queryFn: async () =>
      data(await api.GET("/api/tickets/{ticket_id}/actions", { params: { path: { ticket_id: ticketId } } })),
  });
  const act = useTicketAction(ticketId);
  const [open, setOpen] = useState<Action | null>(null);
  const [reason, setReason] = useState("");
  const [priority, setPriority] = useState<Priority>("medium");
  const actions = ((allowed.data?.allowed_actions ?? []) as Action[]).filter((a) => a in PATHS && !exclude.includes(a));
  if (!actions.length) return null;

  function confirm(event: FormEvent) {
    event.preventDefault();
    if (!open) return;
    act.mutate(
      { action: open, reason: reason.trim() || undefined, priority },
      {
        onSuccess: () => {
          setOpen(null);
          setReason("");
        },
      },
    );
  }

  return (
    <section className="panel" aria-labelledby="ticket-actions-title">
      <h2 id="ticket-actions-title">Actions</h2>
      <div className="actions wrap">
        {actions.map((action) => (
          <button
            key={action}
            type="button"
            className={open === action ? "button active" : "button"}
            aria-expanded={open === action}
            onClick={() => {
              act.reset();
              if (NEEDS_REASON.has(action) || action === "approve") setOpen(open === action ? null : action);
              else act.mutate({ action });
            }}
            disabled={act.isPending}
          >
            {ACTION_WORDS[action]}
          </button>
        ))}
      </div>
      {open && (
        <form className="stack inset" onSubmit={confirm} aria-label={ACTION_WORDS[open]}>
          {open === "approve" ? (
            <PrioritySelect id="action-priority" value={priority} onChange={setPriority} />
          ) : (
            <div className="field">
              <label htmlFor="action-reason">Reason</label>
              <textarea id="action-reason" required rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
          )}
          <div className="actions">
            <button type="submit" className="button primary" disabled={act.isPending}>
              Confirm {ACTION_WORDS[open].toLowerCase()}
            </button>
            <button type="button" className="button ghost" onClick={() => setOpen(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {act.isError && (
        <p className="form-error" role="alert">
          {errorDetail(act.error)}
        </p>
      )}
    </section>
  );
}

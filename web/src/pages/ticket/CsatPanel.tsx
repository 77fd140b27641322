import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { tickets as api } from "../../api/clients";
import { errorDetail } from "../../api/problem";
import type { Ticket } from "../../api/types";

const SCALE = ["Very poor", "Poor", "Okay", "Good", "Excellent"];

/** Once resolved, the requester rates the help with one choice and an optional comment. */
export function CsatPanel({ ticket }: { ticket: Ticket }) {
  const queryClient = useQueryClient();
  const [rating, setRating] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const rate = useMutation({
    mutationFn: async () => {
      await api.POST("/api/tickets/{ticket_id}/csat", {
        params: { path: { ticket_id: ticket.id! } },
        body: { rating: rating!, comment },
      });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["tickets", "detail", ticket.id] });
      void queryClient.invalidateQueries({ queryKey: ["tickets", "history", ticket.id] });
    },
  });
  const given = ticket.csat && "rating" in ticket.csat ? ticket.csat : null;
  if (given?.rating) {
    return (
      <section className="panel" aria-labelledby="csat-title">
        <h2 id="csat-title">Your rating</h2>
        <p>
          You rated this {given.rating} out of 5 ({SCALE[given.rating - 1]}). Thank you.
        </p>
      </section>
    );
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    if (rating) rate.mutate();
  }
  return (
    <section className="panel" aria-labelledby="csat-title">
      <h2 id="csat-title">How did we do?</h2>
      <form className="stack" onSubmit={submit}>
        <fieldset>
          <legend>Rating</legend>
          <div className="rating">
            {SCALE.map((words, index) => (
              <label key={words} className="rating-option">
                <input type="radio" name="rating" value={index + 1} checked={rating === index + 1} onChange={() => setRating(index + 1)} />
                {index + 1} – {words}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="csat-comment">Comment (optional)</label>
          <textarea id="csat-comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
        </div>
        <button type="submit" className="button primary" disabled={!rating || rate.isPending}>
          Rate
        </button>
        {rate.isError && (
          <p className="form-error" role="alert">
            {errorDetail(rate.error)}
          </p>
        )}
      </form>
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";

import { data, tickets as api } from "../api/clients";
import { ProblemError, errorDetail } from "../api/problem";
import { DEPARTMENTS, type Department, type Ticket } from "../api/types";
import { submitTicketWithFiles } from "../api/uploads";
import { useUser } from "../auth/SessionProvider";
import { FileDrop } from "../components/Attachments";
import { QueryState } from "../components/QueryState";
import { useDraft } from "../lib/drafts";
import { usePageTitle } from "../lib/usePageTitle";
import { AssetFields, BudgetFields, EMPTY_ASSET, EMPTY_BUDGET, detailsPayload } from "./CategoryFields";

const EMPTY_DRAFT = {
  subject: "",
  description: "",
  category: "",
  subcategory: "",
  department: "" as Department | "",
  asset: EMPTY_ASSET,
  budget: EMPTY_BUDGET,
};

// The service refuses a longer subject (422); the form says so as it is typed, and never
// cuts a pasted subject short without a word (no maxLength).
const SUBJECT_MAX = 200;

/** Where the server named a field, or a form-level failure: keys as in `fieldErrors`. */
const FIELD_LABELS: Record<string, string> = {
  subject: "Subject",
  description: "Description",
  category: "Category",
  subcategory: "Subcategory",
  department: "Department",
};

export default function NewTicketPage() {
  usePageTitle("New ticket");
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft, clearDraft] = useDraft(`new-ticket.${user.id}`, EMPTY_DRAFT);
  const [files, setFiles] = useState<File[]>([]);
  const categories = useQuery({
    queryKey: ["categories"],
    queryFn: async () => data(await api.GET("/api/tickets/categories")),
    staleTime: 5 * 60_000,
  });
  const category = categories.data?.items?.find((c) => c.name === draft.category);
  const set = <K extends keyof typeof EMPTY_DRAFT>(key: K, value: (typeof EMPTY_DRAFT)[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = useMutation({
    mutationFn: async () => {
      const ticket = {
        subject: draft.subject.trim(),
        description: draft.description.trim(),
        category: draft.category,
        subcategory: draft.subcategory || null,
        department: draft.department as Department,
        details: detailsPayload(category?.details_kind, draft.asset, draft.budget),
      };
      // With files, the ticket and its files are one request: a refused file refuses the
      // ticket with it, and the form keeps everything to fix and send again.
      const created = files.length
        ? await submitTicketWithFiles<Ticket>(ticket, files)
        : data(await api.POST("/api/tickets", { body: ticket }));
      return created;
    },
    onSuccess: (created) => {
      clearDraft();
      void queryClient.invalidateQueries({ queryKey: ["tickets"] });
      navigate(`/tickets/${created.number}`, { state: { submitted: true } });
    },
  });

  const subjectLength = draft.subject.trim().length;
  const subjectTooLong = subjectLength > SUBJECT_MAX;
  const [blocked, setBlocked] = useState(false);
  const tooLong = `The subject is ${subjectLength} characters long; shorten it to ${SUBJECT_MAX} or fewer.`;
  const serverErrors = submit.error instanceof ProblemError ? submit.error.fieldErrors : {};
  const errors: Record<string, string[]> = blocked && subjectTooLong ? { subject: [tooLong] } : serverErrors;
  const invalid = Object.keys(errors);
  const showSummary = (blocked && subjectTooLong) || submit.isError;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (subjectTooLong) {
      setBlocked(true);
      submit.reset();
      document.getElementById("ticket-subject")?.focus();
      return;
    }
    setBlocked(false);
    submit.mutate();
  }

  return (
    <section className="page narrow" aria-labelledby="page-title">
      <h1 id="page-title">New ticket</h1>
      <QueryState query={categories} loadingLabel="Loading categories…">
        {(catalogue) => (
          <form className="stack" onSubmit={onSubmit} aria-describedby={showSummary ? "submit-error" : undefined}>
            {showSummary && (
              <div className="form-error-summary" id="submit-error" role="alert" tabIndex={-1}>
                <p>{submit.isError ? errorDetail(submit.error) : "The ticket was not sent: check the field below."}</p>
                {invalid.length > 0 && (
                  <ul>
                    {invalid.map((name) => (
                      <li key={name}>
                        <a href={`#ticket-${name.split(".").pop()}`}>{FIELD_LABELS[name] ?? name}</a>: {errors[name]!.join(" ")}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
            <div className="field">
              <label htmlFor="ticket-subject">Subject</label>
              <input
                id="ticket-subject"
                required
                value={draft.subject}
                onChange={(e) => set("subject", e.target.value)}
                aria-invalid={!!errors.subject || subjectTooLong}
                aria-describedby="ticket-subject-count"
              />
              <p id="ticket-subject-count" className={subjectTooLong ? "field-count form-error small" : "field-count muted small"}>
                {subjectLength} / {SUBJECT_MAX}
                {subjectTooLong && ` — ${subjectLength - SUBJECT_MAX} too many`}
              </p>
              {subjectTooLong && (
                // Said once, when the limit is crossed, not at every key.
                <p className="form-error" role="alert">
                  {tooLong}
                </p>
              )}
            </div>
            <div className="field">
              <label htmlFor="ticket-description">Description</label>
              <textarea id="ticket-description" required rows={6} value={draft.description} onChange={(e) => set("description", e.target.value)} aria-invalid={!!errors.description} />
            </div>
            <div className="row">
              <div className="field">
                <label htmlFor="ticket-category">Category</label>
                <select
                  id="ticket-category"
                  required
                  value={draft.category}
                  onChange={(e) => {
                    const chosen = catalogue.items?.find((c) => c.name === e.target.value);
                    setDraft((d) => ({
                      ...d,
                      category: e.target.value,
                      subcategory: "",
                      // The category's usual department, unless one was picked already.
                      department: (chosen?.default_department as Department | undefined) ?? d.department,
                    }));
                  }}
                >
                  <option value="">Choose a category…</option>
                  {catalogue.items
                    ?.filter((c) => c.active !== false)
                    .map((c) => (
                      <option key={c.id} value={c.name}>
                        {c.name}
                      </option>
                    ))}
                </select>
                <p className="muted small">Not sure? Choose “Others” and describe the problem.</p>
              </div>
              {category?.subcategories && category.subcategories.length > 0 && (
                <div className="field">
                  <label htmlFor="ticket-subcategory">Subcategory</label>
                  <select id="ticket-subcategory" value={draft.subcategory} onChange={(e) => set("subcategory", e.target.value)}>
                    <option value="">Choose…</option>
                    {category.subcategories
                      .filter((s) => s.active !== false)
                      .map((s) => (
                        <option key={s.id} value={s.name}>
                          {s.name}
                        </option>
                      ))}
                  </select>
                </div>
              )}
              <div className="field">
                <label htmlFor="ticket-department">Department</label>
                <select id="ticket-department" required value={draft.department} onChange={(e) => set("department", e.target.value as Department)}>
                  <option value="">Choose a department…</option>
                  {(catalogue.departments ?? DEPARTMENTS).map((d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            {category?.details_kind === "asset" && <AssetFields value={draft.asset} onChange={(v) => set("asset", v)} errors={errors} />}
            {category?.details_kind === "budget" && <BudgetFields value={draft.budget} onChange={(v) => set("budget", v)} errors={errors} />}
            <FileDrop files={files} onChange={setFiles} />
            <div className="actions">
              <button type="submit" className="button primary" disabled={submit.isPending}>
                {submit.isPending ? "Submitting…" : "Submit"}
              </button>
              <span className="muted small" aria-live="polite">
                {draft.subject || draft.description ? "Draft saved on this device." : ""}
              </span>
            </div>
          </form>
        )}
      </QueryState>
    </section>
  );
}

import { useEffect, useId, useRef, useState, type ReactNode } from "react";

import { ProblemError, errorDetail } from "../../api/problem";
import { ConfirmDialog } from "./ConfirmDialog";
import { WorkflowGraph } from "./Graph";
import {
  describePath,
  fieldId,
  focusTarget,
  parseNumber,
  parseRole,
  POLICIES,
  roleText,
  SLA_PRIORITIES,
  WEEKDAYS,
  type DefinitionDraft,
  type StepDraft,
  type TransitionDraft,
} from "./model";

export interface EditorActions {
  save(definition: DefinitionDraft): Promise<void>;
  /** Check the definition as shown; stores nothing. */
  validate(definition: DefinitionDraft): Promise<void>;
  publish(definition: DefinitionDraft): Promise<number | undefined>;
  reload(): Promise<void>;
  /** Back to the saved draft (the editor has asked). */
  discard(): void;
  /** The draft becomes the published definition, on the server (the editor has asked). */
  revert(): Promise<void>;
  /** Who saved last, and when, in words ("Dana Admin, Wed 14:30"), for a 412. */
  lastChange?(): Promise<string | null>;
}

interface Props {
  initial: DefinitionDraft;
  publishedVersion: number | null | undefined;
  /** The stored draft differs from the published version. */
  draftChanged?: boolean | null;
  actions: EditorActions;
  readOnly?: boolean;
  /** The draft starts as unsaved changes ("Edit as draft" from a published version). */
  startDirty?: boolean;
  /** Said once the editor opens (what the last action did, e.g. a revert). */
  startNotice?: string;
  /** Told whenever the editor gains or loses unsaved changes. */
  onDirtyChange?(dirty: boolean): void;
}

type Problems = Record<string, string[]>;

/** The messages the server gave for one path, beside its field (and described by it). */
function FieldProblems({ path, problems }: { path: string; problems: Problems }) {
  const messages = problems[path];
  if (!messages?.length) return null;
  return (
    <p className="form-error" id={`${fieldId(path)}-error`}>
      <span aria-hidden="true">⚠ </span>
      {messages.join("; ")}
    </p>
  );
}

function invalidProps(path: string, problems: Problems) {
  const bad = !!problems[path]?.length;
  return { id: fieldId(path), "aria-invalid": bad || undefined, "aria-describedby": bad ? `${fieldId(path)}-error` : undefined };
}

function TextField(props: {
  path: string;
  label: string;
  value: string;
  problems: Problems;
  readOnly?: boolean;
  onChange(value: string): void;
  type?: string;
  list?: string;
  placeholder?: string;
  hint?: string;
}) {
  const { path, label, value, problems, onChange, readOnly, type = "text", list, placeholder, hint } = props;
  return (
    <div className="field">
      <label htmlFor={fieldId(path)}>{label}</label>
      {hint && <span className="muted small">{hint}</span>}
      <input
        {...invalidProps(path, problems)}
        type={type}
        value={value}
        list={list}
        placeholder={placeholder}
        readOnly={readOnly}
        step={type === "number" ? "any" : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldProblems path={path} problems={problems} />
    </div>
  );
}

function Check(props: { path: string; label: string; checked: boolean; problems: Problems; readOnly?: boolean; onChange(v: boolean): void }) {
  const { path, label, checked, problems, readOnly, onChange } = props;
  return (
    <div className="field check">
      <label>
        <input {...invalidProps(path, problems)} type="checkbox" checked={checked} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
      <FieldProblems path={path} problems={problems} />
    </div>
  );
}

function Section({ path, title, problems, children }: { path: string; title: string; problems: Problems; children: ReactNode }) {
  return (
    <section className="panel wf-section" aria-labelledby={`${fieldId(path)}-title`}>
      <h2 id={`${fieldId(path)}-title`}>
        <span id={fieldId(path)} tabIndex={-1}>
          {title}
        </span>
      </h2>
      <FieldProblems path={path} problems={problems} />
      {children}
    </section>
  );
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** The draft as forms (no dragging needed), a graph preview, and the Problems panel where
 * each problem names its field and clicking it focuses that field. */
export function DraftEditor({ initial, publishedVersion, draftChanged, actions, readOnly, startDirty = false, startNotice = "", onDirtyChange }: Props) {
  const [draft, setDraft] = useState<DefinitionDraft>(initial);
  const [dirty, setDirty] = useState(startDirty);
  const [problems, setProblems] = useState<Problems | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState(false);
  const [changedBy, setChangedBy] = useState<string | null>(null);
  const [notice, setNotice] = useState(startNotice);
  const [asking, setAsking] = useState<"discard" | "revert" | null>(null);
  const problemsHeading = useRef<HTMLHeadingElement>(null);
  const rolesList = useId();
  const shown = problems ?? {};

  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange]);

  const change = (next: DefinitionDraft) => {
    setDraft(next);
    setDirty(true);
    setNotice("");
  };
  const setStep = (index: number, patch: Partial<StepDraft>) =>
    change({ ...draft, steps: draft.steps.map((s, i) => (i === index ? { ...s, ...patch } : s)) });
  const setTransition = (index: number, patch: Partial<TransitionDraft>) =>
    change({ ...draft, transitions: draft.transitions.map((t, i) => (i === index ? { ...t, ...patch } : t)) });
  const setCalendar = (patch: Record<string, unknown>) => change({ ...draft, calendar: { ...(draft.calendar ?? {}), ...patch } });

  const focusPath = (path: string) => {
    const id = focusTarget(path, (candidate) => !!document.getElementById(candidate));
    const element = document.getElementById(id);
    element?.focus();
    element?.scrollIntoView?.({ block: "center" });
  };

  async function run(label: string, work: () => Promise<void>) {
    setBusy(label);
    setError(null);
    setNotice("");
    try {
      await work();
    } catch (caught) {
      if (caught instanceof ProblemError && caught.status === 412) {
        setConflict(true);
        setChangedBy(null);
        actions.lastChange?.().then(setChangedBy, () => setChangedBy(null));
      } else if (caught instanceof ProblemError && caught.status === 422 && Object.keys(caught.fieldErrors).length) {
        setProblems(caught.fieldErrors);
        setTimeout(() => problemsHeading.current?.focus(), 0);
      } else {
        setError(caught);
      }
    } finally {
      setBusy(null);
    }
  }

  // Unsaved edits are checked before they are stored: a broken draft is never saved on
  // the way to publishing it.
  const checkAndSaveIfDirty = async () => {
    if (dirty) {
      await actions.validate(draft);
      await actions.save(draft);
      setDirty(false);
    }
  };
  const onSave = () =>
    run("save", async () => {
      await actions.save(draft);
      setDirty(false);
      setNotice("Draft saved.");
    });
  // Checks what is on screen, saved or not, and stores nothing.
  const onValidate = () =>
    run("validate", async () => {
      await actions.validate(draft);
      setProblems({});
      setNotice(`No problems: the draft can be published.${dirty ? " Your changes are not saved yet." : ""}`);
    });
  const onPublish = () =>
    run("publish", async () => {
      await checkAndSaveIfDirty();
      const number = await actions.publish(draft);
      setProblems({});
      setNotice(`Published as version ${number ?? ""}.`);
    });
  const onReload = () =>
    run("reload", async () => {
      await actions.reload();
      setConflict(false);
      setDirty(false);
      setProblems(null);
    });

  const onDiscard = () => {
    setAsking(null);
    actions.discard();
  };
  const onRevert = () => {
    setAsking(null);
    void run("revert", actions.revert);
  };

  const problemList = Object.entries(shown);
  const stepKeys = draft.steps.map((s) => s.key).filter(Boolean);
  const knownRoles = [...new Set(draft.steps.flatMap((s) => [roleText(s.role), roleText(s.escalation_role)]).filter(Boolean))];
  const publishBlocked = problems === null ? false : problemList.length > 0;

  return (
    <div className="wf-editor">
      <div className="wf-version-bar" role="group" aria-label="Draft actions">
        <span className="wf-state">
          <span className="badge">{publishedVersion ? `Published v${publishedVersion}` : "Not published yet"}</span>
          <span className="badge status-open">
            Draft{dirty ? " · unsaved changes" : draftChanged ? " · not yet published" : publishedVersion ? " · same as published" : ""}
          </span>
        </span>
        {!readOnly && (
          <>
            <span className="wf-actions">
              <button type="button" className="button" onClick={onSave} disabled={!!busy}>
                {busy === "save" ? "Saving…" : "Save draft"}
              </button>
              <button type="button" className="button" onClick={onValidate} disabled={!!busy}>
                {busy === "validate" ? "Validating…" : "Validate"}
              </button>
              <button
                type="button"
                className="button primary"
                onClick={onPublish}
                disabled={!!busy || publishBlocked}
                aria-describedby={publishBlocked ? "wf-publish-blocked" : undefined}
              >
                {busy === "publish" ? "Publishing…" : "Publish"}
              </button>
            </span>
            {/* Going back, apart from going forward: only when there is something to undo. */}
            {(dirty || (publishedVersion && draftChanged)) && (
              <span className="wf-actions wf-back">
                {dirty && (
                  <button type="button" className="button" onClick={() => setAsking("discard")} disabled={!!busy}>
                    Discard changes
                  </button>
                )}
                {!!publishedVersion && (
                  <button type="button" className="button" onClick={() => setAsking("revert")} disabled={!!busy}>
                    {busy === "revert" ? "Reverting…" : "Revert to published"}
                  </button>
                )}
              </span>
            )}
            {publishBlocked && (
              <span id="wf-publish-blocked" className="muted small wf-hint">
                Fix the problems and validate again to publish.
              </span>
            )}
          </>
        )}
      </div>
      {asking === "discard" && (
        <ConfirmDialog
          title="Discard your changes?"
          confirmLabel="Discard changes"
          cancelLabel="Keep editing"
          onConfirm={onDiscard}
          onCancel={() => setAsking(null)}
        >
          <p>The edits you have not saved are thrown away; the draft goes back to how it was last saved.</p>
        </ConfirmDialog>
      )}
      {asking === "revert" && (
        <ConfirmDialog
          title={`Revert the draft to version ${publishedVersion}?`}
          confirmLabel="Revert to published"
          cancelLabel="Keep the draft"
          onConfirm={onRevert}
          onCancel={() => setAsking(null)}
        >
          <p>
            The draft, saved and unsaved changes alike, is replaced by the published version {publishedVersion}. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
      {readOnly && <p className="notice">At phone width the editor is view-only: open it on a larger screen to edit.</p>}
      <div role="status" aria-live="polite" className={notice ? "notice" : "visually-hidden"}>
        {notice}
      </div>
      {conflict && (
        <div className="state state-error" role="alert">
          <p>
            <strong>Changed by someone else.</strong> This workflow was saved{changedBy ? ` by ${changedBy}` : " by someone else"} since you
            opened it. Your draft is kept here; reload to see their version (your edits will be replaced).
          </p>
          <div className="actions">
            <button type="button" className="button" onClick={onReload}>
              Reload their version
            </button>
            <button type="button" className="button" onClick={() => setConflict(false)}>
              Keep editing
            </button>
          </div>
        </div>
      )}
      {error !== null && (
        <div className="state state-error" role="alert">
          <p>{errorDetail(error)}</p>
          {error instanceof ProblemError && error.requestId && <p className="muted small">Request ID: {error.requestId}</p>}
        </div>
      )}

      {problems !== null && problemList.length > 0 && (
        <section className="panel wf-problems" aria-labelledby="wf-problems-title">
          <h2 id="wf-problems-title" tabIndex={-1} ref={problemsHeading}>
            Problems ({problemList.reduce((n, [, m]) => n + m.length, 0)})
          </h2>
          <ul>
            {problemList.map(([path, messages]) => (
              <li key={path}>
                <button type="button" className="linkish" onClick={() => focusPath(path)}>
                  {describePath(path, draft)}
                </button>
                : {messages.join("; ")}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="panel" aria-label="Draft graph">
        <WorkflowGraph definition={draft} problems={shown} onSelect={focusPath} title="Draft graph" />
      </section>

      <fieldset className="wf-fields" disabled={readOnly}>
        <legend className="visually-hidden">Draft definition</legend>
        <datalist id={rolesList}>
          {knownRoles.map((role) => (
            <option key={role} value={role} />
          ))}
        </datalist>
        <Section path="steps" title="Steps" problems={shown}>
          {draft.steps.map((step, index) => {
            const p = (field: string) => `steps.${index}.${field}`;
            return (
              <fieldset key={index} className="wf-item" aria-labelledby={`${fieldId(`steps.${index}`)}`}>
                <legend id={fieldId(`steps.${index}`)} tabIndex={-1}>
                  Step {index + 1}
                  {step.key ? `: ${step.key}` : ""}
                </legend>
                <div className="row">
                  <TextField path={p("key")} label="Key" value={text(step.key)} problems={shown} onChange={(v) => setStep(index, { key: v })} />
                  <TextField path={p("name")} label="Name" value={text(step.name)} problems={shown} onChange={(v) => setStep(index, { name: v })} />
                  <TextField
                    path={p("role")}
                    label="Role"
                    hint="system:name, e.g. tts:Agent"
                    list={rolesList}
                    value={roleText(step.role)}
                    problems={shown}
                    onChange={(v) => setStep(index, { role: parseRole(v) })}
                  />
                </div>
                <div className="row">
                  <div className="field">
                    <label htmlFor={fieldId(p("policy"))}>Assignment policy</label>
                    <select {...invalidProps(p("policy"), shown)} value={text(step.policy ?? "round_robin")} onChange={(e) => setStep(index, { policy: e.target.value })}>
                      {[...new Set([...POLICIES, text(step.policy ?? "round_robin")])].map((policy) => (
                        <option key={policy} value={policy}>
                          {policy.replace(/_/g, " ")}
                        </option>
                      ))}
                    </select>
                    <FieldProblems path={p("policy")} problems={shown} />
                  </div>
                  <TextField
                    path={p("weight")}
                    label="Weight"
                    hint="its share of the SLA target"
                    type="number"
                    value={text(step.weight ?? 1)}
                    problems={shown}
                    onChange={(v) => setStep(index, { weight: parseNumber(v) })}
                  />
                  <TextField
                    path={p("escalation_role")}
                    label="Escalation role"
                    list={rolesList}
                    value={roleText(step.escalation_role)}
                    problems={shown}
                    onChange={(v) => setStep(index, { escalation_role: parseRole(v) })}
                  />
                </div>
                <div className="row">
                  <Check path={p("start")} label="Start step" checked={!!step.start} problems={shown} onChange={(v) => setStep(index, { start: v })} />
                  <Check path={p("end")} label="End step" checked={!!step.end} problems={shown} onChange={(v) => setStep(index, { end: v })} />
                  <Check
                    path={p("escalate_on_breach")}
                    label="Escalate on breach"
                    checked={!!step.escalate_on_breach}
                    problems={shown}
                    onChange={(v) => setStep(index, { escalate_on_breach: v })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={fieldId(p("instructions"))}>Instructions</label>
                  <textarea {...invalidProps(p("instructions"), shown)} rows={2} value={text(step.instructions)} onChange={(e) => setStep(index, { instructions: e.target.value })} />
                  <FieldProblems path={p("instructions")} problems={shown} />
                </div>
                <FieldProblems path={`steps.${index}`} problems={shown} />
                <button
                  type="button"
                  className="button"
                  onClick={() => change({ ...draft, steps: draft.steps.filter((_, i) => i !== index) })}
                >
                  Remove step {index + 1}
                </button>
              </fieldset>
            );
          })}
          <button
            type="button"
            className="button"
            onClick={() => change({ ...draft, steps: [...draft.steps, { key: `step_${draft.steps.length + 1}`, role: null, weight: 1 }] })}
          >
            Add step
          </button>
        </Section>

        <Section path="transitions" title="Transitions" problems={shown}>
          {draft.transitions.map((transition, index) => {
            const p = (field: string) => `transitions.${index}.${field}`;
            const endSelect = (field: "from" | "to", label: string) => (
              <div className="field">
                <label htmlFor={fieldId(p(field))}>{label}</label>
                <select {...invalidProps(p(field), shown)} value={text(transition[field])} onChange={(e) => setTransition(index, { [field]: e.target.value })}>
                  <option value="">—</option>
                  {[...new Set([...stepKeys, text(transition[field])])].filter(Boolean).map((key) => (
                    <option key={key} value={key}>
                      {key}
                    </option>
                  ))}
                </select>
                <FieldProblems path={p(field)} problems={shown} />
              </div>
            );
            return (
              <fieldset key={index} className="wf-item">
                <legend id={fieldId(`transitions.${index}`)} tabIndex={-1}>
                  Transition {index + 1}
                  {transition.key ? `: ${transition.key}` : ""}
                </legend>
                <div className="row">
                  <TextField path={p("key")} label="Key" value={text(transition.key)} problems={shown} onChange={(v) => setTransition(index, { key: v })} />
                  <TextField path={p("name")} label="Name" value={text(transition.name)} problems={shown} onChange={(v) => setTransition(index, { name: v })} />
                  {endSelect("from", "From step")}
                  {endSelect("to", "To step")}
                </div>
                <FieldProblems path={`transitions.${index}`} problems={shown} />
                <button
                  type="button"
                  className="button"
                  onClick={() => change({ ...draft, transitions: draft.transitions.filter((_, i) => i !== index) })}
                >
                  Remove transition {index + 1}
                </button>
              </fieldset>
            );
          })}
          <button
            type="button"
            className="button"
            onClick={() => change({ ...draft, transitions: [...draft.transitions, { key: `go_${draft.transitions.length + 1}`, from: "", to: "" }] })}
          >
            Add transition
          </button>
        </Section>

        <Section path="sla_hours" title="SLA targets (business hours per priority)" problems={shown}>
          <div className="row">
            {SLA_PRIORITIES.map((priority) => (
              <TextField
                key={priority}
                path={`sla_hours.${priority}`}
                label={`${priority.charAt(0).toUpperCase()}${priority.slice(1)} (hours)`}
                type="number"
                value={text(draft.sla_hours[priority])}
                problems={shown}
                onChange={(v) => change({ ...draft, sla_hours: { ...draft.sla_hours, [priority]: parseNumber(v) } })}
              />
            ))}
          </div>
        </Section>

        <Section path="calendar" title="Business calendar" problems={shown}>
          <div className="row">
            <TextField
              path="calendar.timezone"
              label="Time zone"
              placeholder="UTC"
              value={text(draft.calendar?.timezone)}
              problems={shown}
              onChange={(v) => setCalendar({ timezone: v || undefined })}
            />
            <TextField path="calendar.start" label="Opens" type="time" value={text(draft.calendar?.start)} problems={shown} onChange={(v) => setCalendar({ start: v || undefined })} />
            <TextField path="calendar.end" label="Closes" type="time" value={text(draft.calendar?.end)} problems={shown} onChange={(v) => setCalendar({ end: v || undefined })} />
          </div>
          <fieldset className="wf-days">
            <legend>Working days</legend>
            {WEEKDAYS.map((day, index) => {
              const days = draft.calendar?.workdays ?? [0, 1, 2, 3, 4];
              return (
                <label key={day} className="rating-option">
                  <input
                    type="checkbox"
                    checked={days.includes(index)}
                    onChange={(e) =>
                      setCalendar({ workdays: e.target.checked ? [...days, index].sort() : days.filter((d) => d !== index) })
                    }
                  />
                  {day}
                </label>
              );
            })}
          </fieldset>
          <TextField
            path="calendar.holidays"
            label="Holidays"
            hint="dates as YYYY-MM-DD, separated by commas"
            value={(draft.calendar?.holidays ?? []).join(", ")}
            problems={shown}
            onChange={(v) => setCalendar({ holidays: v.split(",").map((d) => d.trim()).filter(Boolean) })}
          />
        </Section>
      </fieldset>
    </div>
  );
}

/** The problems a 422 named, for tests and callers that want them without the editor. */
export function problemsOf(error: unknown): Problems {
  return error instanceof ProblemError ? error.fieldErrors : {};
}

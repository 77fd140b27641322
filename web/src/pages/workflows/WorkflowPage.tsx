import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Link, useParams } from "react-router";

import { workflow as workflowApi } from "../../api/clients";
import { ErrorState, LoadingState } from "../../components/QueryState";
import { formatWhen } from "../../lib/sla";
import { useLeaveGuard } from "../../lib/useLeaveGuard";
import { usePageTitle } from "../../lib/usePageTitle";
import { loadWorkflow, publishDraft, revertDraft, saveDraft, useVersions, useWorkflow, validateDraft, type Loaded, type VersionRow } from "./api";
import { ConfirmDialog } from "./ConfirmDialog";
import { DraftEditor, type EditorActions } from "./DraftEditor";
import { WorkflowGraph } from "./Graph";
import { normalise, roleText, type DefinitionDraft } from "./model";

const PHONE = "(max-width: 639px)";

interface Seed {
  n: number;
  definition: DefinitionDraft | null;
  dirty: boolean;
  notice?: string;
}

function usePhoneWidth(): boolean {
  return useSyncExternalStore(
    (notify) => {
      const query = window.matchMedia?.(PHONE);
      query?.addEventListener?.("change", notify);
      return () => query?.removeEventListener?.("change", notify);
    },
    () => !!window.matchMedia?.(PHONE).matches,
  );
}

function VersionDetails({ definition }: { definition: DefinitionDraft }) {
  return (
    <div className="table-wrap">
      <table aria-label="Steps of this version">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Role</th>
            <th scope="col">Policy</th>
            <th scope="col">Weight</th>
            <th scope="col">Kind</th>
          </tr>
        </thead>
        <tbody>
          {definition.steps.map((step, i) => (
            <tr key={i}>
              <td data-label="Step">
                {step.name || step.key} <span className="muted small">({step.key})</span>
                {step.instructions && <div className="muted small prewrap">{step.instructions}</div>}
              </td>
              <td data-label="Role">{roleText(step.role) || "—"}</td>
              <td data-label="Policy">{String(step.policy ?? "round_robin").replace(/_/g, " ")}</td>
              <td data-label="Weight">{String(step.weight ?? 1)}</td>
              <td data-label="Kind">{step.start ? "Start" : step.end ? "End" : "Working"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small muted" style={{ padding: "0 0.75rem" }}>
        SLA targets (business hours):{" "}
        {Object.entries(definition.sla_hours)
          .map(([p, h]) => `${p} ${h}`)
          .join(", ") || "—"}
      </p>
    </div>
  );
}

/** One workflow: its published versions (read-only, "Edit as draft") and its draft editor. */
export default function WorkflowPage() {
  const id = Number(useParams().workflowId);
  const client = useQueryClient();
  const loaded = useWorkflow(id);
  const versions = useVersions(id);
  const phone = usePhoneWidth();
  const etag = useRef<string | null>(null);
  const [view, setView] = useState<string>("draft");
  // What the editor starts from: `definition` null is the saved draft.
  const [seed, setSeed] = useState<Seed>({ n: 0, definition: null, dirty: false });
  const [unsaved, setUnsaved] = useState(false);
  const [replacing, setReplacing] = useState<VersionRow | null>(null);
  const leaving = useLeaveGuard(unsaved);
  const workflow = loaded.data?.workflow;
  usePageTitle(workflow ? `Workflow ${workflow.name}` : "Workflow");

  useEffect(() => {
    if (loaded.data) etag.current = loaded.data.etag;
  }, [loaded.data]);

  if (loaded.isPending) return <LoadingState label="Loading the workflow…" />;
  if (loaded.isError) return <ErrorState error={loaded.error} onRetry={() => void loaded.refetch()} />;
  const current = loaded.data.workflow;

  const store = (next: Loaded) => {
    etag.current = next.etag;
    client.setQueryData(["workflows", id], next);
  };
  const actions: EditorActions = {
    async save(definition) {
      store(await saveDraft(id, definition, etag.current));
      void client.invalidateQueries({ queryKey: ["workflows"], exact: true });
    },
    validate: (definition) => validateDraft(id, definition),
    async publish() {
      const version = await publishDraft(id);
      store(await loadWorkflow(id));
      await client.invalidateQueries({ queryKey: ["workflows", id, "versions"] });
      void client.invalidateQueries({ queryKey: ["workflows"], exact: true });
      return version.number;
    },
    async reload() {
      const fresh = await loadWorkflow(id);
      store(fresh);
      setSeed((s) => ({ n: s.n + 1, definition: null, dirty: false }));
    },
    async lastChange() {
      const audit = await workflowApi.GET("/api/workflow/workflows/{workflow_id}/audit", { params: { path: { workflow_id: id } } });
      const last = audit.data?.items?.at(-1) as { actor?: { name?: string }; at?: string } | undefined;
      return last ? `${last.actor?.name || "someone"}, ${formatWhen(last.at)}` : null;
    },
    discard() {
      setSeed((s) => ({ n: s.n + 1, definition: null, dirty: false, notice: "Changes discarded: this is the saved draft." }));
    },
    async revert() {
      store(await revertDraft(id, etag.current));
      void client.invalidateQueries({ queryKey: ["workflows"], exact: true });
      setSeed((s) => ({ n: s.n + 1, definition: null, dirty: false, notice: `The draft is version ${current.current_version} again.` }));
    },
  };
  const editVersion = (version: VersionRow) => {
    setReplacing(null);
    setSeed((s) => ({ n: s.n + 1, definition: normalise(version.definition), dirty: true }));
    setView("draft");
  };

  const items = versions.data?.items ?? [];
  const shownVersion = items.find((v) => `v${v.number}` === view);
  const match = [current.department, current.category, current.subcategory].filter(Boolean).join(" › ") || (current.is_default ? "Default (any ticket)" : "—");

  return (
    <section className="page" aria-labelledby="page-title">
      <p className="small">
        <Link to="/admin/workflows">← Workflows</Link>
      </p>
      <div className="page-head">
        <h1 id="page-title">{current.name}</h1>
        <div className="field inline">
          <label htmlFor="wf-view">Show</label>
          <select id="wf-view" value={view} onChange={(e) => setView(e.target.value)}>
            <option value="draft">Draft</option>
            {items
              .slice()
              .reverse()
              .map((v) => (
                <option key={v.number} value={`v${v.number}`}>
                  Version {v.number}
                  {v.number === current.current_version ? " (published)" : ""}
                </option>
              ))}
          </select>
        </div>
      </div>
      <p className="muted small">
        Matches: {match} · Published version: {current.current_version ?? "none"} · Updated {formatWhen(current.updated_at)}
      </p>
      {versions.isError && <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />}

      {shownVersion ? (
        <div className="stack">
          <div className="wf-version-bar" role="group" aria-label="Version actions">
            <span className="badge">
              Version {shownVersion.number} · read-only · published {formatWhen(shownVersion.published_at)}
            </span>
            {!phone && (
              <button
                type="button"
                className="button primary"
                onClick={() => (unsaved ? setReplacing(shownVersion) : editVersion(shownVersion))}
              >
                Edit as draft
              </button>
            )}
          </div>
          <p className="muted small">Running tickets keep the version they started on.</p>
          <section className="panel" aria-label={`Version ${shownVersion.number} graph`}>
            <WorkflowGraph definition={normalise(shownVersion.definition)} title={`Version ${shownVersion.number} graph`} />
          </section>
          <VersionDetails definition={normalise(shownVersion.definition)} />
        </div>
      ) : null}
      {/* Hidden, not unmounted, while a version is shown: unsaved edits survive a look. */}
      <div hidden={!!shownVersion}>
        <DraftEditor
          key={seed.n}
          initial={seed.definition ?? normalise(current.draft)}
          startDirty={seed.dirty}
          startNotice={seed.notice}
          onDirtyChange={setUnsaved}
          publishedVersion={current.current_version}
          draftChanged={current.draft_changed}
          actions={actions}
          readOnly={phone}
        />
      </div>
      {replacing && (
        <ConfirmDialog
          title="Replace your unsaved changes?"
          confirmLabel={`Edit version ${replacing.number} as draft`}
          cancelLabel="Keep my changes"
          onConfirm={() => editVersion(replacing)}
          onCancel={() => setReplacing(null)}
        >
          <p>The draft has changes you have not saved. Editing version {replacing.number} as the draft throws them away.</p>
        </ConfirmDialog>
      )}
      {leaving.state === "blocked" && (
        <ConfirmDialog
          title="Leave without saving?"
          confirmLabel="Leave without saving"
          cancelLabel="Stay"
          onConfirm={() => leaving.proceed()}
          onCancel={() => leaving.reset()}
        >
          <p>Your changes to this draft are not saved. Stay to save them, or leave and lose them.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

import { Link } from "react-router";

import { QueryState } from "../../components/QueryState";
import { formatWhen } from "../../lib/sla";
import { usePageTitle } from "../../lib/usePageTitle";
import { useWorkflows, type WorkflowRow } from "./api";

function draftState(workflow: WorkflowRow): string {
  if (!workflow.current_version) return "Draft only: never published";
  if (workflow.draft_changed) return "Unpublished changes";
  return "Same as published";
}

function matchText(workflow: WorkflowRow): string {
  const parts = [workflow.department, workflow.category, workflow.subcategory].filter(Boolean);
  if (parts.length) return parts.join(" › ");
  return workflow.is_default ? "Default (any ticket)" : "—";
}

/** Admins: every workflow, what tickets it takes, and its published version. */
export default function WorkflowsPage() {
  usePageTitle("Workflows");
  const list = useWorkflows();
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Workflows</h1>
      <QueryState
        query={list}
        loadingLabel="Loading workflows…"
        isEmpty={(d) => !d.items?.length}
        empty={<p>No workflows yet. Create one with the API or the tts CLI, then edit its draft here.</p>}
      >
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Workflows">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Matches</th>
                  <th scope="col">Published</th>
                  <th scope="col">Draft</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {d.items?.map((w) => (
                  <tr key={w.id}>
                    <td data-label="Name">
                      <Link to={`/admin/workflows/${w.id}`}>{w.name}</Link>
                      {w.archived && <span className="badge"> Archived</span>}
                    </td>
                    <td data-label="Matches">{matchText(w)}</td>
                    <td data-label="Published">{w.current_version ? `Version ${w.current_version}` : "Not published"}</td>
                    <td data-label="Draft">{draftState(w)}</td>
                    <td data-label="Updated">{formatWhen(w.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

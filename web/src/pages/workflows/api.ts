import { useQuery } from "@tanstack/react-query";

import { data, workflow as api } from "../../api/clients";
import type { components } from "../../api/workflow";

export type WorkflowRow = components["schemas"]["WorkflowOut"];
export type VersionRow = components["schemas"]["VersionOut"];

export interface Loaded {
  workflow: WorkflowRow;
  /** The ETag of what was read: drafts save with it as If-Match (412 when stale). */
  etag: string | null;
}

export function useWorkflows() {
  return useQuery({
    queryKey: ["workflows"],
    queryFn: async () => data(await api.GET("/api/workflow/workflows")),
    staleTime: 30_000,
  });
}

export async function loadWorkflow(id: number): Promise<Loaded> {
  const result = await api.GET("/api/workflow/workflows/{workflow_id}", { params: { path: { workflow_id: id } } });
  return { workflow: result.data as WorkflowRow, etag: result.response.headers.get("ETag") };
}

export function useWorkflow(id: number) {
  return useQuery({ queryKey: ["workflows", id], queryFn: () => loadWorkflow(id), staleTime: Infinity });
}

export function useVersions(id: number) {
  return useQuery({
    queryKey: ["workflows", id, "versions"],
    queryFn: async () => data(await api.GET("/api/workflow/workflows/{workflow_id}/versions", { params: { path: { workflow_id: id } } })),
  });
}

export async function saveDraft(id: number, definition: unknown, etag: string | null): Promise<Loaded> {
  const result = await api.PATCH("/api/workflow/workflows/{workflow_id}", {
    params: { path: { workflow_id: id } },
    body: { definition: definition as Record<string, never> },
    headers: etag ? { "If-Match": etag } : {},
  });
  return { workflow: result.data as WorkflowRow, etag: result.response.headers.get("ETag") };
}

/** Check `definition` as publishing would (a 422 names each problem's field); the server
 * stores nothing, so the saved draft stays as it was. */
export async function validateDraft(id: number, definition: unknown): Promise<void> {
  await api.POST("/api/workflow/workflows/{workflow_id}/validate", {
    params: { path: { workflow_id: id } },
    body: { definition: definition as Record<string, never> },
  });
}

/** Replace the draft with the published version's definition (412 when stale). */
export async function revertDraft(id: number, etag: string | null): Promise<Loaded> {
  const result = await api.POST("/api/workflow/workflows/{workflow_id}/revert", {
    params: { path: { workflow_id: id } },
    headers: etag ? { "If-Match": etag } : {},
  });
  return { workflow: result.data as WorkflowRow, etag: result.response.headers.get("ETag") };
}

export async function publishDraft(id: number): Promise<VersionRow> {
  return data(await api.POST("/api/workflow/workflows/{workflow_id}/publish", { params: { path: { workflow_id: id } } }));
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { data, tickets as api } from "../../api/clients";
import { DEPARTMENTS, type Category } from "../../api/types";
import { QueryState } from "../../components/QueryState";
import { usePageTitle } from "../../lib/usePageTitle";
import { AssetFields, BudgetFields, EMPTY_ASSET, EMPTY_BUDGET } from "../CategoryFields";
import { FieldMessage, WriteError, fieldErrors } from "./Problem";

type Kind = "" | "asset" | "budget";
const KIND_LABEL: Record<Kind, string> = { "": "None", asset: "Asset (asset name, serial, location, return date)", budget: "Budget (fiscal year, cost items)" };

interface Draft {
  name: string;
  parent_id: number | null;
  details_kind: Kind;
  default_department: string;
  position: string;
  active: boolean;
}

const EMPTY: Draft = { name: "", parent_id: null, details_kind: "", default_department: "", position: "0", active: true };

type Editing = { mode: "new"; parentId: number | null } | { mode: "edit"; category: Category; parentId: number | null };

/** Admins: the category tree (with inactive entries), create and edit, and a preview. */
export default function CategoriesPage() {
  usePageTitle("Categories");
  const [editing, setEditing] = useState<Editing | null>(null);
  const tree = useQuery({
    queryKey: ["categories", "admin"],
    queryFn: async () => data(await api.GET("/api/tickets/categories", { params: { query: { include_inactive: true } } })),
  });
  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Categories</h1>
        <button type="button" className="button primary" onClick={() => setEditing({ mode: "new", parentId: null })}>
          New category
        </button>
      </div>
      <p className="muted">What employees pick on New ticket. Inactive entries are hidden from them; tickets that use them keep them.</p>
      <div className="catalogue-grid">
        <QueryState query={tree} loadingLabel="Loading the catalogue…" isEmpty={(t) => !t.items?.length} empty={<p>No categories yet. Add the first with New category.</p>}>
          {(result) => (
            <ul className="category-tree" aria-label="Category tree">
              {(result.items ?? []).map((category) => (
                <li key={category.id}>
                  <div className="category-row">
                    <span>
                      <strong>{category.name}</strong>{" "}
                      <span className="muted small">
                        {category.default_department ? `· ${category.default_department}` : "· any department"}
                        {category.details_kind ? ` · ${category.details_kind} fields` : ""}
                      </span>{" "}
                      {!category.active && <span className="badge user-deactivated">Inactive</span>}
                    </span>
                    <span className="actions">
                      <button type="button" className="button small" aria-label={`Edit ${category.name}`} onClick={() => setEditing({ mode: "edit", category, parentId: null })}>
                        Edit
                      </button>
                      <button type="button" className="button small ghost" aria-label={`Add a subcategory to ${category.name}`} onClick={() => setEditing({ mode: "new", parentId: category.id ?? null })}>
                        Add subcategory
                      </button>
                    </span>
                  </div>
                  {!!category.subcategories?.length && (
                    <ul aria-label={`Subcategories of ${category.name}`}>
                      {category.subcategories.map((sub) => (
                        <li key={sub.id} className="category-row">
                          <span>
                            {sub.name} {!sub.active && <span className="badge user-deactivated">Inactive</span>}
                          </span>
                          <button
                            type="button"
                            className="button small"
                            aria-label={`Edit ${sub.name}`}
                            onClick={() => setEditing({ mode: "edit", category: { ...sub, parent_id: category.id } as Category, parentId: category.id ?? null })}
                          >
                            Edit
                          </button>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {editing && (
          <CategoryEditor
            key={editing.mode === "edit" ? `edit-${editing.category.id}` : `new-${editing.parentId}`}
            editing={editing}
            parents={tree.data?.items ?? []}
            onDone={() => setEditing(null)}
          />
        )}
      </div>
    </section>
  );
}

function CategoryEditor({ editing, parents, onDone }: { editing: Editing; parents: Category[]; onDone: () => void }) {
  const queryClient = useQueryClient();
  const initial: Draft =
    editing.mode === "edit"
      ? {
          name: editing.category.name ?? "",
          parent_id: editing.parentId,
          details_kind: (editing.category.details_kind ?? "") as Kind,
          default_department: editing.category.default_department ?? "",
          position: String(editing.category.position ?? 0),
          active: editing.category.active ?? true,
        }
      : { ...EMPTY, parent_id: editing.parentId };
  const [draft, setDraft] = useState<Draft>(initial);
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []); // keyboard users land in the editor
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const isSub = draft.parent_id !== null;
  const save = useMutation({
    mutationFn: async () => {
      const common = {
        name: draft.name.trim(),
        position: Number(draft.position) || 0,
        active: draft.active,
        ...(isSub ? {} : { details_kind: (draft.details_kind || null) as "asset" | null, default_department: (draft.default_department || null) as "IT" | null }),
      };
      if (editing.mode === "edit") {
        return data(await api.PATCH("/api/tickets/categories/{category_id}", { params: { path: { category_id: editing.category.id ?? 0 } }, body: common }));
      }
      return data(await api.POST("/api/tickets/categories", { body: { ...common, parent_id: draft.parent_id } }));
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["categories"] });
      onDone();
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const parentName = parents.find((p) => p.id === draft.parent_id)?.name;
  const title = editing.mode === "edit" ? `Edit ${editing.category.name}` : isSub ? `New subcategory of ${parentName ?? "…"}` : "New category";
  const described = (name: string) => ({ "aria-invalid": !!errors[name], "aria-describedby": errors[name] ? `category-${name}-error` : undefined });
  // The preview shows the New ticket form as an employee will see it with this category picked.
  const previewParent: Partial<Category> = isSub
    ? { ...(parents.find((p) => p.id === draft.parent_id) ?? {}) }
    : { name: draft.name || "(name)", details_kind: draft.details_kind || null, default_department: draft.default_department || null, subcategories: editing.mode === "edit" ? editing.category.subcategories : [] };
  const previewSubs = isSub ? [...(previewParent.subcategories ?? []).filter((s) => s.id !== (editing.mode === "edit" ? editing.category.id : -1) && s.active), ...(draft.active ? [{ id: -1, name: draft.name || "(name)" }] : [])] : (previewParent.subcategories ?? []).filter((s) => s.active);
  return (
    <div className="stack">
      <form className="panel stack" onSubmit={submit} aria-labelledby="editor-title" noValidate>
        <h2 id="editor-title">{title}</h2>
        <div className="field">
          <label htmlFor="category-name">Name</label>
          <input ref={nameInput} id="category-name" value={draft.name} onChange={(e) => set("name", e.target.value)} required {...described("name")} />
          <FieldMessage id="category-name" messages={errors.name} />
        </div>
        {!isSub && (
          <>
            <div className="field">
              <label htmlFor="category-department">Usual department</label>
              <select id="category-department" value={draft.default_department} onChange={(e) => set("default_department", e.target.value)} {...described("default_department")}>
                <option value="">Any (the employee picks)</option>
                {DEPARTMENTS.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
              <FieldMessage id="category-default_department" messages={errors.default_department} />
            </div>
            <div className="field">
              <label htmlFor="category-fields">Fields on the ticket</label>
              <select id="category-fields" value={draft.details_kind} onChange={(e) => set("details_kind", e.target.value as Kind)} {...described("details_kind")}>
                {(Object.keys(KIND_LABEL) as Kind[]).map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABEL[k]}
                  </option>
                ))}
              </select>
              <FieldMessage id="category-details_kind" messages={errors.details_kind} />
            </div>
          </>
        )}
        <div className="row">
          <div className="field">
            <label htmlFor="category-position">Position</label>
            <input id="category-position" type="number" min="0" inputMode="numeric" value={draft.position} onChange={(e) => set("position", e.target.value)} {...described("position")} />
            <FieldMessage id="category-position" messages={errors.position} />
          </div>
          <label className="check">
            <input type="checkbox" checked={draft.active} onChange={(e) => set("active", e.target.checked)} /> Active (offered on New ticket)
          </label>
        </div>
        <WriteError error={save.error} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : editing.mode === "edit" ? "Save changes" : "Create category"}
          </button>
          <button type="button" className="button ghost" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
      <section className="panel stack preview" aria-labelledby="preview-title">
        <h2 id="preview-title">Preview: New ticket</h2>
        <p className="muted small">What an employee sees with this category picked. Not a real form.</p>
        <fieldset disabled className="stack" aria-label="New ticket preview">
          <div className="field">
            <label htmlFor="preview-subject">Subject (preview)</label>
            <input id="preview-subject" value="" onChange={() => undefined} />
          </div>
          <div className="field">
            <label htmlFor="preview-description">Description (preview)</label>
            <textarea id="preview-description" rows={2} value="" onChange={() => undefined} />
          </div>
          <div className="field">
            <label htmlFor="preview-category">Category (preview)</label>
            <select id="preview-category" value="x" onChange={() => undefined}>
              <option value="x">{previewParent.name}</option>
            </select>
          </div>
          {previewSubs.length > 0 && (
            <div className="field">
              <label htmlFor="preview-subcategory">Subcategory (preview)</label>
              <select id="preview-subcategory" value="" onChange={() => undefined}>
                <option value="">Choose…</option>
                {previewSubs.map((s) => (
                  <option key={s.id}>{s.name}</option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="preview-department">Department (preview)</label>
            <select id="preview-department" value={previewParent.default_department ?? ""} onChange={() => undefined}>
              <option value="">Choose…</option>
              {DEPARTMENTS.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </div>
          {previewParent.details_kind === "asset" && <AssetFields value={EMPTY_ASSET} onChange={() => undefined} errors={{}} />}
          {previewParent.details_kind === "budget" && <BudgetFields value={EMPTY_BUDGET} onChange={() => undefined} errors={{}} />}
          {!previewParent.details_kind && <p className="muted small">No extra fields: subject, description and attachments only.</p>}
        </fieldset>
      </section>
    </div>
  );
}

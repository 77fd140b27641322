/** Workflow definitions as the editor holds them: the draft JSON as stored (it may be
 * invalid; the server says what is wrong, by field path such as `steps.0.role`). */

export interface RoleRef {
  system: string;
  name: string;
}

export interface StepDraft {
  key: string;
  name?: string;
  role?: RoleRef | null;
  escalation_role?: RoleRef | null;
  policy?: string;
  weight?: number | string;
  start?: boolean;
  end?: boolean;
  escalate_on_breach?: boolean;
  instructions?: string;
  [other: string]: unknown;
}

export interface TransitionDraft {
  key: string;
  name?: string;
  from?: string;
  to?: string;
  [other: string]: unknown;
}

export interface CalendarDraft {
  timezone?: string;
  workdays?: number[];
  start?: string;
  end?: string;
  holidays?: string[];
}

export interface DefinitionDraft {
  steps: StepDraft[];
  transitions: TransitionDraft[];
  sla_hours: Record<string, number | string>;
  calendar?: CalendarDraft;
  [other: string]: unknown;
}

export const POLICIES = ["round_robin", "least_loaded", "manual"] as const;
export const SLA_PRIORITIES = ["critical", "high", "medium", "low"] as const;
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function asList<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Whatever is stored, as something the forms can show (unusable parts become empty). */
export function normalise(raw: unknown): DefinitionDraft {
  const source = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const sla = source.sla_hours && typeof source.sla_hours === "object" ? (source.sla_hours as Record<string, number>) : {};
  return {
    ...source,
    steps: asList<StepDraft>(source.steps).map((step) => (step && typeof step === "object" ? step : { key: "" })),
    transitions: asList<TransitionDraft>(source.transitions).map((t) => (t && typeof t === "object" ? t : { key: "" })),
    sla_hours: { ...sla },
    calendar: source.calendar && typeof source.calendar === "object" ? (source.calendar as CalendarDraft) : undefined,
  };
}

export function roleText(role: RoleRef | null | undefined): string {
  if (!role || typeof role !== "object") return "";
  return role.system || role.name ? `${role.system ?? ""}:${role.name ?? ""}` : "";
}

/** "tts:Agent" → {system: "tts", name: "Agent"}; empty → null (the server says if one is needed). */
export function parseRole(text: string): RoleRef | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  const at = trimmed.indexOf(":");
  if (at < 0) return { system: "", name: trimmed };
  return { system: trimmed.slice(0, at).trim(), name: trimmed.slice(at + 1).trim() };
}

/** A number when the text is one, else the text itself (so the server can name the problem). */
export function parseNumber(text: string): number | string {
  if (text.trim() === "") return "";
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

/** The id of the input a field path names (`steps.0.role` → `wf-steps-0-role`). */
export function fieldId(path: string): string {
  return path ? `wf-${path.replace(/[^a-zA-Z0-9_]+/g, "-")}` : "wf-definition";
}

/** Where a problem's path lands when no input has exactly its id: the closest owner. */
export function focusTarget(path: string, exists: (id: string) => boolean): string {
  const parts = path ? path.split(".") : [];
  while (parts.length) {
    const id = fieldId(parts.join("."));
    if (exists(id)) return id;
    parts.pop();
  }
  return fieldId("");
}

/** A readable name for a field path: "Step 1 (work) · role". */
export function describePath(path: string, draft: DefinitionDraft): string {
  if (!path) return "Definition";
  const [section, index, field, ...rest] = path.split(".");
  const n = Number(index);
  if (section === "steps" && Number.isInteger(n)) {
    const key = draft.steps[n]?.key;
    return `Step ${n + 1}${key ? ` (${key})` : ""}${field ? ` · ${[field, ...rest].join(".")}` : ""}`;
  }
  if (section === "transitions" && Number.isInteger(n)) {
    const key = draft.transitions[n]?.key;
    return `Transition ${n + 1}${key ? ` (${key})` : ""}${field ? ` · ${[field, ...rest].join(".")}` : ""}`;
  }
  if (section === "sla_hours") return index ? `SLA hours · ${index}` : "SLA hours";
  if (section === "calendar") return "Calendar";
  if (section === "steps") return "Steps";
  if (section === "transitions") return "Transitions";
  return path;
}

/** Problems by step index and transition index (for badges on the graph). */
export function problemsByItem(problems: Record<string, string[]>) {
  const steps = new Set<number>();
  const transitions = new Set<number>();
  for (const path of Object.keys(problems)) {
    const [section, index] = path.split(".");
    const n = Number(index);
    if (index === undefined || !Number.isInteger(n)) continue;
    if (section === "steps") steps.add(n);
    if (section === "transitions") transitions.add(n);
  }
  return { steps, transitions };
}

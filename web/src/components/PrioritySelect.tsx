import { PRIORITIES, type Priority } from "../api/types";

const WORDS: Record<Priority, string> = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };

/** The one priority choice of the UI, labelled; with `anyLabel`, "" (any priority) too. */
export function PrioritySelect<T extends Priority | "">({
  id,
  label = "Priority",
  value,
  onChange,
  anyLabel,
}: {
  id: string;
  label?: string;
  value: T;
  onChange: (value: T) => void;
  anyLabel?: string;
}) {
  return (
    <div className="field inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {WORDS[p]}
          </option>
        ))}
      </select>
    </div>
  );
}

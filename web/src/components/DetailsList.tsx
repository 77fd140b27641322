import type { components } from "../api/tickets";

export type DetailField = components["schemas"]["DetailFieldOut"];

/** A list of items (cost items): each item is itself a list of labelled fields. */
function isItemList(value: unknown): value is DetailField[][] {
  return Array.isArray(value) && value.every(Array.isArray);
}

function shown(value: unknown): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return JSON.stringify(value);
}

/** A ticket's category fields with the labels the service gives them (`details_fields`);
 *  the service already leaves out optional fields nobody filled in. */
export function DetailsList({ fields }: { fields: DetailField[] | undefined }) {
  if (!fields?.length) return null;
  return (
    <dl className="details category-details">
      {fields.map((field) => (
        <div key={field.name}>
          <dt>{field.label}</dt>
          <dd>
            {isItemList(field.value) ? (
              <ol className="detail-items">
                {field.value.map((item, index) => (
                  <li key={index}>{item.map((part) => `${part.label}: ${shown(part.value)}`).join(", ")}</li>
                ))}
              </ol>
            ) : (
              shown(field.value)
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

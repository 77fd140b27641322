/** The fields a category asks for (its `details_kind`), as the service validates them. */

export interface AssetDetails {
  asset_name: string;
  serial_number: string;
  location: string;
  expected_return: string;
}

export interface CostItem {
  description: string;
  amount: string;
}

export interface BudgetDetails {
  fiscal_year: string;
  cost_items: CostItem[];
}

export const EMPTY_ASSET: AssetDetails = { asset_name: "", serial_number: "", location: "", expected_return: "" };
export const EMPTY_BUDGET: BudgetDetails = { fiscal_year: String(new Date().getFullYear()), cost_items: [{ description: "", amount: "" }] };

/** Cents, so the total matches the server's decimal sum exactly. */
export function budgetTotal(items: CostItem[]): string {
  const cents = items.reduce((sum, item) => sum + Math.round(Number(item.amount || 0) * 100), 0);
  return (cents / 100).toFixed(2);
}

/** What is sent as `details` for a kind (null for categories without details). */
export function detailsPayload(kind: string | null | undefined, asset: AssetDetails, budget: BudgetDetails) {
  if (kind === "asset") {
    return {
      asset_name: asset.asset_name,
      ...(asset.serial_number ? { serial_number: asset.serial_number } : {}),
      ...(asset.location ? { location: asset.location } : {}),
      ...(asset.expected_return ? { expected_return: asset.expected_return } : {}),
    };
  }
  if (kind === "budget") {
    const items = budget.cost_items.map((item) => ({ description: item.description, amount: Number(item.amount || 0).toFixed(2) }));
    return { cost_items: items, requested_amount: budgetTotal(budget.cost_items), fiscal_year: Number(budget.fiscal_year) };
  }
  return null;
}

type Errors = Record<string, string[]>;

function FieldError({ errors, name }: { errors: Errors; name: string }) {
  const messages = errors[name];
  if (!messages) return null;
  return (
    <p className="form-error" id={`${name}-error`}>
      {messages.join(" ")}
    </p>
  );
}

export function AssetFields({ value, onChange, errors }: { value: AssetDetails; onChange: (v: AssetDetails) => void; errors: Errors }) {
  const set = (key: keyof AssetDetails) => (event: React.ChangeEvent<HTMLInputElement>) => onChange({ ...value, [key]: event.target.value });
  return (
    <fieldset className="stack">
      <legend>Asset</legend>
      <div className="field">
        <label htmlFor="asset-name">Asset name</label>
        <input id="asset-name" required value={value.asset_name} onChange={set("asset_name")} aria-invalid={!!errors["details.asset_name"]} />
        <FieldError errors={errors} name="details.asset_name" />
      </div>
      <div className="field">
        <label htmlFor="asset-serial">Serial number (optional)</label>
        <input id="asset-serial" value={value.serial_number} onChange={set("serial_number")} />
      </div>
      <div className="field">
        <label htmlFor="asset-location">Location (optional)</label>
        <input id="asset-location" value={value.location} onChange={set("location")} />
      </div>
      <div className="field">
        <label htmlFor="asset-return">Expected return (optional)</label>
        <input id="asset-return" type="date" value={value.expected_return} onChange={set("expected_return")} />
        <FieldError errors={errors} name="details.expected_return" />
      </div>
    </fieldset>
  );
}

export function BudgetFields({ value, onChange, errors }: { value: BudgetDetails; onChange: (v: BudgetDetails) => void; errors: Errors }) {
  const setItem = (index: number, key: keyof CostItem, text: string) =>
    onChange({ ...value, cost_items: value.cost_items.map((item, i) => (i === index ? { ...item, [key]: text } : item)) });
  return (
    <fieldset className="stack">
      <legend>Budget proposal</legend>
      <div className="field">
        <label htmlFor="budget-year">Fiscal year</label>
        <input id="budget-year" type="number" inputMode="numeric" value={value.fiscal_year} onChange={(e) => onChange({ ...value, fiscal_year: e.target.value })} />
        <FieldError errors={errors} name="details.fiscal_year" />
      </div>
      {value.cost_items.map((item, index) => (
        <div className="row" key={index}>
          <div className="field">
            <label htmlFor={`cost-${index}-description`}>Cost item {index + 1}</label>
            <input id={`cost-${index}-description`} value={item.description} onChange={(e) => setItem(index, "description", e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`cost-${index}-amount`}>Amount of item {index + 1}</label>
            <input id={`cost-${index}-amount`} type="number" min="0" step="0.01" value={item.amount} onChange={(e) => setItem(index, "amount", e.target.value)} />
          </div>
          {value.cost_items.length > 1 && (
            <button type="button" className="button ghost small" onClick={() => onChange({ ...value, cost_items: value.cost_items.filter((_, i) => i !== index) })}>
              Remove item {index + 1}
            </button>
          )}
        </div>
      ))}
      <FieldError errors={errors} name="details.cost_items" />
      <button type="button" className="button small" onClick={() => onChange({ ...value, cost_items: [...value.cost_items, { description: "", amount: "" }] })}>
        Add cost item
      </button>
      <p>
        Requested amount: <strong>{budgetTotal(value.cost_items)}</strong> <span className="muted small">(the sum of the items)</span>
      </p>
      <FieldError errors={errors} name="details.requested_amount" />
    </fieldset>
  );
}

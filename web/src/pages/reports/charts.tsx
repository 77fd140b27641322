import { useId, useState } from "react";

export interface Bar {
  label: string;
  value: number;
  /** A second series is drawn hatched, and every bar carries its number: never colour alone. */
  alt?: boolean;
}

const ROW = 30;
const LABEL_W = 130;
const WIDTH = 420;

/** Horizontal bars with their values written at the end (hand-written SVG: a few hundred
 * bytes instead of a chart library), and the same figures as a table on demand. */
export function BarChart(props: { title: string; bars: Bar[]; unit?: string; description?: string; column?: string; valueColumn?: string }) {
  const { title, bars, unit = "", description, column = "Item", valueColumn = "Tasks" } = props;
  const [table, setTable] = useState(false);
  const id = `chart${useId().replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plot = WIDTH - LABEL_W - 60;
  const height = Math.max(1, bars.length) * ROW + 10;
  const summary = bars.map((b) => `${b.label}: ${b.value}${unit}`).join(", ");
  return (
    <section className="panel chart" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h2 id={`${id}-title`} className="card-title">
          {title}
        </h2>
        <button type="button" className="button small" aria-expanded={table} aria-controls={`${id}-table`} onClick={() => setTable((t) => !t)}>
          {table ? "Hide table" : "View as table"}
        </button>
      </div>
      {description && <p className="muted small">{description}</p>}
      {bars.length === 0 ? (
        <p className="muted">No data in this range.</p>
      ) : (
        <svg viewBox={`0 0 ${WIDTH} ${height}`} width={WIDTH} height={height} role="img" aria-label={`${title}: ${summary}`}>
          <defs>
            <pattern id={`${id}-hatch`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <rect width="6" height="6" fill="#f3d6d1" />
              <line x1="0" y1="0" x2="0" y2="6" stroke="#7a2e22" strokeWidth="3" />
            </pattern>
          </defs>
          {bars.map((bar, i) => {
            const w = Math.max(bar.value > 0 ? 2 : 0, (bar.value / max) * plot);
            const y = 5 + i * ROW;
            return (
              <g key={bar.label}>
                <text x={LABEL_W - 8} y={y + 17} textAnchor="end">
                  {bar.label.length > 18 ? `${bar.label.slice(0, 17)}…` : bar.label}
                </text>
                <rect className={bar.alt ? "bar alt" : "bar"} fill={bar.alt ? `url(#${id}-hatch)` : undefined} x={LABEL_W} y={y + 3} width={w} height={ROW - 10} rx={2} />
                <text x={LABEL_W + w + 6} y={y + 17}>
                  {bar.value}
                  {unit}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      <div id={`${id}-table`} hidden={!table}>
        {table && (
          <table aria-label={`${title} (table)`}>
            <thead>
              <tr>
                <th scope="col">{column}</th>
                <th scope="col">{valueColumn}</th>
              </tr>
            </thead>
            <tbody>
              {bars.length === 0 && (
                <tr>
                  <td colSpan={2}>No data in this range.</td>
                </tr>
              )}
              {bars.map((bar) => (
                <tr key={bar.label}>
                  <td>{bar.label}</td>
                  <td>
                    {bar.value}
                    {unit}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

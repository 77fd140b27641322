/**
 * Rates over time, kept in the browser: one sample per refresh (every 5 s) for the last
 * ten minutes, drawn as small hand-written SVG line charts (no chart library: a few
 * lines of SVG cost nothing in the page's chunk) with a table as the alternative.
 */
import { useId, useState } from "react";

export interface Sample {
  at: number; // ms since the epoch
  publish: number;
  deliver: number;
  ack: number;
  depth: number;
}

export const WINDOW_MS = 10 * 60 * 1000;

// Module state: the samples survive moving between the Operations pages.
let samples: Sample[] = [];

export function addSample(sample: Sample): Sample[] {
  const last = samples[samples.length - 1];
  if (last && last.at === sample.at) return samples;
  samples = [...samples, sample].filter((s) => s.at >= sample.at - WINDOW_MS);
  return samples;
}

export function currentSamples(): Sample[] {
  return samples;
}

export function resetSamples(): void {
  samples = [];
}

export interface Series {
  key: keyof Omit<Sample, "at">;
  label: string;
  className: string;
}

const W = 320;
const H = 90;
const PAD = 4;

function path(values: number[], times: number[], max: number, t0: number, t1: number): string {
  const span = Math.max(1, t1 - t0);
  return values
    .map((v, i) => {
      const x = PAD + (((times[i] ?? t0) - t0) / span) * (W - 2 * PAD);
      const y = H - PAD - (max > 0 ? (v / max) * (H - 2 * PAD) : 0);
      return `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

function clock(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function format(value: number, unit: string): string {
  return `${value < 10 && value % 1 ? value.toFixed(1) : Math.round(value)}${unit}`;
}

/** One small chart of a few series, with its latest values in words and a table view. */
export function LineChart({
  title,
  data,
  series,
  unit,
}: {
  title: string;
  data: Sample[];
  series: Series[];
  unit: string;
}) {
  const [asTable, setAsTable] = useState(false);
  const id = useId();
  const times = data.map((s) => s.at);
  const max = Math.max(0, ...data.flatMap((s) => series.map((one) => s[one.key])));
  const latest = data[data.length - 1];
  const t1 = latest?.at ?? 0;
  const t0 = Math.min(times[0] ?? 0, t1 - 60_000);
  const summary = latest
    ? series.map((one) => `${one.label} ${format(latest[one.key], unit)}`).join(", ")
    : "no samples yet";
  return (
    <figure className="chart card" aria-labelledby={`${id}-title`}>
      <div className="chart-head">
        <figcaption id={`${id}-title`} className="card-title">
          {title}
        </figcaption>
        <button type="button" className="button small ghost" aria-pressed={asTable} onClick={() => setAsTable((v) => !v)}>
          {asTable ? "View as chart" : "View as table"}
        </button>
      </div>
      <p className="small muted">
        Now: {summary}
        {data.length < 2 ? " · collecting samples (one every 5 s)…" : ""}
      </p>
      {asTable ? (
        <div className="table-wrap chart-table">
          <table aria-label={`${title} over the last 10 minutes`}>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {series.map((one) => (
                  <th scope="col" key={one.key}>
                    {one.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...data].reverse().map((s) => (
                <tr key={s.at}>
                  <td data-label="Time">{clock(s.at)}</td>
                  {series.map((one) => (
                    <td data-label={one.label} key={one.key}>
                      {format(s[one.key], unit)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <>
          <svg
            viewBox={`0 0 ${W} ${H}`}
            className="chart-svg"
            role="img"
            aria-label={`${title}, last 10 minutes. ${summary}. Peak ${format(max, unit)}.`}
            preserveAspectRatio="none"
          >
            <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} className="chart-axis" />
            {data.length > 1 &&
              series.map((one) => (
                <path
                  key={one.key}
                  d={path(
                    data.map((s) => s[one.key]),
                    times,
                    max,
                    t0,
                    t1,
                  )}
                  className={`chart-line ${one.className}`}
                  vectorEffect="non-scaling-stroke"
                />
              ))}
          </svg>
          <div className="chart-foot small muted">
            <span>{data.length ? clock(t0) : ""}</span>
            <ul className="chart-legend" aria-label="Legend">
              {series.map((one) => (
                <li key={one.key}>
                  <span className={`chart-swatch ${one.className}`} aria-hidden="true" /> {one.label}
                </li>
              ))}
            </ul>
            <span>peak {format(max, unit)}</span>
          </div>
        </>
      )}
    </figure>
  );
}

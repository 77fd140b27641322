import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, useSyncExternalStore } from "react";

import { workflow as api } from "../../api/clients";
import { ErrorState, LoadingState } from "../../components/QueryState";
import { ProblemError, errorDetail } from "../../api/problem";
import { usePageTitle } from "../../lib/usePageTitle";
import { useWorkflows } from "../workflows/api";
import { BarChart, type Bar } from "./charts";

export interface Kpis {
  range: { from: string; to: string };
  as_of?: string;
  created: number;
  completed: number;
  sla_compliance: number | null;
  sla_breached: number;
  mean_first_response_hours: number | null;
  mean_time_to_assign_hours: number | null;
  mean_resolution_hours: number | null;
  escalation_rate: number | null;
  transfer_rate: number | null;
  open_by_status: Record<string, number>;
  open_by_priority: Record<string, number>;
  backlog_age: Record<string, number>;
  load_per_agent: { user_id: number | null; name: string | null; open_tasks: number }[];
}

const DAY = 86_400_000;
const PRIORITY_ORDER = ["critical", "high", "medium", "low"];
// JSON objects come with their keys sorted: the buckets' own order is youngest first.
const AGE_ORDER = ["0-1d", "1-7d", "7-30d", "30-90d", "90d+"];

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The range as the API wants it: [from 00:00 UTC, the day after "to" 00:00 UTC). */
function rangeQuery(from: string, to: string) {
  return { from: `${from}T00:00:00Z`, to: new Date(Date.parse(`${to}T00:00:00Z`) + DAY).toISOString() };
}

function percent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 1000) / 10}%`;
}

function hours(value: number | null): string {
  return value === null ? "—" : `${value} h`;
}

function words(key: string): string {
  return key.replace(/_/g, " ");
}

function entries(map: Record<string, number>, order?: string[]): Bar[] {
  const keys = Object.keys(map);
  const rank = (key: string) => (order?.includes(key) ? order.indexOf(key) : Number.MAX_SAFE_INTEGER);
  if (order) keys.sort((a, b) => rank(a) - rank(b));
  return keys.map((key) => ({ label: words(key), value: map[key] ?? 0 }));
}

const PHONE = "(max-width: 639px)";

/** Admins and coordinators: KPIs over a date range, charts with their tables, CSV export. */
export default function ReportsPage() {
  usePageTitle("Reports");
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 29 * DAY)));
  const [to, setTo] = useState(isoDay(today));
  const [workflowId, setWorkflowId] = useState("");
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const workflows = useWorkflows();
  const phone = useSyncExternalStore(
    (notify) => {
      const q = window.matchMedia?.(PHONE);
      q?.addEventListener?.("change", notify);
      return () => q?.removeEventListener?.("change", notify);
    },
    () => !!window.matchMedia?.(PHONE).matches,
  );
  const badRange = !from || !to || from > to;
  const query = { ...rangeQuery(from, to), ...(workflowId ? { workflow: Number(workflowId) } : {}) };
  const report = useQuery({
    queryKey: ["reports", "kpis", query],
    queryFn: async () => (await api.GET("/api/workflow/reports/kpis", { params: { query } })).data as unknown as Kpis,
    enabled: !badRange,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });

  async function exportCsv() {
    setExportError(null);
    setExporting(true);
    try {
      const result = await api.GET("/api/workflow/reports/kpis", { params: { query: { ...query, format: "csv" } }, parseAs: "blob" });
      const url = URL.createObjectURL(result.data as unknown as Blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `tts-report-${from}-to-${to}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  }

  const data = report.data;
  const met = data && data.sla_compliance !== null ? Math.round(data.sla_compliance * data.completed) : 0;
  return (
    <section className="page stack" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Reports</h1>
        <button type="button" className="button" onClick={() => void exportCsv()} disabled={badRange || exporting}>
          {exporting ? "Exporting…" : "Export CSV"}
        </button>
      </div>
      <form className="filters" aria-label="Report filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field inline">
          <label htmlFor="report-from">From</label>
          <input id="report-from" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} aria-invalid={badRange || undefined} aria-describedby={badRange ? "report-range-error" : undefined} />
        </div>
        <div className="field inline">
          <label htmlFor="report-to">To</label>
          <input id="report-to" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} aria-invalid={badRange || undefined} aria-describedby={badRange ? "report-range-error" : undefined} />
        </div>
        <div className="field inline">
          <label htmlFor="report-workflow">Workflow (category)</label>
          <select id="report-workflow" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)}>
            <option value="">All workflows</option>
            {workflows.data?.items?.map((w) => (
              <option key={w.id} value={String(w.id)}>
                {w.name}
                {w.category ? ` (${w.category})` : ""}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button" onClick={() => void report.refetch()} disabled={badRange || report.isFetching}>
          Refresh
        </button>
      </form>
      {badRange && (
        <p className="form-error" id="report-range-error" role="alert">
          Choose a start date on or before the end date.
        </p>
      )}
      {exportError !== null && (
        <div className="state state-error" role="alert">
          <p>
            <strong>The CSV export failed. </strong>
            {errorDetail(exportError)}
          </p>
          {exportError instanceof ProblemError && exportError.requestId && <p className="muted small">Request ID: {exportError.requestId}</p>}
        </div>
      )}
      {phone && <p className="muted small">Reports are view-only at phone width.</p>}
      {!badRange && report.isPending && <LoadingState label="Loading the report…" rows={4} />}
      {report.isError && <ErrorState error={report.error} onRetry={() => void report.refetch()} />}
      {data && (
        <>
          <p className="muted small" role="status" aria-live="polite">
            Data as of {new Date(data.as_of ?? report.dataUpdatedAt).toLocaleString()} · tasks created {from} to {to}
            {report.isFetching ? " · updating…" : ""}
          </p>
          {data.created === 0 && Object.keys(data.open_by_status).length === 0 ? (
            <div className="state state-empty">
              <p>No tasks in this range. Widen the dates, or pick all workflows.</p>
            </div>
          ) : null}
          <ul className="kpis" aria-label="Key figures">
            {[
              ["SLA compliance", percent(data.sla_compliance), `${met} of ${data.completed} completed within target`],
              ["SLA breached", String(data.sla_breached), "tasks past their due time"],
              ["Tasks created", String(data.created), "in the range"],
              ["Tasks completed", String(data.completed), "of those created"],
              ["Mean first response", hours(data.mean_first_response_hours), ""],
              ["Mean time to assign", hours(data.mean_time_to_assign_hours), ""],
              ["Mean resolution", hours(data.mean_resolution_hours), ""],
              ["Escalation rate", percent(data.escalation_rate), ""],
              ["Transfer rate", percent(data.transfer_rate), ""],
              ["Backlog", String(Object.values(data.open_by_status).reduce((a, b) => a + b, 0)), "open tasks now"],
            ].map(([label, value, note]) => (
              <li key={label} className="kpi">
                <span className="muted small">{label}</span>
                <span className="kpi-value">{value}</span>
                {note && <span className="muted small">{note}</span>}
              </li>
            ))}
          </ul>
          <div className="charts">
            <BarChart
              title="SLA compliance"
              column="Outcome"
              description="Completed tasks of the range: met their target (solid) or missed it (hatched)."
              bars={
                data.completed
                  ? [
                      { label: "Met", value: met },
                      { label: "Missed", value: data.completed - met, alt: true },
                    ]
                  : []
              }
            />
            <BarChart title="Backlog by age" column="Age" description="Open tasks now, by time since created." bars={entries(data.backlog_age, AGE_ORDER)} />
            <BarChart title="Backlog by status" column="Status" bars={entries(data.open_by_status)} />
            <BarChart title="Backlog by priority" column="Priority" bars={entries(data.open_by_priority, PRIORITY_ORDER)} />
            <BarChart
              title="Load per agent"
              column="Agent"
              valueColumn="Open tasks"
              description="Assigned or held tasks per agent, now."
              bars={data.load_per_agent.map((row) => ({ label: row.name || `User ${row.user_id ?? "?"}`, value: row.open_tasks }))}
            />
          </div>
        </>
      )}
    </section>
  );
}

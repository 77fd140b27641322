import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { render } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ProblemError } from "../api/problem";
import { ErrorState, QueryState } from "./QueryState";
import { formatSpan } from "../lib/sla";
import { SlaBadge, TicketStatusBadge } from "./badges";
import { PrioritySelect } from "./PrioritySelect";

const NOW = new Date("2026-11-25T12:00:00Z");

describe("SlaBadge", () => {
  it("says the state in words, with the due time", () => {
    const { rerender } = render(<SlaBadge dueAt="2026-11-25T15:00:00Z" now={NOW} />);
    expect(screen.getByText(/On track · due/)).toBeInTheDocument();
    rerender(<SlaBadge dueAt="2026-11-25T15:00:00Z" atRisk now={NOW} />);
    expect(screen.getByText(/At risk · due/)).toBeInTheDocument();
    rerender(<SlaBadge dueAt="2026-11-25T11:00:00Z" now={NOW} />);
    expect(screen.getByText(/Breached · due/)).toBeInTheDocument();
    rerender(<SlaBadge dueAt="2026-11-25T11:00:00Z" paused now={NOW} />);
    expect(screen.getByText("On hold")).toBeInTheDocument();
  });
});

describe("TicketStatusBadge", () => {
  it("reads Assigned until someone works on an in-progress ticket", () => {
    const { rerender } = render(<TicketStatusBadge ticket={{ status: "in_progress", work_started_at: null }} />);
    expect(screen.getByText("Assigned")).toBeInTheDocument();
    rerender(<TicketStatusBadge ticket={{ status: "in_progress", work_started_at: "2026-11-25T11:00:00Z" }} />);
    expect(screen.getByText("In progress")).toBeInTheDocument();
    rerender(<TicketStatusBadge ticket={{ status: "on_hold", work_started_at: null }} />);
    expect(screen.getByText("On hold")).toBeInTheDocument();
  });
});

describe("formatSpan", () => {
  it("says minutes, hours and days in words", () => {
    expect(formatSpan(35)).toBe("35 m");
    expect(formatSpan(130)).toBe("2 h 10 m");
    expect(formatSpan(120)).toBe("2 h");
    expect(formatSpan(1440 * 3 + 245)).toBe("3 d 4 h");
  });
});

describe("list states", () => {
  const base = { refetch: vi.fn() };

  it("shows loading, then empty with its next action", () => {
    const loading = { ...base, isPending: true, isError: false } as never;
    const { rerender } = render(<QueryState query={loading}>{() => <p>rows</p>}</QueryState>);
    expect(screen.getByRole("status")).toHaveTextContent("Loading");
    const empty = { ...base, isPending: false, isError: false, data: [] } as never;
    rerender(
      <QueryState query={empty} isEmpty={(d: unknown[]) => d.length === 0} empty={<p>Queue clear</p>}>
        {() => <p>rows</p>}
      </QueryState>,
    );
    expect(screen.getByText("Queue clear")).toBeInTheDocument();
    expect(screen.queryByText("rows")).not.toBeInTheDocument();
  });

  it("shows the problem's detail and the request id, and retries", async () => {
    const retry = vi.fn();
    render(<ErrorState error={new ProblemError(503, { title: "Unavailable", status: 503, detail: "The database is unavailable.", request_id: "req-9" })} onRetry={retry} />);
    expect(screen.getByRole("alert")).toHaveTextContent("The database is unavailable.");
    expect(screen.getByRole("alert")).toHaveTextContent("req-9");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(retry).toHaveBeenCalledOnce();
  });
});

describe("PrioritySelect", () => {
  it("offers every priority in words, and 'any' only where asked", async () => {
    const chosen: string[] = [];
    const { unmount } = render(<PrioritySelect id="p" value="medium" onChange={(v) => chosen.push(v)} />);
    const select = screen.getByLabelText("Priority");
    expect(Array.from((select as HTMLSelectElement).options).map((o) => o.text)).toEqual(["Low", "Medium", "High", "Critical"]);
    await userEvent.selectOptions(select, "critical");
    expect(chosen).toEqual(["critical"]);
    unmount();
    render(<PrioritySelect id="f" label="Priority filter" value="" onChange={() => undefined} anyLabel="Any priority" />);
    expect(screen.getByLabelText("Priority filter")).toHaveDisplayValue("Any priority");
  });
});

import { describe as group, expect, it } from "vitest";

import type { HistoryEntry } from "../../api/types";
import { describe } from "./HistoryPanel";

const AGENT = { id: 3, name: "Ava Agent" };
const EMMA = { id: 7, name: "Emma Employee" };

function entry(action: string, actor: { id: number | null; name: string }, changes: [string, unknown, unknown][] = [], reason: string | null = null): HistoryEntry {
  return {
    id: 1,
    at: "2026-12-08T10:00:00Z",
    action,
    actor,
    reason,
    changes: changes.map(([field, old_value, new_value]) => ({ field, old_value, new_value })),
  };
}

group("History in sentences", () => {
  it("speaks to the person reading it, in words, never in field names or ids", () => {
    expect(describe(entry("create", EMMA), EMMA.id)).toBe("You submitted it");
    expect(describe(entry("create", EMMA), AGENT.id)).toBe("Emma Employee submitted it");
    expect(describe(entry("complete", AGENT, [["status", "in_progress", "resolved"]], "Replaced the cable"), EMMA.id)).toBe(
      "Ava Agent resolved it: Replaced the cable",
    );
    expect(describe(entry("rate", EMMA, [["csat", null, 4]]), EMMA.id)).toBe("You rated it 4 out of 5");
    expect(describe(entry("approve", { id: 2, name: "Colin" }, [["status", "new", "open"], ["priority", null, "high"]]), EMMA.id)).toBe(
      "Colin approved it, high priority",
    );
    expect(describe(entry("assign", { id: null, name: "Workflow" }, [["assignee_name", null, "Ava Agent"], ["status", "open", "in_progress"]]), EMMA.id)).toBe(
      "Assigned to Ava Agent (now in progress)",
    );
    expect(describe(entry("edit", EMMA, [["subject", "a", "b"]]), EMMA.id)).toBe("You changed the subject");
    expect(describe(entry("auto_close", { id: null, name: "System" }, [["status", "resolved", "closed"]]), EMMA.id)).toBe(
      "Closed by itself after being resolved for 72 hours",
    );
    for (const sentence of [describe(entry("assign", { id: null, name: "Workflow" }, [["current_step", "Triage", "Resolve"]]), AGENT.id)]) {
      expect(sentence).toBe("Moved to step Resolve");
      expect(sentence).not.toMatch(/_id|csat|—/);
    }
  });
});

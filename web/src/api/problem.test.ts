import { describe, expect, it } from "vitest";

import { ProblemError, errorDetail, flattenErrors } from "./problem";

describe("problems", () => {
  it("shows the service's own detail in plain words", () => {
    const error = new ProblemError(409, { title: "Conflict", status: 409, detail: "The ticket was already approved.", request_id: "r-1" });
    expect(errorDetail(error)).toBe("The ticket was already approved.");
    expect(error.requestId).toBe("r-1");
  });

  it("names fields by path, without the request location", () => {
    expect(flattenErrors({ json: { subject: ["Missing data."], details: { asset_name: ["Required."] } } })).toEqual({
      subject: ["Missing data."],
      "details.asset_name": ["Required."],
    });
  });

  it("explains an unreachable or failing server", () => {
    expect(new ProblemError(502, undefined).detail).toMatch(/server had a problem/);
  });
});

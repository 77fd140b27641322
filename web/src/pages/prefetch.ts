/** Fetch the landing pages' code while someone signs in, so the first page after
 *  "Sign in" waits only for its data (each is a small chunk of its own). */
export function prefetchHomePages(): void {
  const load = () => {
    void import("./MyTasksPage");
    void import("./MyTicketsPage");
    void import("./TriagePage");
  };
  if ("requestIdleCallback" in window) window.requestIdleCallback(load);
  else setTimeout(load, 200);
}

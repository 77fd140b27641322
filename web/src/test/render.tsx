import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";

import { SessionProvider } from "../auth/SessionProvider";
import { RequireSession } from "../shell/guards";

export const EMPLOYEE = { id: 7, email: "employee@example.com", name: "Emma Employee", roles: { hdts: ["Employee"] } };

/** A component inside the app's providers, at `path`; behind sign-in unless `open`. */
export function renderApp(element: ReactElement, path = "/", open = false) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <MemoryRouter initialEntries={[path]}>{open ? element : <RequireSession>{element}</RequireSession>}</MemoryRouter>
      </SessionProvider>
    </QueryClientProvider>,
  );
}

import { createBrowserRouter, type RouteObject } from "react-router";

import AppShell from "./shell/AppShell";
import { HomeRedirect, RequireRole, RequireSession } from "./shell/guards";
import { ErrorPage } from "./pages/ErrorPage";

// One lazy chunk per page: a person downloads only the pages they open.
const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({
  Component: (await load()).default,
});

export const routes: RouteObject[] = [
  { path: "/sign-in", lazy: page(() => import("./pages/SignInPage")), errorElement: <ErrorPage /> },
  // Signed-out pages; the last two are the links the service mails.
  { path: "/register", lazy: page(() => import("./pages/account/RegisterPage")), errorElement: <ErrorPage /> },
  { path: "/forgot-password", lazy: page(() => import("./pages/account/ForgotPasswordPage")), errorElement: <ErrorPage /> },
  { path: "/reset-password", lazy: page(() => import("./pages/account/ResetPassword")), errorElement: <ErrorPage /> },
  { path: "/accept-invitation", lazy: page(() => import("./pages/account/AcceptInvitation")), errorElement: <ErrorPage /> },
  {
    path: "/",
    element: (
      <RequireSession>
        <AppShell />
      </RequireSession>
    ),
    errorElement: <ErrorPage />,
    children: [
      { index: true, element: <HomeRedirect /> },
      {
        element: <RequireRole capability="employee" />,
        children: [
          { path: "tickets", lazy: page(() => import("./pages/MyTicketsPage")) },
          { path: "tickets/new", lazy: page(() => import("./pages/NewTicketPage")) },
        ],
      },
      { path: "tickets/:number", lazy: page(() => import("./pages/TicketPage")) },
      { path: "tickets/by-id/:ticketId", lazy: page(() => import("./pages/TicketByIdRedirect")) },
      {
        element: <RequireRole capability="coordinator" />,
        children: [
          { path: "triage", lazy: page(() => import("./pages/TriagePage")) },
          { path: "unrouted", lazy: page(() => import("./pages/UnroutedPage")) },
          { path: "all-tickets", lazy: page(() => import("./pages/AllTicketsPage")) },
        ],
      },
      {
        element: <RequireRole capability="agent" />,
        children: [{ path: "tasks", lazy: page(() => import("./pages/MyTasksPage")) }],
      },
      {
        // Coordinators open tasks too: to transfer them.
        element: <RequireRole capability="staff" />,
        children: [{ path: "tasks/:taskId", lazy: page(() => import("./pages/TaskPage")) }],
      },
      { path: "notifications", lazy: page(() => import("./pages/NotificationsPage")) },
      { path: "account/security", lazy: page(() => import("./pages/SecurityPage")) },
      {
        path: "admin",
        element: <RequireRole capability="admin" />,
        children: [
          { path: "users", lazy: page(() => import("./pages/admin/AdminUsersPage")) },
          { path: "categories", lazy: page(() => import("./pages/admin/CategoriesPage")) },
          // Workflows and reports: admin-only chunks (graph editor and charts load only here).
          { path: "workflows", lazy: page(() => import("./pages/workflows/WorkflowsPage")) },
          { path: "workflows/:workflowId", lazy: page(() => import("./pages/workflows/WorkflowPage")) },
          { path: "reports", lazy: page(() => import("./pages/reports/ReportsPage")) },
        ],
      },
      {
        // Operations (issue 15): background jobs, for tts Operators and admins.
        path: "ops",
        element: <RequireRole capability="operator" />,
        children: [
          {
            lazy: page(() => import("./pages/ops/OpsLayout")),
            children: [
              { index: true, lazy: page(() => import("./pages/ops/OverviewPage")) },
              { path: "failures", lazy: page(() => import("./pages/ops/FailuresPage")) },
              { path: "dead", lazy: page(() => import("./pages/ops/DeadLettersPage")) },
              { path: "outbox", lazy: page(() => import("./pages/ops/OutboxPage")) },
              { path: "audit", lazy: page(() => import("./pages/ops/AuditPage")) },
              {
                // Caught mail holds one-time links: only for those who may do everything.
                path: "mail",
                element: <RequireRole capability="superuser" />,
                children: [{ index: true, lazy: page(() => import("./pages/ops/MailPage")) }],
              },
            ],
          },
        ],
      },
      { path: "*", lazy: page(() => import("./pages/NotFoundPage")) },
    ],
  },
];

export function makeRouter() {
  return createBrowserRouter(routes);
}

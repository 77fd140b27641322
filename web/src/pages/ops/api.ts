/**
 * The operators' API: every service mounts the same endpoints at `<prefix>/ops` and answers
 * for its own database, queues and journal, so these pages ask each one and put the
 * answers side by side. The five APIs are identical, so one set of types (auth's) serves.
 */
import { useQueries, useQuery } from "@tanstack/react-query";

import type { components } from "../../api/auth";
import { ProblemError } from "../../api/problem";
import { sessionFetch } from "../../api/session";

type Schemas = components["schemas"];
export type OpsStatus = Schemas["OpsStatusOut"];
export type OpsQueue = Schemas["OpsQueueOut"];
export type OpsHeartbeat = Schemas["OpsHeartbeatOut"];
export type FailureGroup = Schemas["OpsFailureGroupOut"];
export type Failure = Schemas["OpsFailureOut"];
export type FailurePage = Schemas["OpsFailurePage"];
export type DeadLetter = Schemas["OpsDeadLetterOut"];
export type DeadPage = Schemas["OpsDeadPage"];
export type ActionResult = Schemas["OpsActionOut"];
export type AuditRow = Schemas["OpsAuditOut"];
export type AuditPage = Schemas["OpsAuditPage"];

export interface Service {
  /** The service's own name (as its status and failures name it). */
  name: string;
  label: string;
  prefix: string;
}

export const SERVICES: Service[] = [
  { name: "auth", label: "Auth", prefix: "/api/auth" },
  { name: "tickets", label: "Tickets", prefix: "/api/tickets" },
  { name: "workflow", label: "Workflow", prefix: "/api/workflow" },
  { name: "chat", label: "Chat", prefix: "/api/chat" },
  { name: "notify", label: "Notifications", prefix: "/api/notifications" },
];

export const NOTIFY: Service = SERVICES[4]!;

export function serviceNamed(name: string): Service | undefined {
  return SERVICES.find((s) => s.name === name);
}

export const REFRESH_MS = 5000;

type Query = Record<string, string | number | boolean | undefined | null>;

async function send(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await sessionFetch(new URL(url, window.location.origin).toString(), init);
  } catch {
    throw new ProblemError(0, undefined);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) throw new ProblemError(response.status, body as ConstructorParameters<typeof ProblemError>[1]);
  return body;
}

/** GET `<prefix>/ops<path>` with the query (empty values left out). */
export function opsGet<T>(service: Service, path: string, query: Query = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return send(`${service.prefix}/ops${path}${search ? `?${search}` : ""}`) as Promise<T>;
}

export function opsPost<T>(service: Service, path: string, body: object): Promise<T> {
  return send(`${service.prefix}/ops${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }) as Promise<T>;
}

/** Every service's status, asked in parallel; a service that fails is one failed query. */
export function useAllStatus(refresh = true) {
  return useQueries({
    queries: SERVICES.map((service) => ({
      queryKey: ["ops", service.name, "status"],
      queryFn: () => opsGet<OpsStatus>(service, "/status"),
      refetchInterval: refresh ? REFRESH_MS : (false as const),
      retry: false,
    })),
  });
}

/** Whether this deployment runs the development mail catcher (404 where it does not). */
/** Whether caught mail is there for this reader: only superusers ask (others would get 403). */
export function useMailCatcher(mayRead: boolean) {
  return useQuery({
    queryKey: ["ops", "mail", "available"],
    enabled: mayRead,
    queryFn: async () => {
      try {
        await send("/api/notifications/ops/mail?limit=1");
        return true;
      } catch (error) {
        if (error instanceof ProblemError && (error.status === 404 || error.status === 403)) return false;
        throw error;
      }
    },
    retry: false,
    staleTime: 60_000,
  });
}

/** Seconds as people say them: 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  return `${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s`;
}

export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

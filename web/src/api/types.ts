import type { components as Chat } from "./chat";
import type { components as Tickets } from "./tickets";
import type { components as Workflow } from "./workflow";

export type Ticket = Tickets["schemas"]["TicketDetailOut"];
export type TicketStatus = NonNullable<Ticket["status"]>;
export type Category = Tickets["schemas"]["CategoryOut"];
export type Attachment = Tickets["schemas"]["AttachmentOut"];
export type HistoryEntry = Tickets["schemas"]["HistoryOut"];
export type Task = Workflow["schemas"]["TaskOut"];
export type TaskDetail = Workflow["schemas"]["TaskDetailOut"];
export type Message = Chat["schemas"]["MessageOut"];
export type Priority = "low" | "medium" | "high" | "critical";
export type Department = "IT" | "Asset" | "Budget";

export const PRIORITIES: Priority[] = ["low", "medium", "high", "critical"];
export const DEPARTMENTS: Department[] = ["IT", "Asset", "Budget"];

/** Who a row names (the services send `{id, name}` objects). */
export interface PersonRef {
  id?: number;
  name?: string;
  email?: string;
}

export function personName(value: unknown): string {
  const person = value as PersonRef | null | undefined;
  return person?.name || person?.email || "—";
}

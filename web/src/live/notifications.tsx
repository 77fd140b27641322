import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";

import { data, notifications as api } from "../api/clients";
import type { components } from "../api/notifications";
import { LiveSocket, type LiveFrame, type LiveStatus } from "./LiveSocket";

export type Notification = components["schemas"]["NotificationOut"];
type Page = components["schemas"]["NotificationPage"];

export const NOTIFICATIONS_KEY = ["notifications"] as const;

interface LiveNotifications {
  status: LiveStatus;
  /** The latest arrival, for the polite live region. */
  latest: Notification | null;
}

const Context = createContext<LiveNotifications>({ status: "connecting", latest: null });

export function useNotificationList() {
  return useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: async () => data(await api.GET("/api/notifications", { params: { query: { limit: 50 } } })),
    staleTime: 30_000,
  });
}

/** One socket per signed-in page: pushes notifications into the cache and refreshes the
 *  lists they are about (a new task, a status change) so nothing needs a reload. */
export function NotificationsLive({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [latest, setLatest] = useState<Notification | null>(null);

  useEffect(() => {
    const socket = new LiveSocket({
      path: "/ws/notifications",
      idOf: (frame) => (frame.type === "notification" ? (frame.notification as Notification).id : undefined),
      onStatus: setStatus,
      onReconnect: () => void queryClient.invalidateQueries(),
      onFrame: (frame: LiveFrame) => {
        if (frame.type === "ready") {
          queryClient.setQueryData<Page>(NOTIFICATIONS_KEY, (page) =>
            page ? { ...page, unread_count: frame.unread_count as number } : page,
          );
          return;
        }
        if (frame.type !== "notification") return;
        const note = frame.notification as Notification;
        queryClient.setQueryData<Page>(NOTIFICATIONS_KEY, (page) => {
          if (!page) return page;
          if (page.items?.some((item) => item.id === note.id)) return page;
          return { ...page, items: [note, ...(page.items ?? [])], unread_count: (page.unread_count ?? 0) + 1 };
        });
        if (!queryClient.getQueryData(NOTIFICATIONS_KEY)) void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
        setLatest(note);
        // What the notification is about has changed: lists and that ticket refetch.
        void queryClient.invalidateQueries({ queryKey: ["tasks"] });
        void queryClient.invalidateQueries({ queryKey: ["tickets"] });
        void queryClient.invalidateQueries({ queryKey: ["unrouted"] });
      },
    });
    socket.start();
    return () => socket.stop();
  }, [queryClient]);

  return <Context.Provider value={{ status, latest }}>{children}</Context.Provider>;
}

export function useLiveNotifications(): LiveNotifications {
  return useContext(Context);
}

/** Where a notification leads: its ticket's page, by the number people see (a task's
 *  notice knows the task: its page finds the number; an older notice only the id). */
export function notificationLink(note: Notification): string | null {
  const payload = (note.data ?? {}) as { task_id?: number; ticket_id?: number; ticket_number?: number | null };
  if (payload.ticket_number) return `/tickets/${payload.ticket_number}`;
  if (payload.task_id) return `/tasks/${payload.task_id}`;
  if (payload.ticket_id) return `/tickets/by-id/${payload.ticket_id}`;
  return null;
}


/** Opening a ticket's page reads its notifications: the person now sees what they were
 *  about. Shown read at once in the bell's list; the server's count then replaces ours. */
export function useReadTicketNotifications(ticketId: number, ready: boolean) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!ready || !Number.isFinite(ticketId)) return;
    const about = (note: Notification) => (note.data as { ticket_id?: number } | undefined)?.ticket_id === ticketId;
    queryClient.setQueryData<Page>(NOTIFICATIONS_KEY, (page) => {
      if (!page) return page;
      const unread = page.items?.filter((note) => about(note) && !note.read_at).length ?? 0;
      if (!unread) return page;
      const now = new Date().toISOString();
      return {
        ...page,
        unread_count: Math.max(0, (page.unread_count ?? 0) - unread),
        items: page.items?.map((note) => (about(note) && !note.read_at ? { ...note, read_at: now, is_read: true } : note)),
      };
    });
    let current = true;
    void api
      .POST("/api/notifications/read", { body: { ticket_id: ticketId } })
      .then(({ data: marked }) => {
        if (!current || marked?.unread_count === undefined) return;
        queryClient.setQueryData<Page>(NOTIFICATIONS_KEY, (page) => (page ? { ...page, unread_count: marked.unread_count } : page));
      })
      // Not worth an error on the ticket page: the notices simply stay unread.
      .catch(() => void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }));
    return () => {
      current = false;
    };
  }, [ticketId, ready, queryClient]);
}

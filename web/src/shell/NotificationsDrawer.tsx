import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";

import { notifications as api } from "../api/clients";
import { errorDetail } from "../api/problem";
import { QueryState } from "../components/QueryState";
import { formatWhen } from "../lib/sla";
import { NOTIFICATIONS_KEY, notificationLink, useNotificationList, type Notification } from "../live/notifications";

type Page = { items?: Notification[]; unread_count?: number };

export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      await api.POST("/api/notifications/{notification_id}/read", { params: { path: { notification_id: id } } });
    },
    // Low risk: shown read at once, put back if the server refuses.
    onMutate: async (id) => {
      await queryClient.cancelQueries({ queryKey: NOTIFICATIONS_KEY });
      const before = queryClient.getQueryData<Page>(NOTIFICATIONS_KEY);
      queryClient.setQueryData<Page>(NOTIFICATIONS_KEY, (page) => {
        if (!page) return page;
        const target = page.items?.find((n) => n.id === id);
        if (!target || target.read_at) return page;
        return {
          ...page,
          unread_count: Math.max(0, (page.unread_count ?? 1) - 1),
          items: page.items?.map((n) => (n.id === id ? { ...n, read_at: new Date().toISOString(), is_read: true } : n)),
        };
      });
      return { before };
    },
    onError: (_error, _id, context) => queryClient.setQueryData(NOTIFICATIONS_KEY, context?.before),
  });
}

export function useMarkAllRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.POST("/api/notifications/read-all");
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
}

export function NotificationItems({ onOpen }: { onOpen?: () => void }) {
  const list = useNotificationList();
  const markRead = useMarkRead();
  const navigate = useNavigate();
  return (
    <QueryState
      query={list}
      loadingLabel="Loading notifications…"
      isEmpty={(page) => !page.items?.length}
      empty={<p>No notifications yet. You will be told here when something needs you.</p>}
    >
      {(page) => (
        <ul className="notification-list">
          {page.items?.map((note) => {
            const link = notificationLink(note);
            const unread = !note.read_at;
            return (
              <li key={note.id} className={unread ? "notification unread" : "notification"}>
                <button
                  type="button"
                  className="notification-open"
                  onClick={() => {
                    if (unread && note.id) markRead.mutate(note.id);
                    if (link) {
                      navigate(link);
                      onOpen?.();
                    }
                  }}
                >
                  <span className="notification-subject">
                    {unread && <span className="visually-hidden">Unread: </span>}
                    {note.subject}
                  </span>
                  <span className="muted small">{note.body}</span>
                  <span className="muted small">{formatWhen(note.created_at)}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </QueryState>
  );
}

/** The panel the bell opens: newest first, opening an item marks it read. */
export function NotificationsDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const markAll = useMarkAllRead();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal?.();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} className="drawer" aria-labelledby="notifications-title" onClose={onClose}>
      <div className="drawer-head">
        <h2 id="notifications-title">Notifications</h2>
        <button type="button" className="button" onClick={() => markAll.mutate()} disabled={markAll.isPending}>
          Mark all read
        </button>
        <button type="button" className="button ghost" onClick={onClose} aria-label="Close panel">
          ✕
        </button>
      </div>
      {markAll.isError && <p role="alert">{errorDetail(markAll.error)}</p>}
      {open && <NotificationItems onOpen={onClose} />}
    </dialog>
  );
}

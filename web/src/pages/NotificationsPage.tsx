import { usePageTitle } from "../lib/usePageTitle";
import { NotificationItems, useMarkAllRead } from "../shell/NotificationsDrawer";

export default function NotificationsPage() {
  usePageTitle("Notifications");
  const markAll = useMarkAllRead();
  return (
    <section className="page narrow" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Notifications</h1>
        <button type="button" className="button" onClick={() => markAll.mutate()} disabled={markAll.isPending}>
          Mark all read
        </button>
      </div>
      <NotificationItems />
    </section>
  );
}

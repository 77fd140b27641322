import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";

import { chat, data } from "../../api/clients";
import { errorDetail } from "../../api/problem";
import type { Message } from "../../api/types";
import { useUser } from "../../auth/SessionProvider";
import { ErrorState, LoadingState } from "../../components/QueryState";
import { LockIcon } from "../../components/icons";
import { useDraft } from "../../lib/drafts";
import { formatWhen } from "../../lib/sla";
import { LiveSocket, type LiveFrame } from "../../live/LiveSocket";

type Mode = "reply" | "note";

export function mergeMessages(list: Message[] | undefined, incoming: Message): Message[] {
  const current = list ?? [];
  if (current.some((m) => m.id === incoming.id)) return current;
  return [...current, incoming].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/** The ticket's conversation, live: messages from others appear without a reload. */
export function Conversation({ ticketId, canWriteNotes }: { ticketId: number; canWriteNotes: boolean }) {
  const user = useUser();
  const queryClient = useQueryClient();
  const messages = useQuery({
    queryKey: ["chat", ticketId],
    queryFn: async () =>
      data(
        await chat.GET("/api/chat/tickets/{ticket_id}/messages", {
          params: { path: { ticket_id: ticketId }, query: { limit: 500 } },
        }),
      ).items ?? [],
    staleTime: Infinity, // the socket keeps it current
  });
  const loaded = messages.isSuccess;
  // The socket resumes after what the first REST page showed: nothing missed in between.
  const lastIdAtLoad = useRef<number | null>(null);
  if (loaded && lastIdAtLoad.current === null) lastIdAtLoad.current = messages.data.at(-1)?.id ?? 0;

  useEffect(() => {
    if (!loaded) return;
    const key = ["chat", ticketId];
    const socket = new LiveSocket({
      path: `/ws/chat/tickets/${ticketId}`,
      after: lastIdAtLoad.current ?? 0,
      idOf: (frame) => (frame.type === "message" ? (frame.message as Message).id : undefined),
      onReconnect: () => void queryClient.invalidateQueries({ queryKey: key }),
      onFrame: (frame: LiveFrame) => {
        if (frame.type === "message") {
          queryClient.setQueryData<Message[]>(key, (list) => mergeMessages(list, frame.message as Message));
        }
      },
    });
    socket.start();
    return () => socket.stop();
  }, [loaded, ticketId, queryClient]);

  const log = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLFormElement>(null);
  const [pinned, setPinned] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const count = messages.data?.length ?? 0;
  const previousCount = useRef(count);
  useEffect(() => {
    const element = log.current;
    const added = count - previousCount.current;
    previousCount.current = count;
    if (!element) return;
    // Calm: never scroll away from what the reader scrolled up to; a pill says what came.
    if (pinned) element.scrollTop = element.scrollHeight;
    else if (added > 0) setUnseen((n) => n + added);
  }, [count, pinned]);

  // On opening, the page scrolls (only as far as needed) to bring the composer into view:
  // the log, scrolled to its end, sits right above it, so the newest message shows too.
  // The composer is in the flow, never over the log; on a phone its scroll margin keeps
  // it above the bottom navigation.
  const scrolledOnOpen = useRef(false);
  useEffect(() => {
    if (!loaded || scrolledOnOpen.current) return;
    scrolledOnOpen.current = true;
    composer.current?.scrollIntoView?.({ block: "nearest" });
  }, [loaded]);

  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title">Conversation</h2>
      {messages.isPending ? (
        <LoadingState label="Loading the conversation…" />
      ) : messages.isError ? (
        <ErrorState error={messages.error} onRetry={() => void messages.refetch()} />
      ) : (
        <div
          ref={log}
          className="message-log"
          role="log"
          aria-labelledby="conversation-title"
          tabIndex={0}
          onScroll={(event) => {
            const element = event.currentTarget;
            const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
            setPinned(atBottom);
            if (atBottom) setUnseen(0);
          }}
        >
          {count === 0 && <p className="muted">No messages yet. Write the first one below.</p>}
          {messages.data.map((message) => (
            <article
              key={message.id}
              className={`message${message.internal ? " internal" : ""}${message.author?.id === user.id ? " mine" : ""}`}
              aria-label={`${message.internal ? "Internal, by" : "By"} ${message.author?.name ?? "someone"}`}
            >
              <header className="small">
                <strong>{message.author?.name ?? "Someone"}</strong>{" "}
                {message.internal && (
                  <span className="badge internal-badge">
                    <LockIcon /> Internal
                  </span>
                )}{" "}
                <time className="muted" dateTime={message.created_at}>
                  {formatWhen(message.created_at)}
                </time>
              </header>
              <p className="message-body">{message.body}</p>
            </article>
          ))}
        </div>
      )}
      {unseen > 0 && (
        <button
          type="button"
          className="button pill"
          onClick={() => {
            log.current?.scrollTo({ top: log.current.scrollHeight });
            setUnseen(0);
          }}
        >
          {unseen} new message{unseen > 1 ? "s" : ""} ↓
        </button>
      )}
      <Composer
        formRef={composer}
        ticketId={ticketId}
        canWriteNotes={canWriteNotes}
        onSent={(m) => queryClient.setQueryData<Message[]>(["chat", ticketId], (list) => mergeMessages(list, m))}
      />
    </section>
  );
}

function Composer(props: {
  formRef: RefObject<HTMLFormElement | null>;
  ticketId: number;
  canWriteNotes: boolean;
  onSent: (m: Message) => void;
}) {
  const { formRef, ticketId, canWriteNotes, onSent } = props;
  const user = useUser();
  const [mode, setMode] = useState<Mode>("reply");
  // One draft per mode: a note's text can never slip into a reply by switching modes.
  const [drafts, setDrafts] = useDraft(`message.${user.id}.${ticketId}`, { reply: "", note: "" });
  const text = drafts[mode];
  const send = useMutation({
    mutationFn: async (payload: { body: string; internal: boolean }) =>
      data(
        await chat.POST("/api/chat/tickets/{ticket_id}/messages", {
          params: { path: { ticket_id: ticketId } },
          body: payload,
        }),
      ),
    onSuccess: (message, payload) => {
      onSent(message);
      setDrafts((d) => ({ ...d, [payload.internal ? "note" : "reply"]: "" }));
    },
  });

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!text.trim() || send.isPending) return;
    send.mutate({ body: text.trim(), internal: mode === "note" });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) submit();
  }

  const note = mode === "note";
  return (
    <form ref={formRef} className={note ? "composer internal" : "composer"} onSubmit={submit}>
      {canWriteNotes && (
        // Named apart from the fields' labels ("Message", "Internal note"): a search for a
        // field by its label (a screen reader's, voice control's) finds the field alone.
        <div className="chips" role="radiogroup" aria-label="Reply or note">
          <button type="button" role="radio" aria-checked={!note} className={!note ? "chip active" : "chip"} onClick={() => setMode("reply")}>
            Reply
          </button>
          <button type="button" role="radio" aria-checked={note} className={note ? "chip active" : "chip"} onClick={() => setMode("note")}>
            <LockIcon /> Internal note
          </button>
        </div>
      )}
      <div className="field">
        <label htmlFor="composer-text">{note ? "Internal note" : "Message"}</label>
        {note && <p className="muted small">Only staff see internal notes. The requester never does.</p>}
        <textarea
          id="composer-text"
          rows={3}
          value={text}
          onChange={(e) => setDrafts((d) => ({ ...d, [mode]: e.target.value }))}
          onKeyDown={onKeyDown}
        />
      </div>
      {send.isError && (
        <p className="form-error" role="alert">
          {errorDetail(send.error)} Your text is kept.
        </p>
      )}
      <button type="submit" className="button primary" disabled={send.isPending || !text.trim()}>
        {note ? "Add note" : "Send"}
      </button>
    </form>
  );
}

/**
 * A WebSocket that stays connected: it reconnects with backoff, resumes with `?after=<last
 * id seen>` so nothing is missed or repeated, pings so a socket that only looks open
 * (after a laptop sleeps) is replaced, and reconnects at once when the network comes back
 * or the tab becomes visible. Close 1008 means the session ended: refresh it, then resume.
 */
import { session } from "../api/session";

export type LiveStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface LiveFrame {
  type: string;
  [key: string]: unknown;
}

interface Options {
  path: string;
  /** The id of a frame's row, to resume after it. */
  idOf(frame: LiveFrame): number | undefined;
  onFrame(frame: LiveFrame): void;
  onStatus?(status: LiveStatus): void;
  /** After a reconnect: refetch what REST serves, in case more was missed than replayed. */
  onReconnect?(): void;
  /** Resume after this id from the start (what a REST page already showed). */
  after?: number;
}

const PING_MS = 20_000;

/** Close without the browser's "closed before the connection is established" error: a
 *  socket still connecting (a page left at once) is closed as soon as it opens. */
function closeQuietly(socket: WebSocket): void {
  socket.onmessage = null;
  socket.onclose = null;
  if (socket.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close(1000);
  else socket.close(1000);
}
const MAX_BACKOFF_MS = 15_000;

export class LiveSocket {
  private socket: WebSocket | null = null;
  private after: number | undefined;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;
  private stopped = false;
  private everOpened = false;

  constructor(private readonly options: Options) {
    this.after = options.after;
  }

  start(): void {
    window.addEventListener("online", this.wake);
    document.addEventListener("visibilitychange", this.wake);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.wake);
    document.removeEventListener("visibilitychange", this.wake);
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const socket = this.socket;
    this.socket = null;
    if (socket) closeQuietly(socket);
    this.options.onStatus?.("closed");
  }

  private readonly wake = () => {
    if (document.visibilityState === "hidden" || this.stopped) return;
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      clearTimeout(this.timer);
      this.connect();
    }
  };

  private url(): string {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const after = this.after === undefined ? "" : `${this.options.path.includes("?") ? "&" : "?"}after=${this.after}`;
    return `${scheme}//${window.location.host}${this.options.path}${after}`;
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.socket) closeQuietly(this.socket);
    this.options.onStatus?.(this.everOpened ? "reconnecting" : "connecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempts = 0;
      this.awaitingPong = false;
      if (this.everOpened) this.options.onReconnect?.();
      this.everOpened = true;
      this.options.onStatus?.("open");
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.ping(), PING_MS);
    };
    socket.onmessage = (event) => {
      let frame: LiveFrame;
      try {
        frame = JSON.parse(String(event.data)) as LiveFrame;
      } catch {
        return;
      }
      if (frame.type === "pong") {
        this.awaitingPong = false;
        return;
      }
      const id = this.options.idOf(frame);
      if (id !== undefined) this.after = Math.max(this.after ?? 0, id);
      this.options.onFrame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      clearInterval(this.pinger);
      this.socket = null;
      if (this.stopped) return;
      this.options.onStatus?.("reconnecting");
      if (event.code === 1008 || !opened) {
        // The session ended, or the handshake was refused (a browser does not say why:
        // an expired access cookie is the usual reason): renew it before retrying. A
        // failed refresh is left to the REST calls, which open the sign-in dialog.
        void session.refresh().then(() => this.retry());
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private ping(): void {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      // No answer since the last ping: the connection is dead even if it claims otherwise.
      this.socket.close();
      return;
    }
    this.awaitingPong = true;
    this.socket.send(JSON.stringify({ type: "ping" }));
  }
}

/** Inline SVG icons (no icon font, no emoji that a system may lack); always decorative. */
export function LockIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M17 9V7a5 5 0 0 0-10 0v2H5v13h14V9h-2Zm-8-2a3 3 0 0 1 6 0v2H9V7Zm4 10.7V20h-2v-2.3a2 2 0 1 1 2 0Z" />
    </svg>
  );
}

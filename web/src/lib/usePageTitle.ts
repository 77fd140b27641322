import { useEffect } from "react";

/** The tab title names the page (screen readers announce it on navigation). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · TTS`;
  }, [title]);
}

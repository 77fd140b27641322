import { useEffect, useRef, useState } from "react";

/**
 * Typed work survives a reload, a crash or an expired session: drafts autosave to this
 * browser's storage, per person and per place (a ticket, the new-ticket form). Only what
 * the person typed is kept there, never a token.
 */
export function useDraft<T>(key: string, initial: T): [T, (value: T | ((previous: T) => T)) => void, () => void] {
  const storageKey = `tts.draft.${key}`;
  const [value, setValue] = useState<T>(() => {
    try {
      const saved = window.localStorage.getItem(storageKey);
      return saved ? { ...initial, ...(JSON.parse(saved) as T) } : initial;
    } catch {
      return initial;
    }
  });
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(() => {
      try {
        window.localStorage.setItem(storageKey, JSON.stringify(value));
      } catch {
        // Storage full or disabled: the draft still lives in the page.
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [storageKey, value]);
  const clear = () => {
    window.localStorage.removeItem(storageKey);
    setValue(initial);
  };
  return [value, setValue, clear];
}

import { useState, type DragEvent } from "react";

const MAX_MB = 25;

/** Files by drag and drop or the picker (the picker is the keyboard way: WCAG 2.5.7). */
export function FileDrop(props: { files: File[]; onChange: (files: File[]) => void; id?: string; label?: string }) {
  const { files, onChange, id = "attachments", label = "Attachments" } = props;
  const [over, setOver] = useState(false);
  const [rejected, setRejected] = useState<string[]>([]);

  function add(list: FileList | null) {
    if (!list) return;
    const accepted: File[] = [];
    const refused: string[] = [];
    for (const file of Array.from(list)) {
      if (file.size > MAX_MB * 1024 * 1024) refused.push(`${file.name} is larger than ${MAX_MB} MB.`);
      else accepted.push(file);
    }
    setRejected(refused);
    onChange([...files, ...accepted]);
  }

  function drop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setOver(false);
    add(event.dataTransfer.files);
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div
        className={over ? "dropzone over" : "dropzone"}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
        data-testid="dropzone"
      >
        <p className="muted">Drop files here, or choose them. Up to {MAX_MB} MB each.</p>
        <input id={id} type="file" multiple onChange={(event) => add(event.target.files)} />
      </div>
      {rejected.map((message) => (
        <p key={message} className="form-error" role="alert">
          {message}
        </p>
      ))}
      {files.length > 0 && (
        <ul className="file-list" aria-label="Files to attach">
          {files.map((file, index) => (
            <li key={`${file.name}-${index}`}>
              {file.name} <span className="muted small">({Math.ceil(file.size / 1024)} kB)</span>{" "}
              <button type="button" className="button ghost small" onClick={() => onChange(files.filter((_, i) => i !== index))}>
                Remove {file.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { data, tickets as api } from "../../api/clients";
import { errorDetail } from "../../api/problem";
import { uploadAttachment } from "../../api/uploads";
import { FileDrop } from "../../components/Attachments";
import { QueryState } from "../../components/QueryState";

export function AttachmentsPanel({ ticketId }: { ticketId: number }) {
  const queryClient = useQueryClient();
  const key = ["tickets", "attachments", ticketId];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      data(await api.GET("/api/tickets/{ticket_id}/attachments", { params: { path: { ticket_id: ticketId } } })).items ?? [],
  });
  const [files, setFiles] = useState<File[]>([]);
  const upload = useMutation({
    mutationFn: async () => {
      for (const file of files) await uploadAttachment(ticketId, file);
    },
    onSuccess: () => setFiles([]),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: ["tickets", "history", ticketId] });
    },
  });
  return (
    <section className="panel" aria-labelledby="attachments-title">
      <h2 id="attachments-title">Attachments</h2>
      <QueryState query={list} loadingLabel="Loading attachments…" isEmpty={(items) => items.length === 0} empty={<p className="muted">No files attached.</p>}>
        {(items) => (
          <ul className="file-list">
            {items.map((file) => (
              <li key={file.id}>
                <a href={`/api/tickets/${ticketId}/attachments/${file.id}`} download={file.filename}>
                  {file.filename}
                </a>{" "}
                <span className="muted small">({Math.ceil((file.size ?? 0) / 1024)} kB)</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <FileDrop id={`attach-more-${ticketId}`} label="Add files" files={files} onChange={setFiles} />
      {files.length > 0 && (
        <button type="button" className="button" onClick={() => upload.mutate()} disabled={upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload"}
        </button>
      )}
      {upload.isError && (
        <p className="form-error" role="alert">
          {errorDetail(upload.error)}
        </p>
      )}
    </section>
  );
}

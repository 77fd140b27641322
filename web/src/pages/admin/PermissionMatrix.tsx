/**
 * Read-only: what each role may do, as the services decide it (auth_api/permissions.py,
 * tickets_api/access.py, chat_api/access.py, the web UI's nav). A "superuser" is Admin of both hdts and tts.
 */
const ROLES = ["Employee (hdts)", "Ticket Coordinator (hdts)", "Agent (tts)", "Admin (hdts)", "Admin (tts)"] as const;

const MATRIX: [string, boolean[]][] = [
  ["Submit tickets and see their own", [true, false, false, true, true]],
  ["Triage: approve or reject new tickets", [false, true, false, true, true]],
  ["See every ticket; route and transfer", [false, true, false, true, true]],
  ["Work tasks (My tasks)", [false, false, true, true, true]],
  // chat_api: any staff role (beyond Employee) on a ticket the person may see, never their own.
  ["Read and write internal notes on tickets they see (not their own)", [false, true, true, true, true]],
  ["Search, invite and edit user accounts", [false, false, false, true, true]],
  ["Grant and revoke hdts roles", [false, false, false, true, false]],
  ["Grant and revoke tts roles", [false, false, false, false, true]],
  ["Approve or reject self-registrations", [false, false, false, true, false]],
  ["Edit the category catalogue", [false, false, false, true, true]],
];

export function PermissionMatrix() {
  return (
    <section className="stack" aria-labelledby="matrix-title">
      <h2 id="matrix-title">Permissions by role</h2>
      <p className="muted small">
        Read-only; the services enforce it. Editing or deactivating an account also needs admin rights in every system it holds a role in. Admin of both
        hdts and tts is a superuser and may do everything.
      </p>
      <div className="table-wrap">
        <table aria-label="Permissions by role">
          <thead>
            <tr>
              <th scope="col">Permission</th>
              {ROLES.map((role) => (
                <th scope="col" key={role}>
                  {role}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {MATRIX.map(([what, allowed]) => (
              <tr key={what}>
                <th scope="row">{what}</th>
                {allowed.map((yes, index) => (
                  <td key={ROLES[index]} data-label={ROLES[index]}>
                    {yes ? "✓ Yes" : "— No"}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

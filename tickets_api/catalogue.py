"""The categories and departments a ticket may name (seeded; admin-managed later)."""

DEPARTMENTS = ("IT", "Asset", "Budget")
CATEGORIES: dict[str, tuple[str, ...]] = {
    "IT Support": (
        "Technical Assistance",
        "Software Installation/Update",
        "Hardware Troubleshooting",
        "Email/Account Access Issue",
        "Network Connectivity",
        "Printer/Scanner Issue",
        "Data Backup/Restore",
        "Security Incident",
        "Access Request",
        "Other IT Issue",
    ),
    "Asset Check In": (),
    "Asset Check Out": (),
    "New Budget Proposal": (),
    "Others": (),
}

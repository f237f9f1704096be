"""Organisation mode: which accounts a deployment serves, member sessions, the queued sweep."""

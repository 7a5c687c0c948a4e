"""Public hearings: the service, texts, reminders and calendar files."""

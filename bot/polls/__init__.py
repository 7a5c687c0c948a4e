"""Polls on local priorities: the service, texts, what is broadcast, jobs, charts."""

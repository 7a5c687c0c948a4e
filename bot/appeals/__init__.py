"""Complaints, suggestions and hearing questions: intake rules, texts, notices, deadlines."""

"""Factories for test data: webhook events, statements, campaigns."""

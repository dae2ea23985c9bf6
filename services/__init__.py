"""The service layer: use cases shared by webhook handlers, the CLI, the scheduler and web views."""

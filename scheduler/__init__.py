"""The clock process: APScheduler 3 runs the scheduled jobs (reminders) in one dedicated process."""

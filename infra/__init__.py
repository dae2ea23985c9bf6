"""Infrastructure below the services: settings, the database and its unit of work, the webhook inbox, LINE."""

"""The domain app: countries, arrangements, status changes, actors, statements and sources."""

"""The running gateway's parts: typed settings, start-up (master key, database, signing key,
admin token) and the services wired once and shared by every request."""

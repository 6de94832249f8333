"""Process lifecycle: the aiohttp application with its start-up and shutdown, and the serving of it
(logging, first-start guidance, demo mode, worker processes)."""

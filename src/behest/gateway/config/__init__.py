"""Configuration: project settings, the in-process snapshot the hot path reads, provider-key
encryption, and the administrative operations that change it all."""

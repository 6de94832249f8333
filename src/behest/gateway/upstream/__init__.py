"""Talking to providers: the one pooled HTTP client and the dispatch of a call to its
targets in order (fallback before the first byte)."""

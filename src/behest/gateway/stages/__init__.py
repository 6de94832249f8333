"""The stages of the request spine that ``pipeline`` strings together, in the order a request
meets them; each reads and writes the request's ``Flight``."""

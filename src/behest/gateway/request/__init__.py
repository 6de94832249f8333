"""What a request is while it is served: the parsed call, its parser, and the reply handed
back to the edge. Plain data, imported by every layer."""

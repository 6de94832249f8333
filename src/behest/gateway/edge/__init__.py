"""HTTP edge: routes, errors as OpenAI JSON, SSE writing, CORS. The only web-framework code."""

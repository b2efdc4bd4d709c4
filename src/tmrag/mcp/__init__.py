"""MCP edge: the notes as tools and resources for coding and chat agents (Claude Code, Claude
Desktop, Cursor, VS Code), built on the official ``mcp`` SDK. ``tmrag mcp`` serves it over
stdio; ``tmrag serve`` also mounts its streamable HTTP transport at ``/mcp``.

Same engine, same contract as the HTTP API: ``search_notes`` and ``ask_notes`` return the
``/search`` and ``/ask`` bodies as structured content, and a failing call is an error result
carrying the HTTP error body ``{"error": {"code", "message"}}``."""

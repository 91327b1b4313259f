"""What agents' tool components reach outside ragloom: HTTP, web search services, databases, a sandbox."""

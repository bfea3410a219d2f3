"""Planners drive a mission through a Session: the playbook here, the LangChain agent beside it."""

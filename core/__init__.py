"""Modules shared by etl/, analytics/ and ui/; they import none of those."""

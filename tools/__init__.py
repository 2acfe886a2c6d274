"""Maintenance scripts: the docs' screenshots and the CLI reference."""

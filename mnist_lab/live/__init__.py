"""A run in progress as the dashboard shows it: where it stands (`progress`) and what a watching
browser gets on each poll (`feed`). Pure reads of the run store."""

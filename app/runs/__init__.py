"""The Runs page's parts (`actions`): its table's columns and what one or several selected runs can do."""

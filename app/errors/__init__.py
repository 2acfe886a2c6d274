"""The Errors page's parts: its cached views of a run's mistakes and why (`views`), and the
data's own errors: label errors and forgotten training images (`data`)."""

"""The Experiments page's parts (`studies`): starting a study, and its results as they come."""

"""Studies: the tutorial's comparisons as one action, with seeds, live results and conclusions.

A study (`study`) is a base config, a search space (`space`), seeds and a budget; its trials
are ordinary runs tagged with the study, so the run store stays the truth and a study resumes
from it. Optuna does the searching (`search`), the plan says which trials are still needed
(`plan`), a driver queues and prunes them (`driver`) for trainers on this machine (`local`),
and the results are grouped per arm (`results`) and read into a conclusion (`conclusion`).
The tutorial's own studies are built in (`builtin`).
"""

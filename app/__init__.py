"""The dashboard's UI layer: a folder per page's parts (`train/`, `errors/`, `experiments/`),
then what pages share: the cached readers, run pickers and links, the confusion grid and the
live feed's HTTP routes.

It may import Streamlit and `mnist_lab`; `mnist_lab` never imports it.
"""

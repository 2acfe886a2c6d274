"""What the dashboard's pages share: the store and cached readers, the Train form, the runs
section of the Train page, the live feed's HTTP routes and the live view component.

The UI layer: it may import Streamlit and `mnist_lab`; `mnist_lab` never imports it.
"""

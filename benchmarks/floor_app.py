"""The load benchmark's floor: a bare Streamlit page, served by its own server on the same
machine, loaded in turn with the dashboard's pages. Its load time is what Streamlit's own
bootstrap costs under the same load, whatever a page does."""

import streamlit as st

st.title("Floor")
st.write("A bare Streamlit page: a title and this line.")

"""Streamlit helpers shared by pages. Never imported by ``core``."""

"""PersonaLab core: plain Python, no UI. Everything here is reachable from the CLI (`python -m core`)."""

__version__ = "0.1.0"

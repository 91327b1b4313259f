"""The components a canvas is built from, one module each, in one registry."""

"""The browser interface's static files (``static/``): an HTML page, ES modules, CSS and the UI text
in English and Chinese. Served at ``/`` by :mod:`ragloom.api.web_ui`; no Python code lives here."""

"""Scripts that are not tests: the Lighthouse audit, screenshots, a gunicorn
site for both. Run from the repository root, e.g. `python -m scripts.audit`."""

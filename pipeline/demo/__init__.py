"""`gapwatch demo`: the whole embedded stack in one command, with a live view."""

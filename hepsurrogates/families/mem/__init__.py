"""The ``mem`` family: what the core knows of it (the ℓℓbb event interpretation shared by its
teacher and its features)."""

"""The ``mem`` family's features (the one definition of each input) and its discriminant."""

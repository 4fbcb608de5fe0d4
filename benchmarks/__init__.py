"""Speed measurements of the book (`make bench`)."""

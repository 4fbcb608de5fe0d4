"""Maintenance scripts of the book (not part of the mtl_lessons package)."""

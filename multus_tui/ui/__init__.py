"""Textual screens and widgets: the only package that imports textual."""

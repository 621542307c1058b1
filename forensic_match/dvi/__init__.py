"""Identification of remains: reference families, PM samples, compile, search, assignment."""

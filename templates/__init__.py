"""Derivative rules of s2sad, one file per namespace (installed as ``s2sad.templates``)."""

"""Tatiana Litestar API."""

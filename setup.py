"""Computes the package list so that a new subpackage of core/, shards/, api/ or migrations/ is never dropped."""

from setuptools import find_packages, setup

ROOTS = {"tatiana": "core", "tatiana.shards": "shards", "tatiana.api": "api", "tatiana.migrations": "migrations"}


def _packages() -> list[str]:
    found: list[str] = []
    for package, folder in ROOTS.items():
        found.append(package)
        found.extend(f"{package}.{sub}" for sub in find_packages(folder))
    return found


setup(packages=_packages())

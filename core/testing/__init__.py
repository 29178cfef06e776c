"""Testing support for Tatiana and its plugins: the local Discord sandbox and pytest fixtures."""

# Sourced by scripts/dev and scripts/test: a project virtual environment with everything installed, from the lock file.
set -euo pipefail

export UV_PYTHON_DOWNLOADS=never   # only registries are reachable; use the machine's Python
export UV_PYTHON="${UV_PYTHON:-python3}"

uv_cmd() {
  if command -v uv >/dev/null 2>&1; then
    uv "$@"
  else
    python3 -m uv "$@"
  fi
}

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "==> installing uv"
  python3 -m pip install --quiet --disable-pip-version-check uv
fi

echo "==> installing tatiana and its plugins into .venv"
uv_cmd sync --all-packages --locked --quiet
export PATH="$PWD/.venv/bin:$PATH"

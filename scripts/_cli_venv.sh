# Run by scripts/test.sh: create or reuse .venv-prime-cli at the repo root with
# the official `prime` CLI pinned, as a second, independent client for the sandbox. It lives
# in its own venv so the CLI's dependencies never leak into the project's .venv. The stamp
# records the pinned version, so a second run skips pip entirely.
set -euo pipefail
cli_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli_version="0.18.0"
cli_venv="$cli_root/.venv-prime-cli"
cli_python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
cli_stamp="$cli_venv/.prime-cli.stamp"
if [ ! -f "$cli_stamp" ] || [ "$(cat "$cli_stamp")" != "$cli_version" ] \
    || [ ! -x "$cli_venv/bin/prime" ]; then
    if [ ! -x "$cli_venv/bin/python" ]; then
        "$cli_python" -m venv "$cli_venv"
    fi
    "$cli_venv/bin/python" -m pip install --quiet --upgrade pip
    "$cli_venv/bin/python" -m pip install --quiet "prime==$cli_version"
    echo "$cli_version" > "$cli_stamp"
fi

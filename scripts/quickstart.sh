#!/usr/bin/env bash
# The main job: run notebooks/quickstart.ipynb headless against the embedded sandbox and
# print the ten cheapest offers with their cost columns. No key, no account, no money.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "sandbox,plot,notebook"
echo "The ten cheapest H100 offers from the embedded sandbox (simulated: nothing is rented):"
.venv/bin/python scripts/run_notebook.py notebooks/quickstart.ipynb --print-tag cheapest
echo
echo "Open it yourself:  .venv/bin/jupyter lab notebooks/quickstart.ipynb"

"""``python -m diagnose`` runs the CLI."""
from .cli import main

main()

"""`python -m hypewatch.cli ARGS` runs the command line."""

from hypewatch.cli import main

main()

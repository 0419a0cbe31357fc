"""`python -m hypewatch ARGS` runs the command line (as the `hypewatch` script does)."""

from hypewatch.cli import main

if __name__ == "__main__":
    main()

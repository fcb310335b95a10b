#!/usr/bin/env python
"""Django's manage.py; the installed `hemma` command does the same and more."""

import sys

from hemma.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

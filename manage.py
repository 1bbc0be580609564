#!/usr/bin/env python
"""Django's command-line utility for PicoCore; `picocore` wraps it for operators."""

import sys

from picocore.cli import run_manage

if __name__ == "__main__":
    run_manage(sys.argv)

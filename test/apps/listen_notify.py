#!/usr/bin/env python3
"""A LISTEN_FDS worker for tests: examples/python_server.py, except that it
never reports READY=1 while the file named by NEVER_READY_FILE exists."""
import os
import runpy
import sys
import time

marker = os.environ.get("NEVER_READY_FILE")
if marker and os.path.exists(marker):
    print("not getting ready", flush=True)
    while True:
        time.sleep(3600)
here = os.path.dirname(os.path.abspath(__file__))
sys.argv = [os.path.join(here, "../../examples/python_server.py")]
runpy.run_path(sys.argv[0], run_name="__main__")

"""PyInstaller entry point: the frozen `tessera` executable runs the same CLI as the console script
(app.cli.main:main, pyproject [project.scripts]); no command opens the GUI."""
import multiprocessing
import sys

from app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the door's decoder runs in a child process (app/decoder_process.py)
    sys.exit(main())

"""`python -m scenarios.realism`: measure the realism targets and print (or write) the table."""

import sys

from scenarios.realism import main

sys.exit(main())

import sys

from outage.cli import main

sys.exit(main())

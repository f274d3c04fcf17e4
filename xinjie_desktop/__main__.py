import sys

from xinjie_desktop.main import main

sys.exit(main())

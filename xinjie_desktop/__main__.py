import multiprocessing
import sys

# The frozen program started again as a staging process of the import (core.sync.importing): that process's
# work is done here, and it ends, before anything of the program is loaded.
multiprocessing.freeze_support()

from xinjie_desktop.main import main  # noqa: E402  (after freeze_support, as multiprocessing asks)

sys.exit(main())

"""Run the package's tests with pytest (tests/CMakeLists.txt): exit 77, a skip, when pytest or
NumPy cannot be imported; the library comes from $TIRC_LIBRARY."""
import os
import sys

try:
    import numpy  # noqa: F401
    import pytest
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", here] + sys.argv[1:]))

#!/bin/sh
# tirc_cuda.sh - tirc ($TIRC_REAL) with `--target cuda --emit ptx` after the arguments, so that
# tests/errors.sh checks the diagnostics of generating GPU code (gpu/errors/NAME).
exec "$TIRC_REAL" "$@" --target cuda --emit ptx

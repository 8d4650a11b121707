#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: every benchmark, results in build/bench/ (NAME.json and
# NAME.md each). Arguments go to each benchmark (e.g. --repeats 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/haltpoll.sh" "$@"

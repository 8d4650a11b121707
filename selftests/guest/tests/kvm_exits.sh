# SPDX-License-Identifier: GPL-2.0
# Single events between marks 600-611 (tc_hosttest run=exits); the host
# side holds each against the exit model (selftests/suites/kvmhost.sh).
hosttest exits

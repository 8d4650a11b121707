# SPDX-License-Identifier: GPL-2.0
# Cross-CPU calls between CPUs 1 and 2 while the host parks CPU 3
# (tc_hosttest run=park); the host side compares the windows.
hosttest park

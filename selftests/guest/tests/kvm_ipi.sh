# SPDX-License-Identifier: GPL-2.0
# Multicast function calls between marks 100 and 101; the host side counts
# what they cost (SEND_IPI hypercalls or ICR writes).
hosttest ipi iterations=500

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build taxcut's Debian packages into build/deb/ and check them
# with lintian.
#   taxcut-dkms   the module's source under /usr/src/taxcut-VERSION, built
#                 by DKMS for the installed kernels (architecture all)
#   taxcut-tools  taxcutctl and its man page
#   taxcut-agent  the exitless timer's host agent, taxcut-qmp, the units
#
# The sources the packages need are staged from the tree (the files git
# knows, when this is a git work tree; never build/) under
# build/deb/taxcut-VERSION/, with tools/deb/debian/ as its debian/, and
# dpkg-buildpackage -us -uc -b builds there; the .debs land in build/deb/.
# lintian's output goes to build/deb/lintian.txt; an error fails the build.
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"

top=$TAXCUT_TOP
# what the packages are built from
SOURCES=(Kbuild Makefile VERSION dkms.conf README.md arch drivers include
	tools/build/common.sh tools/build/module.sh tools/taxcut-agent tools/taxcutctl
	docs/exitless-timer.md)

for tool in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'make deps'"
done

# one version everywhere: VERSION, dkms.conf and the packaging's changelog
version=$(cat "$top/VERSION")
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
deb_version=$(dpkg-parsechangelog -l "$top/tools/deb/debian/changelog" -S Version)
[ "$dkms_version" = "$version" ] ||
	die "dkms.conf says PACKAGE_VERSION=$dkms_version, VERSION says $version"
[ "${deb_version%%-*}" = "$version" ] ||
	die "tools/deb/debian/changelog is at $deb_version, VERSION says $version: add an entry (dch -v $version)"

out=$TAXCUT_BUILD/deb
stage=$out/taxcut-$version
rm -rf "$out"
mkdir -p "$stage"

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked files and new ones not ignored; a deleted file is skipped
	git -C "$top" ls-files -z --cached --others --exclude-standard -- "${SOURCES[@]}" |
		while IFS= read -r -d '' f; do
			[ -e "$top/$f" ] || continue
			mkdir -p "$stage/$(dirname "$f")"
			cp -p "$top/$f" "$stage/$f"
		done
else
	for f in "${SOURCES[@]}"; do
		[ -e "$top/$f" ] || continue
		mkdir -p "$stage/$(dirname "$f")"
		cp -pr "$top/$f" "$stage/$f"
	done
fi
cp -pr "$top/tools/deb/debian" "$stage/debian"

log "building the packages in $stage (log: $out/build.log)"
# the package builds as dpkg-buildpackage alone would: not with the
# caller's make flags (make -s would hide the compile lines from the log)
if ! (cd "$stage" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "dpkg-buildpackage failed: see $out/build.log"
fi
changes=$(ls "$out"/taxcut_*.changes)

# as root lintian says so: not news here
lintian --fail-on error "$changes" 2> >(grep -v 'running with root privileges' >&2) \
	>"$out/lintian.txt" && rc=0 || rc=$?
errors=$(grep -c '^E: ' "$out/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$out/lintian.txt" || true)
for deb in "$out"/*.deb; do
	echo "built ${deb#"$top"/}"
done
echo "lintian: $errors errors, $warnings warnings (build/deb/lintian.txt)"
if [ "$rc" -ne 0 ] || [ "$errors" -ne 0 ]; then
	grep '^E: ' "$out/lintian.txt" >&2 || true
	die "lintian failed (status $rc)"
fi

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build taxcut's 6.12 guest kernel of a variant (release | debug):
#   tinyconfig + configs/guest.config + configs/taxcut.config
#   (+ configs/<variant>.config),
#   the project's kernel patches (tools/kernel/patches/*.patch) applied to a
#   hard-linked copy of Debian's linux-source-6.12 and its in-tree sources
#   (tools/kernel/intree.list) copied in, built incrementally into
#   the cache. Prints the path of the object directory.
set -euo pipefail

. "$(dirname "$0")/common.sh"

variant=${1:-release}
case "$variant" in
release | debug) ;;
*) die "unknown kernel variant '$variant' (release or debug)" ;;
esac

pristine=$(linux612_src)
[ -d "$pristine" ] || die "no linux-source-6.12 in $pristine: run 'make deps'"
tree="$TAXCUT_CACHE/linux-6.12-tree"
obj=$(linux612_obj "$variant")
mkdir -p "$obj"
exec 9>"$TAXCUT_CACHE/kernel.lock"
flock 9

# --- integrate the project's patches ---------------------------------------
patches=("$TAXCUT_TOP"/tools/kernel/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
tree_key=$(cat "$pristine/Makefile" ${patches[@]+"${patches[@]}"} | sha256sum | cut -c1-16)
if [ "$(cat "$tree/.taxcut-tree" 2>/dev/null)" != "$tree_key" ]; then
	log "preparing the 6.12 tree (${#patches[@]} patches)"
	rm -rf "$tree"
	# hard links: untouched files keep their times, so builds stay incremental;
	# patch(1) writes new files instead of editing through the links
	cp -al "$pristine" "$tree"
	for p in ${patches[@]+"${patches[@]}"}; do
		patch -s -p1 -d "$tree" <"$p" || die "patch $(basename "$p") does not apply"
	done
	echo "$tree_key" >"$tree/.taxcut-tree"
fi

# --- copy in the project's in-tree sources ---------------------------------
# (new files, never written through a hard link into the pristine source)
grep -v '^#' "$TAXCUT_TOP/tools/kernel/intree.list" | while read -r f; do
	[ -n "$f" ] || continue
	cmp -s "$TAXCUT_TOP/$f" "$tree/$f" && continue
	mkdir -p "$(dirname "$tree/$f")"
	rm -f "$tree/$f"
	cp "$TAXCUT_TOP/$f" "$tree/$f"
done

# --- configure ---------------------------------------------------------------
fragments=("$TAXCUT_TOP/configs/guest.config" "$TAXCUT_TOP/configs/taxcut.config")
[ -e "$TAXCUT_TOP/configs/$variant.config" ] && fragments+=("$TAXCUT_TOP/configs/$variant.config")
config_key=$(cat "$tree/.taxcut-tree" "${fragments[@]}" | sha256sum | cut -c1-16)
kmake() { make -s -C "$tree" O="$obj" "$@"; }

if [ "$(cat "$obj/.taxcut-config" 2>/dev/null)" != "$config_key" ]; then
	log "configuring the $variant kernel"
	kmake tinyconfig >/dev/null
	(cd "$obj" && KCONFIG_CONFIG=.config "$tree/scripts/kconfig/merge_config.sh" \
		-m -O "$obj" .config "${fragments[@]}" >/dev/null)
	kmake olddefconfig >/dev/null
	# every option a fragment asks for must have survived
	lost=$(grep -h '^CONFIG_' "${fragments[@]}" | while read -r want; do
		grep -qx "$want" "$obj/.config" || echo "$want"
	done)
	[ -z "$lost" ] || die "options dropped by Kconfig: $lost"
	echo "$config_key" >"$obj/.taxcut-config"
fi

# --- build -------------------------------------------------------------------
if ! kmake -j"$(nproc)" bzImage modules >"$obj/build.log" 2>&1; then
	tail -n 40 "$obj/build.log" >&2
	die "the $variant kernel failed to build (log: $obj/build.log)"
fi
echo "$obj"

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the AppStream metainfo's screenshots against the repository: every
<image> is URL/NAME.png where URL is the screenshots' raw-file base the
build chose (ui/meson.build) and NAME.png a PNG in DIR (docs/screenshots/,
made by scripts/screenshots.sh) no larger than the limit below, and one
screenshot is the default. appstreamcli validate --no-net checks the form
of a URL, not that it names a file the repository has.

  check-metainfo-screenshots.py METAINFO URL DIR

Prints one line per problem and exits 1 when there is any."""

import os
import struct
import sys
import xml.etree.ElementTree as ET

# a screenshot is fetched by every software centre that lists the app:
# optipng keeps a 1110x776 window under 100 KiB
MAX_BYTES = 200 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_metainfo_screenshots_png(path):
    """(width, height) of the PNG at path, or a problem as a string."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        return "is not a PNG"
    return struct.unpack(">II", head[16:24])


def check_metainfo_screenshots_image(url, base, directory):
    """The problems of one <image> URL (an empty list when none)."""
    prefix = base.rstrip("/") + "/"
    if not url.startswith(prefix):
        return [f"{url}: is not under {prefix}: take it from the build (ui/meson.build)"]
    name = url[len(prefix):]
    path = os.path.join(directory, name)
    if "/" in name or not name.endswith(".png") or not os.path.isfile(path):
        return [f"{url}: {path} does not exist: run scripts/screenshots.sh and commit it"]
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        return [f"{path}: {size} bytes, more than {MAX_BYTES}: optimise it (scripts/screenshots.sh)"]
    dims = check_metainfo_screenshots_png(path)
    if isinstance(dims, str):
        return [f"{path}: {dims}"]
    return []


def check_metainfo_screenshots(metainfo, base, directory):
    problems = []
    shots = ET.parse(metainfo).getroot().findall("./screenshots/screenshot")
    if not shots:
        problems.append(f"{metainfo}: no screenshot")
    if not any(s.get("type") == "default" for s in shots):
        problems.append(f"{metainfo}: no screenshot of type=\"default\"")
    for shot in shots:
        images = shot.findall("image")
        if not images:
            problems.append(f"{metainfo}: a screenshot without an image")
        for image in images:
            problems += check_metainfo_screenshots_image(
                (image.text or "").strip(), base, directory)
    return problems


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check_metainfo_screenshots(*sys.argv[1:])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Makes the pyx12 map folder the X12 tests validate with: pyx12's own maps (as installed from
PyPI) plus the 005010X279A1 270/271 maps in x12-maps/, which pyx12 4.0.0 does not ship.

Those two maps were made by x12-maps/make_x279_maps.py from the upstream azoner/pyx12
repository's 270/271.5010.X279.A1.v2.xml: every required loop and segment, plus the
situational ones Arrive writes. A segment left out is reported as unexpected, so the trimmed
maps are stricter than upstream's, never looser.

usage: python install_x12_maps.py DEST"""

import os
import shutil
import sys

import pyx12

HERE = os.path.dirname(os.path.abspath(__file__))
OURS = {"270.5010.X279.A1.xml": ("HS", "270"), "271.5010.X279.A1.xml": ("HB", "271")}


def main(dest):
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(os.path.join(os.path.dirname(pyx12.__file__), "map"), dest)
    lines = []
    for name, (fic, abbr) in OURS.items():
        shutil.copy(os.path.join(HERE, "x12-maps", name), os.path.join(dest, name))
        lines.append(f'    <map vriic="005010X279A1" fic="{fic}" abbr="{abbr}">{name}</map>\n')
    index = os.path.join(dest, "maps.xml")
    with open(index, encoding="utf-8") as f:
        text = f.read()
    if "005010X279A1" not in text:
        at = text.rindex("</version>")
        text = text[:at] + "".join(lines) + text[at:]
    with open(index, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real imei-restore driven from the keyboard alone through AT-SPI
(dogtail), as a technician without a mouse would: sign-in (each field
typed, Tab between them, Enter), Ctrl+N to add a simulated phone's port,
Ctrl+R to restore it, the confirm page reached and "Write IMEI" pressed
with its mnemonic (Alt+W), until the phone says "IMEI restored". On the
way, every push button, toggle button and text entry the app shows has an
accessible name. Runs under run-under-xvfb.sh (its own X server and D-Bus
session, where the app starts the accessibility bus); the brand server and
the phone come from gui-fixture.

Usage: test-gui-dogtail.py IMEI_RESTORE GUI_FIXTURE"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("GTK_MODULES", "")
os.environ.pop("NO_AT_BRIDGE", None)

from dogtail.config import config  # noqa: E402

config.checkForA11y = False
config.logDebugToFile = False
config.logDebugToStdOut = False
# no sleeps between keys: every wait below is on a condition the app
# shows (a focused entry, its text, a label), never on time
config.typingDelay = 0
config.actionDelay = 0
config.defaultDelay = 0
config.searchCutoffCount = 40  # tries, 0.5 s apart by default

import pyatspi  # noqa: E402
from dogtail import rawinput, tree  # noqa: E402

LIMIT = 90  # seconds a condition may take on a loaded machine


START = time.monotonic()


def step(what):
    """A line in the test log per step, with the time since the start."""
    print("%6.1f s  %s" % (time.monotonic() - START, what), flush=True)


APP = []  # the app's accessible, once found: what it shows is printed on failure


def showing_nodes(root):
    """Every node on screen under @root. A container that is not showing
    hides all it holds, so its subtree is never walked: the pages not on
    screen (the auditor's table, the other stack pages) cost nothing,
    where dogtail's findChildren reads every node over D-Bus."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child is None or not child.getState().contains(pyatspi.STATE_SHOWING):
                continue
            yield child
            stack.append(child)


def fail(message):
    print("FAIL: " + message, flush=True)
    for app in APP:
        try:
            for node in showing_nodes(app):
                if node.roleName == "label":
                    print("  label: %r" % node.name, flush=True)
                elif node.roleName in ("text", "password text"):
                    print("  %s %r: %r" % (node.roleName, node.name, node.text), flush=True)
        except Exception as e:  # the tree changes under us while it is read
            print("  (tree changed while printed: %s)" % e, flush=True)
    sys.exit(1)


def wait_for(what, condition):
    """Polls @condition until it is true; fails naming @what after LIMIT."""
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                step(what)
                return value
        except Exception:  # the tree changes under us while it is read
            pass
        time.sleep(0.2)
    fail("waited %d s for: %s" % (LIMIT, what))


def read_fixture(fixture):
    values = {}
    for line in fixture.stdout:
        line = line.strip()
        if line == "ready":
            return values
        name, _, value = line.partition("=")
        values[name] = value
    fail("gui-fixture ended before it was ready")


def short_paths(env, tmp):
    """The PKI's files through a short link to its folder (the trust store
    names its files relative to itself): fewer keys to type, the same
    files."""
    link = os.path.join(tmp, "pki")
    os.symlink(os.path.dirname(env["p12"]), link)
    for key in ("p12", "trust"):
        env[key] = os.path.join(link, os.path.basename(env[key]))


def showing(app, role, name):
    """A node of @role named @name that is on screen now, else None."""
    for node in showing_nodes(app):
        if node.roleName == role and node.name == name:
            return node
    return None


def label_containing(app, text):
    for node in showing_nodes(app):
        if node.roleName == "label" and text in (node.name or ""):
            return node
    return None


def focused_entry(app, name):
    """The entry named @name when it has the keyboard focus, else None."""
    node = showing(app, "text", name) or showing(app, "password text", name)
    if node is not None and node.getState().contains(pyatspi.STATE_FOCUSED):
        return node
    return None


def type_into(app, name, text, then="Tab"):
    """Types @text into the entry named @name once it has the focus (a new
    window may get the keyboard a moment after it shows), checks that the
    entry holds it, then presses @then."""
    entry = wait_for("the focus in " + name, lambda: focused_entry(app, name))
    rawinput.typeText(text)
    if entry.roleName == "text":
        wait_for("%s holds what was typed" % name, lambda: entry.text == text)
    rawinput.pressKey(then)


def check_names(app, where):
    """Every push button, toggle button and entry on screen has a name."""
    nameless = []
    for node in showing_nodes(app):
        if node.roleName in ("push button", "toggle button", "text", "password text") and \
                not (node.name or "").strip():
            nameless.append("%s under %s" % (node.roleName, node.parent.roleName))
    if nameless:
        fail("%s: controls without an accessible name: %s" % (where, ", ".join(nameless)))


def main():
    app_path, fixture_path = sys.argv[1], sys.argv[2]
    # the fixture (PKI, server, phone) and the app start side by side
    fixture = subprocess.Popen([fixture_path, "1"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    # GTK itself logs a critical for some synthesized key events
    # (gtk_widget_event on a widget not yet realized): not fatal here
    app_env = dict(os.environ)
    app_env.pop("G_DEBUG", None)
    app_proc = subprocess.Popen([app_path], env=app_env)
    tmp = tempfile.mkdtemp(prefix="ir-")
    try:
        app = wait_for("the app on the accessibility bus",
                       lambda: tree.root.application("imei-restore"))
        APP.append(app)
        wait_for("the sign-in form", lambda: showing(app, "push button", "Sign In"))
        # no window manager under Xvfb: X gives the keyboard to the window
        # under the pointer, so the pointer rests on the window (no click)
        frame = app.child(roleName="frame")
        x, y = frame.position
        w, h = frame.size
        rawinput.absoluteMotion(x + w // 2, y + h // 2)
        check_names(app, "sign-in")
        env = read_fixture(fixture)
        step("gui-fixture ready")
        short_paths(env, tmp)

        # the certificate field has the focus when the form appears
        type_into(app, "Certificate (PKCS#12)", env["p12"])
        rawinput.pressKey("Tab")  # past Browse…
        type_into(app, "Passphrase", env["passphrase"])
        type_into(app, "Brand server", env["url"])
        type_into(app, "Trust store", env["trust"], then="Return")  # Sign In
        wait_for("the workbench", lambda: label_containing(app, "technician at"))
        check_names(app, "workbench")

        rawinput.keyCombo("<Control>n")
        wait_for("the Add Port dialog", lambda: showing(app, "push button", "Add"))
        type_into(app, "Port path", env["port0"], then="Return")
        wait_for("the phone read and eligible",
                 lambda: label_containing(app, "Eligible: needs its IMEI restored"))
        check_names(app, "diagnose")

        rawinput.keyCombo("<Control>r")
        wait_for("the confirm page", lambda: showing(app, "push button", "Write IMEI"))
        check_names(app, "confirm")
        # Enter must not write: the focus is in the scan field
        type_into(app, "Scanned IMEI", "490154203237518", then="Return")
        wait_for("the scan checked", lambda: label_containing(app, "Matches slot 1"))
        if not showing(app, "push button", "Write IMEI"):
            fail("Enter in the scan field left the confirm page")
        rawinput.keyCombo("<Alt>w")
        wait_for("the phone restored", lambda: label_containing(app, "IMEI restored"))
        print("PASS: signed in, added, restored and confirmed from the keyboard", flush=True)
    finally:
        app_proc.terminate()
        app_proc.wait(timeout=30)
        fixture.stdin.close()
        fixture.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

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
import subprocess
import sys
import time

os.environ.setdefault("GTK_MODULES", "")
os.environ.pop("NO_AT_BRIDGE", None)

from dogtail.config import config  # noqa: E402

config.checkForA11y = False
config.logDebugToFile = False
config.logDebugToStdOut = False
config.typingDelay = 0.02
config.actionDelay = 0.2
config.searchCutoffCount = 40  # tries, 0.5 s apart by default

from dogtail import predicate, rawinput, tree  # noqa: E402

LIMIT = 90  # seconds a condition may take on a loaded machine


APP = []  # the app's accessible, once found: what it shows is printed on failure


def fail(message):
    print("FAIL: " + message, flush=True)
    for app in APP:
        for node in app.findChildren(lambda n: n.roleName in ("label", "text", "password text"),
                                     showingOnly=True):
            print("  %s: %r" % (node.roleName, node.name if node.roleName == "label"
                                else node.text), flush=True)
    sys.exit(1)


def wait_for(what, condition):
    """Polls @condition until it is true; fails naming @what after LIMIT."""
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # the tree changes under us while it is read
            pass
        time.sleep(0.2)
    fail("waited %d s for: %s" % (LIMIT, what))


def start_fixture(path):
    fixture = subprocess.Popen([path, "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    values = {}
    for line in fixture.stdout:
        line = line.strip()
        if line == "ready":
            return fixture, values
        name, _, value = line.partition("=")
        values[name] = value
    fail("gui-fixture ended before it was ready")


def type_field(text):
    rawinput.typeText(text)
    rawinput.pressKey("Tab")


def showing(app, role, name):
    """A node of @role named @name that is on screen now, else None."""
    for node in app.findChildren(predicate.GenericPredicate(roleName=role), showingOnly=True):
        if node.name == name:
            return node
    return None


def label_containing(app, text):
    for node in app.findChildren(predicate.GenericPredicate(roleName="label"), showingOnly=True):
        if text in (node.name or ""):
            return node
    return None


def check_names(app, where):
    """Every push button, toggle button and entry on screen has a name."""
    nameless = []
    for role in ("push button", "toggle button", "text", "password text"):
        for node in app.findChildren(predicate.GenericPredicate(roleName=role),
                                     showingOnly=True):
            if not (node.name or "").strip():
                nameless.append("%s under %s" % (role, node.parent.roleName))
    if nameless:
        fail("%s: controls without an accessible name: %s" % (where, ", ".join(nameless)))


def main():
    app_path, fixture_path = sys.argv[1], sys.argv[2]
    fixture, env = start_fixture(fixture_path)
    # GTK itself logs a critical for some synthesized key events
    # (gtk_widget_event on a widget not yet realized): not fatal here
    app_env = dict(os.environ)
    app_env.pop("G_DEBUG", None)
    app_proc = subprocess.Popen([app_path], env=app_env)
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

        # the certificate field has the focus when the form appears
        type_field(env["p12"])
        rawinput.pressKey("Tab")  # past Browse…
        type_field(env["passphrase"])
        type_field(env["url"])
        rawinput.typeText(env["trust"])
        rawinput.pressKey("Return")  # the default button: Sign In
        wait_for("the workbench", lambda: label_containing(app, "technician at"))
        check_names(app, "workbench")

        rawinput.keyCombo("<Control>n")
        wait_for("the Add Port dialog", lambda: showing(app, "push button", "Add"))
        rawinput.typeText(env["port0"])
        rawinput.pressKey("Return")
        wait_for("the phone read and eligible",
                 lambda: label_containing(app, "Eligible: needs its IMEI restored"))
        check_names(app, "diagnose")

        rawinput.keyCombo("<Control>r")
        wait_for("the confirm page", lambda: showing(app, "push button", "Write IMEI"))
        check_names(app, "confirm")
        # Enter must not write: the focus is in the scan field
        rawinput.typeText("490154203237518")
        rawinput.pressKey("Return")
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


if __name__ == "__main__":
    main()

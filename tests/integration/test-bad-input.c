/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "ir-test-harness.h"
#include "ir-test-holder.h"

/* Bad input and ports that are not phones: each gives one clear line on
 * stderr, the documented exit code, and nothing written to the port. */

typedef enum {
	PORT_PTY_SILENT,    /* a pseudo-terminal nobody answers on */
	PORT_PTY_NMEA,	    /* a GPS receiver: NMEA sentences, whatever we send */
	PORT_PTY_ECHO,	    /* echoes each command and never answers */
	PORT_PTY_HOSTILE,   /* answers AT, with terminal escapes in its identity */
	PORT_MISSING,	    /* no such file */
	PORT_DANGLING_LINK, /* a symlink to nothing (a phone that left) */
	PORT_REGULAR_FILE,  /* a file, not a terminal */
	PORT_BUSY,	    /* a simulated phone another program holds (flock) */
	PORT_NO_PERMISSION, /* a pseudo-terminal we may not open */
	PORT_DIRECTORY,	    /* a folder given as the port */
	PORT_HELD,	    /* a simulated phone another program has open, unlocked */
} PortKind;

typedef struct {
	const char *name;
	PortKind port;
	const char *args; /* shell words; @PORT@ and @TMP@ are replaced */
	const char *env;  /* one "NAME=VALUE" (with @TMP@), or NULL */
	int exit_code;
	const char *code;    /* the JSON error code (every case passes --json) */
	const char *needle1; /* what the line must mention */
	const char *needle2;
} BadCase;

/* clang-format off */
static const BadCase bad_cases[] = {
    /* ports */
    {"unknown-port", PORT_MISSING, "identify @PORT@ --json", NULL,
     3, "not_found", "@PORT@", "imeictl list"},
    {"dangling-symlink", PORT_DANGLING_LINK, "identify @PORT@ --json", NULL,
     3, "not_found", "@PORT@", "imeictl list"},
    {"regular-file", PORT_REGULAR_FILE, "identify @PORT@ --json", NULL,
     4, "not_a_phone", "@PORT@", "not a serial port"},
    {"busy-port", PORT_BUSY, "identify @PORT@ --json", NULL,
     3, "busy", "@PORT@", "in use"},
    {"permission-denied", PORT_NO_PERMISSION, "identify @PORT@ --json", NULL,
     3, "permission_denied", "@PORT@", "permission denied"},
    {"port-is-directory", PORT_DIRECTORY, "identify @PORT@ --json", NULL,
     3, "not_found", "@PORT@", "is a directory"},
    /* screen or cat on the port, no lock: named, with its pid */
    {"port-held-without-lock", PORT_HELD, "identify @PORT@ --json", NULL,
     3, "busy", "@PORT@", "in use by sleep (pid "},
    {"silent-port", PORT_PTY_SILENT, "identify @PORT@ --json --timeout 300", NULL,
     4, "timeout", "@PORT@", "\"AT\" got no reply in 300 ms"},
    {"gps-receiver", PORT_PTY_NMEA, "identify @PORT@ --json --timeout 300", NULL,
     4, NULL, "@PORT@", NULL},
    /* an echo of "AT" alone is a slow modem, not another device */
    {"echo-only", PORT_PTY_ECHO, "identify @PORT@ --json --timeout 300", NULL,
     4, "timeout", "@PORT@", "\"AT\" got no reply in 300 ms"},
    /* without --timeout, the session's own probe tells silence from garbage */
    {"silent-port-default-timeout", PORT_PTY_SILENT, "identify @PORT@ --json", NULL,
     4, "timeout", "@PORT@", "imeictl list"},
    {"gps-receiver-default-timeout", PORT_PTY_NMEA, "identify @PORT@ --json", NULL,
     4, "not_a_phone", "@PORT@", "imeictl list"},
    /* usage */
    {"no-command", PORT_PTY_SILENT, "--json", NULL,
     2, "invalid_input", "no command", "--help"},
    {"unknown-command", PORT_PTY_SILENT, "--json frobnicate", NULL,
     2, "invalid_input", "frobnicate", "--help"},
    {"unknown-command-names-all", PORT_PTY_SILENT, "--json frobnicate", NULL,
     2, "invalid_input", "recover, audit, credential, diag-mode, policy and verify-report", "list, identify"},
    {"unknown-option", PORT_PTY_SILENT, "identify @PORT@ --json --frobnicate", NULL,
     2, "invalid_input", "--frobnicate", "--help"},
    {"credential-unknown-subcommand", PORT_PTY_SILENT, "--json credential frobnicate", NULL,
     2, "invalid_input", "frobnicate", "list"},
    {"credential-list-without-subcommand", PORT_PTY_SILENT, "--json credential", NULL,
     2, "invalid_input", "needs what to do", "imeictl credential list"},
    {"credential-list-missing-module", PORT_PTY_SILENT,
     "--json credential list --module @TMP@/libnone-pkcs11.so", NULL,
     2, "invalid_input", "@TMP@/libnone-pkcs11.so", "--module"},
    {"identify-without-port", PORT_PTY_SILENT, "--json identify", NULL,
     2, "invalid_input", "PORT", "imeictl list"},
    {"identify-two-ports", PORT_PTY_SILENT, "identify @PORT@ @PORT@ --json", NULL,
     2, "invalid_input", "unexpected argument", NULL},
    {"empty-port", PORT_PTY_SILENT, "identify '' --json", NULL,
     2, "invalid_input", "empty", "imeictl list"},
    {"list-with-record", PORT_PTY_SILENT, "list --json --record @TMP@/x.json", NULL,
     2, "invalid_input", "--record", NULL},
    {"record-into-missing-directory", PORT_PTY_SILENT,
     "identify @PORT@ --json --record @TMP@/no/such/dir/x.json", NULL,
     2, "invalid_input", "@TMP@/no/such/dir", "--record"},
    /* --timeout */
    {"timeout-not-a-number", PORT_PTY_SILENT, "identify @PORT@ --json --timeout abc", NULL,
     2, "invalid_input", "--timeout", "abc"},
    {"timeout-zero", PORT_PTY_SILENT, "identify @PORT@ --json --timeout 0", NULL,
     2, "invalid_input", "--timeout", NULL},
    {"timeout-negative", PORT_PTY_SILENT, "identify @PORT@ --json --timeout -5", NULL,
     2, "invalid_input", "--timeout", NULL},
    {"timeout-with-unit", PORT_PTY_SILENT, "identify @PORT@ --json --timeout 300ms", NULL,
     2, "invalid_input", "--timeout", "300ms"},
    {"timeout-too-long", PORT_PTY_SILENT, "identify @PORT@ --json --timeout 600001", NULL,
     2, "invalid_input", "--timeout", NULL},
    {"timeout-empty", PORT_PTY_SILENT, "identify @PORT@ --json --timeout ''", NULL,
     2, "invalid_input", "--timeout", NULL},
    /* --duplicates */
    {"duplicates-missing", PORT_PTY_SILENT,
     "identify @PORT@ --json --duplicates @TMP@/missing.txt", NULL,
     2, "invalid_input", "@TMP@/missing.txt", NULL},
    {"duplicates-garbage", PORT_PTY_SILENT,
     "identify @PORT@ --json --duplicates @TMP@/garbage.txt", NULL,
     2, "invalid_input", "@TMP@/garbage.txt", NULL},
    {"duplicates-binary", PORT_PTY_SILENT,
     "identify @PORT@ --json --duplicates @TMP@/binary.txt", NULL,
     2, "invalid_input", "@TMP@/binary.txt", NULL},
    {"duplicates-short-imei", PORT_PTY_SILENT,
     "identify @PORT@ --json --duplicates @TMP@/short.txt", NULL,
     2, "invalid_input", "@TMP@/short.txt", NULL},
    {"duplicates-directory", PORT_PTY_SILENT,
     "identify @PORT@ --json --duplicates @TMP@", NULL,
     2, "invalid_input", "@TMP@", NULL},
    {"duplicates-from-environment-missing", PORT_PTY_SILENT, "identify @PORT@ --json",
     "IMEIRESTORE_DUPLICATES=@TMP@/missing.txt",
     2, "invalid_input", "@TMP@/missing.txt", "IMEIRESTORE_DUPLICATES"},
};
/* clang-format on */

typedef struct {
	int master;
	PortKind kind;
	gint stop;
	GThread *thread;
	GString *line; /* PORT_PTY_HOSTILE: the command being received */
} PtyPeer;

static const char nmea[] =
    "$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76\r\n"
    "$GPRMC,092750.000,A,5321.6802,N,00630.3372,W,0.02,31.66,280511,,,A*43\r\n";

/* A device that answers AT like a phone but puts terminal control
 * sequences in its identity strings: they must never reach a terminal. */
static const char *
test_bad_input_pty_peer_hostile_answer (const char *line)
{
	if (g_strcmp0 (line, "AT+CGMI") == 0)
		return "\r\nEvil\x1b[31mCorp\x07\r\n\r\nOK\r\n";
	if (g_strcmp0 (line, "AT+CGMM") == 0)
		return "\r\nModel\x1b]0;pwned\x07\x1b[2J\r\n\r\nOK\r\n";
	if (g_strcmp0 (line, "AT+CGMR") == 0)
		return "\r\nrev\x08\x08\x08\x7f"
		       "1.0\r\n\r\nOK\r\n";
	if (g_strcmp0 (line, "AT+CGSN") == 0 || g_strcmp0 (line, "AT+CGSN=1") == 0 ||
	    g_strcmp0 (line, "AT+GSN") == 0)
		return "\r\n" IR_TEST_IMEI_A "\r\n\r\nOK\r\n";
	if (g_strcmp0 (line, "AT") == 0 || g_strcmp0 (line, "AT+CMEE=1") == 0)
		return "\r\nOK\r\n";
	return "\r\nERROR\r\n";
}

static void
test_bad_input_pty_peer_hostile_feed (PtyPeer *peer, const guint8 *buf, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		const char *answer;

		if (buf[i] != '\r') {
			g_string_append_c (peer->line, (char)buf[i]);
			continue;
		}
		answer = test_bad_input_pty_peer_hostile_answer (peer->line->str);
		g_string_truncate (peer->line, 0);
		if (write (peer->master, answer, strlen (answer)) < 0)
			return;
	}
}

/* The far end of a pseudo-terminal that is not a phone. */
static gpointer
test_bad_input_pty_peer_thread (gpointer data)
{
	PtyPeer *peer = data;

	while (!g_atomic_int_get (&peer->stop)) {
		struct pollfd pfd = {.fd = peer->master, .events = POLLIN};
		guint8 buf[256];
		ssize_t n;

		if (peer->kind == PORT_PTY_NMEA) {
			/* a receiver talks on its own, at its own pace */
			if (write (peer->master, nmea, sizeof (nmea) - 1) < 0 && errno != EAGAIN)
				break;
			g_usleep (50 * 1000);
			continue;
		}
		if (poll (&pfd, 1, 50) <= 0)
			continue;
		n = read (peer->master, buf, sizeof (buf));
		if (n <= 0 && errno != EAGAIN)
			break;
		if (n > 0 && peer->kind == PORT_PTY_HOSTILE) {
			test_bad_input_pty_peer_hostile_feed (peer, buf, (gsize)n);
			continue;
		}
		if (n > 0 && write (peer->master, buf, (size_t)n) < 0)
			break;
	}
	return NULL;
}

typedef struct {
	char *tmpdir;
	char *port;
	PtyPeer peer;
	IrTestSim *sim;
	int lock_fd;
	int slave;
	GSubprocess *holder; /* PORT_HELD: "sleep" with the port as stdin */
} Fixture;

static void
test_bad_input_fixture_open_pty (Fixture *fx, PortKind kind)
{
	int slave = -1;
	char name[256] = {0};
	struct termios tio;

	if (openpty (&fx->peer.master, &slave, name, NULL, NULL) != 0)
		fail_msg ("openpty failed: %s", g_strerror (errno));
	/* raw, so that what the host writes reaches us byte for byte */
	tcgetattr (slave, &tio);
	cfmakeraw (&tio);
	tcsetattr (slave, TCSANOW, &tio);
	/* kept open, so that whatever the host writes stays readable here */
	fx->slave = slave;
	fcntl (fx->peer.master, F_SETFL, fcntl (fx->peer.master, F_GETFL) | O_NONBLOCK);
	fx->port = g_strdup (name);
	fx->peer.kind = kind;
	fx->peer.line = g_string_new (NULL);
	if (kind == PORT_PTY_NMEA || kind == PORT_PTY_ECHO || kind == PORT_PTY_HOSTILE)
		fx->peer.thread =
		    g_thread_new ("pty-peer", test_bad_input_pty_peer_thread, &fx->peer);
}

static void
test_bad_input_fixture_setup_port (Fixture *fx, PortKind kind)
{
	fx->lock_fd = -1;
	fx->slave = -1;
	fx->peer.master = -1;
	switch (kind) {
	case PORT_PTY_SILENT:
	case PORT_PTY_NMEA:
	case PORT_PTY_ECHO:
	case PORT_PTY_HOSTILE:
		test_bad_input_fixture_open_pty (fx, kind);
		break;
	case PORT_MISSING:
		fx->port = g_strdup ("/dev/imeirestore-no-such-port");
		break;
	case PORT_DANGLING_LINK:
		fx->port = g_build_filename (fx->tmpdir, "phone-that-left", NULL);
		assert_int_equal (symlink ("/dev/imeirestore-no-such-port", fx->port), 0);
		break;
	case PORT_REGULAR_FILE:
		fx->port = ir_test_harness_write_file (fx->tmpdir, "notes.txt", "AT\r\nOK\r\n");
		break;
	case PORT_BUSY:
		fx->sim = ir_test_harness_sim_start ("--family mediatek --imei " IR_TEST_IMEI_A);
		fx->port = g_strdup (fx->sim->path);
		fx->lock_fd = open (fx->port, O_RDWR | O_NOCTTY | O_NONBLOCK);
		assert_true (fx->lock_fd >= 0);
		assert_int_equal (flock (fx->lock_fd, LOCK_EX | LOCK_NB), 0);
		break;
	case PORT_DIRECTORY:
		fx->port = g_strdup (fx->tmpdir);
		break;
	case PORT_HELD:
		fx->sim = ir_test_harness_sim_start ("--family mediatek --imei " IR_TEST_IMEI_A);
		fx->port = g_strdup (fx->sim->path);
		fx->holder = ir_test_holder_spawn (fx->port);
		break;
	case PORT_NO_PERMISSION:
		test_bad_input_fixture_open_pty (fx, PORT_PTY_SILENT);
		/* root passes any mode check, so the test runs imeictl as nobody
		 * then; a normal user is refused by mode 000 on their own pty */
		assert_int_equal (chmod (fx->port, geteuid () == 0 ? 0600 : 0000), 0);
		break;
	default:
		fail ();
	}
}

static void
test_bad_input_fixture_free (Fixture *fx)
{
	g_atomic_int_set (&fx->peer.stop, 1);
	if (fx->peer.thread != NULL)
		g_thread_join (fx->peer.thread);
	if (fx->peer.master >= 0)
		close (fx->peer.master);
	if (fx->peer.line != NULL)
		g_string_free (fx->peer.line, TRUE);
	if (fx->lock_fd >= 0)
		close (fx->lock_fd);
	if (fx->holder != NULL) {
		g_subprocess_force_exit (fx->holder);
		g_subprocess_wait (fx->holder, NULL, NULL);
		g_clear_object (&fx->holder);
	}
	if (fx->slave >= 0)
		close (fx->slave);
	ir_test_harness_sim_free (fx->sim);
	ir_test_harness_rmdir (fx->tmpdir);
	g_free (fx->tmpdir);
	g_free (fx->port);
}

static char *
test_bad_input_expand (const char *text, const Fixture *fx)
{
	g_autoptr (GString) str = g_string_new (text);

	g_string_replace (str, "@PORT@", fx->port, 0);
	g_string_replace (str, "@TMP@", fx->tmpdir, 0);
	return g_string_free (g_steal_pointer (&str), FALSE);
}

/* Nothing reached the silent pseudo-terminal: bad input is refused before
 * the port is opened, let alone written to. */
static void
test_bad_input_assert_nothing_written (const Fixture *fx)
{
	guint8 buf[64];
	ssize_t n = read (fx->peer.master, buf, sizeof (buf));

	if (n > 0)
		fail_msg ("imeictl wrote %zd bytes to %s on bad input", n, fx->port);
}

static void
test_bad_input_bad_case (void **state)
{
	const BadCase *tc = *state;
	Fixture fx = {.tmpdir = ir_test_harness_mkdtemp ()};
	g_autofree char *args = NULL;
	g_autofree char *env = NULL;
	g_autofree char *needle1 = NULL;
	g_autofree char *needle2 = NULL;
	g_auto (GStrv) argv = NULL;
	const char *envv[] = {NULL, NULL};
	IrTestRunOptions opts = {.env = envv, .as_nobody = tc->port == PORT_NO_PERMISSION};
	g_autoptr (IrTestRun) run = NULL;

	g_free (
	    ir_test_harness_write_file (fx.tmpdir, "garbage.txt", "hello world\nnot an imei\n"));
	g_free (ir_test_harness_write_file (fx.tmpdir, "binary.txt", "\xff\xfe\x01\x02\x03"));
	g_free (ir_test_harness_write_file (fx.tmpdir, "short.txt", IR_TEST_IMEI_A "\n12345\n"));
	test_bad_input_fixture_setup_port (&fx, tc->port);

	args = test_bad_input_expand (tc->args, &fx);
	assert_true (g_shell_parse_argv (args, NULL, &argv, NULL) || tc->args[0] == '\0');
	if (tc->env != NULL)
		envv[0] = env = test_bad_input_expand (tc->env, &fx);
	needle1 = tc->needle1 != NULL ? test_bad_input_expand (tc->needle1, &fx) : NULL;
	needle2 = tc->needle2 != NULL ? test_bad_input_expand (tc->needle2, &fx) : NULL;
	run = ir_test_harness_imeictl_full ((const char *const *)argv, &opts);

	ir_test_harness_assert_error (run, tc->exit_code, tc->code, needle1, needle2, NULL);
	if (tc->exit_code == 2 && tc->port == PORT_PTY_SILENT)
		test_bad_input_assert_nothing_written (&fx);
	test_bad_input_fixture_free (&fx);
}

static void
test_bad_input_assert_no_control_characters (const char *what, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if ((g_ascii_iscntrl (*p) && *p != '\n') || *p == 0x7f)
			fail_msg ("%s has control character 0x%02x: %s", what, (guint8)*p, text);
	}
}

/* Identity strings from the device reach the terminal only as text. */
static void
test_bad_input_hostile_identity (void **state)
{
	Fixture fx = {.tmpdir = ir_test_harness_mkdtemp ()};
	g_autoptr (IrTestRun) text = NULL;
	g_autoptr (IrTestRun) json = NULL;

	test_bad_input_fixture_setup_port (&fx, PORT_PTY_HOSTILE);
	text = ir_test_harness_imeictl ("identify", fx.port, NULL);
	json = ir_test_harness_imeictl ("identify", fx.port, "--json", NULL);
	test_bad_input_assert_no_control_characters ("stdout", text->out);
	test_bad_input_assert_no_control_characters ("stderr", text->err);
	test_bad_input_assert_no_control_characters ("stderr", json->err);
	/* JSON escapes what it carries; whatever the core made of the
	 * strings, the IMEI it read is the phone's */
	test_bad_input_assert_no_control_characters ("JSON", json->out);
	if (json->exit_code == 0) {
		assert_int_equal (text->exit_code, 0);
		assert_string_equal (ir_test_harness_slot_string (json->json, 0, "imei"),
				     IR_TEST_IMEI_A);
		assert_string_equal (ir_test_harness_slot_string (json->json, 0, "status"),
				     "valid");
	} else {
		ir_test_harness_assert_error (json, json->exit_code, NULL, fx.port, NULL);
	}
	test_bad_input_fixture_free (&fx);
}

int
main (void)
{
	const struct CMUnitTest more[] = {
	    cmocka_unit_test (test_bad_input_hostile_identity),
	};

	return ir_test_harness_run_table ("bad-input",
					  test_bad_input_bad_case,
					  bad_cases,
					  sizeof (bad_cases[0]),
					  G_N_ELEMENTS (bad_cases),
					  more,
					  G_N_ELEMENTS (more));
}

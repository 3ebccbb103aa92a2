/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "brandd-test-env.h"

/* Issue 7: anyone who reaches the port could lock every technician out by
 * trickling ClientHellos (connections were counted at accept, and the read
 * timeout restarted with each byte). Here a thread holds 500 such
 * connections to the real imei-brandd on 127.0.0.1 while technicians'
 * requests, on new connections and on one kept open, must all be served;
 * every slow connection must be closed by the server, though it kept
 * sending. Bounded in time and count; no timing is asserted. */

#define ALICE	    "technician-alice"
#define N_SLOW	    500
#define N_REQUESTS  30
#define WAIT_ALL_MS 15000
#define TRICKLE_MS  500

/* The first bytes of a TLS ClientHello record: never a whole one. */
static const char hello_prefix[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
				   "slowslowslowslowslowslowslowslow";

typedef struct {
	int fds[N_SLOW];
	gboolean closed[N_SLOW];
	guint sent[N_SLOW];
	guint n_open;	/* connected */
	guint n_closed; /* closed by the server */
	gint stop;
	GMutex lock;
} Slow;

static void
test_brandd_lockout_slow_open (Slow *slow, guint16 port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons (port)};

	sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
	for (guint i = 0; i < N_SLOW; i++) {
		int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		assert_true (fd >= 0);
		if (connect (fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
			fail_msg ("connect %u: %s", i, g_strerror (errno));
		slow->fds[i] = fd;
		slow->n_open++;
	}
}

/* One round: notice connections the server closed, and send the next byte
 * on the others (every TRICKLE_MS). */
static void
test_brandd_lockout_slow_round (Slow *slow, gboolean send_now)
{
	struct pollfd pfd[N_SLOW];

	for (guint i = 0; i < N_SLOW; i++)
		pfd[i] =
		    (struct pollfd){.fd = slow->closed[i] ? -1 : slow->fds[i], .events = POLLIN};
	poll (pfd, N_SLOW, 0);
	g_mutex_lock (&slow->lock);
	for (guint i = 0; i < N_SLOW; i++) {
		char buf[256];

		if (slow->closed[i])
			continue;
		if (pfd[i].revents != 0) {
			ssize_t n = read (slow->fds[i], buf, sizeof buf);
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				slow->closed[i] = TRUE;
				slow->n_closed++;
				continue;
			}
		}
		if (send_now && slow->sent[i] < sizeof hello_prefix - 1 &&
		    send (slow->fds[i], hello_prefix + slow->sent[i], 1, MSG_NOSIGNAL) == 1)
			slow->sent[i]++;
	}
	g_mutex_unlock (&slow->lock);
}

/* Waits (bounded) until every slow connection is established: the attack
 * is in place, and no late burst of connects is still arriving. */
static void
test_brandd_lockout_slow_wait_connected (Slow *slow)
{
	gint64 until = g_get_monotonic_time () + WAIT_ALL_MS * 1000;
	gboolean done[N_SLOW] = {FALSE};
	guint n_done = 0;

	while (n_done < N_SLOW && g_get_monotonic_time () < until) {
		struct pollfd pfd[N_SLOW];

		for (guint i = 0; i < N_SLOW; i++)
			pfd[i] =
			    (struct pollfd){.fd = done[i] ? -1 : slow->fds[i], .events = POLLOUT};
		poll (pfd, N_SLOW, 100);
		for (guint i = 0; i < N_SLOW; i++) {
			if (!done[i] && pfd[i].revents != 0) {
				done[i] = TRUE;
				n_done++;
			}
		}
	}
	assert_int_equal (n_done, N_SLOW);
}

static gpointer
test_brandd_lockout_slow_thread (gpointer data)
{
	Slow *slow = data;

	for (guint round = 0; !g_atomic_int_get (&slow->stop); round++) {
		test_brandd_lockout_slow_round (slow, round % (TRICKLE_MS / 50) == 0);
		g_usleep (50 * 1000);
	}
	return NULL;
}

static guint
test_brandd_lockout_slow_closed (Slow *slow)
{
	guint n;

	g_mutex_lock (&slow->lock);
	n = slow->n_closed;
	g_mutex_unlock (&slow->lock);
	return n;
}

static void
test_brandd_lockout_run_attack (const char *config)
{
	g_autoptr (BtEnv) env = brandd_test_env_new (config);
	g_autoptr (BtTls) keep = NULL;
	g_autofree Slow *slow = g_new0 (Slow, 1);
	GThread *thread;
	guint served = 0;
	guint kept = 0;
	gint64 until;

	brandd_test_env_raise_fd_limit (N_SLOW + 256);
	brandd_test_env_start (env);
	keep = bt_tls_connect (env, ALICE);
	assert_non_null (keep);
	g_mutex_init (&slow->lock);
	test_brandd_lockout_slow_open (slow, env->port);
	test_brandd_lockout_slow_wait_connected (slow);
	thread = g_thread_new ("slow-clients", test_brandd_lockout_slow_thread, slow);
	/* past the server's grace for young connections (500 ms): the slow
	 * ones are now old enough to be shed for newcomers */
	g_usleep (700 * 1000);
	for (guint i = 0; i < N_REQUESTS; i++) {
		/* a new connection (a new handshake) each time, and the open one */
		g_autoptr (BtResponse) r =
		    brandd_test_env_request (env, ALICE, "/v1/health", NULL, NULL);
		g_autoptr (BtResponse) k = bt_tls_request (keep, "/v1/health", NULL);

		served += r->status == 200;
		kept += k->status == 200;
	}
	/* the deadline closes the ones still held, bytes or not */
	until = g_get_monotonic_time () + WAIT_ALL_MS * 1000;
	while (test_brandd_lockout_slow_closed (slow) < N_SLOW && g_get_monotonic_time () < until)
		g_usleep (100 * 1000);
	g_atomic_int_set (&slow->stop, 1);
	g_thread_join (thread);
	for (guint i = 0; i < N_SLOW; i++)
		close (slow->fds[i]);
	g_mutex_clear (&slow->lock);
	if (served != N_REQUESTS || kept != N_REQUESTS)
		fail_msg ("during the attack %u of %u new and %u of %u kept-alive requests served",
			  served,
			  N_REQUESTS,
			  kept,
			  N_REQUESTS);
	assert_int_equal (slow->n_open, N_SLOW);
	if (slow->n_closed != N_SLOW)
		fail_msg ("the server closed %u of %u slow connections", slow->n_closed, N_SLOW);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

/* One address: its own limit (16) sheds the slow ones. */
static void
test_brandd_lockout_slow_handshakes (void **state)
{
	test_brandd_lockout_run_attack ("[server]\nhandshake-timeout=2");
}

/* The limit of all unauthenticated connections (64) sheds them. */
static void
test_brandd_lockout_slow_handshakes_global (void **state)
{
	test_brandd_lockout_run_attack (
	    "[server]\nhandshake-timeout=2\nmax-handshakes-per-address=100000");
}

/* An authenticated client that trickles its request, a byte at a time, is
 * closed at the request deadline: activity does not extend it. */
static void
test_brandd_lockout_slow_request (void **state)
{
	g_autoptr (BtEnv) env = brandd_test_env_new ("[server]\ntimeout=1");
	g_autoptr (BtTls) tls = NULL;
	const char head[] =
	    "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	gboolean closed = FALSE;

	brandd_test_env_start (env);
	tls = bt_tls_connect (env, ALICE);
	assert_non_null (tls);
	{
		g_autoptr (BtResponse) r = bt_tls_request (tls, "/v1/health", NULL);
		assert_int_equal (r->status, 200);
	}
	/* about 10 s of bytes, 100 ms apart, far past the 1 s deadline */
	for (guint i = 0; i < sizeof head - 1 && !closed; i++) {
		closed = !bt_tls_write (tls, head + i, 1) || bt_tls_closed (tls, 100);
	}
	assert_true (closed);
	assert_int_equal (brandd_test_env_stop (env), 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_brandd_lockout_slow_handshakes),
	    cmocka_unit_test (test_brandd_lockout_slow_handshakes_global),
	    cmocka_unit_test (test_brandd_lockout_slow_request),
	};

	curl_global_init (CURL_GLOBAL_DEFAULT);
	brandd_test_env_pki_dir ();
	return cmocka_run_group_tests (tests, NULL, NULL);
}

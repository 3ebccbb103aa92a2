/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ir-brandd-conns.h"

struct _IrBranddConns {
	gatomicrefcount ref;
	IrBranddConnLimits limits;
	struct event_base *base;
	GQueue unauthenticated;	 /* IrBranddConn, oldest first */
	GHashTable *per_address; /* address → unauthenticated count */
	guint n_authenticated;
	gboolean stopping;
	gboolean refused_logged;
};

/* One per connection, attached to its SSL object: freeing the SSL (which
 * bufferevent_openssl does when evhttp closes the connection) is the one
 * place every connection ends, whatever the reason. */
typedef struct {
	IrBranddConns *conns; /* a reference: the server may be gone first */
	struct bufferevent *bev;
	struct event *deadline; /* the handshake's, then each request's */
	struct event *settle;	/* reads the address once evhttp set the socket */
	char *address;		/* NULL until settled */
	GList *link;		/* in conns->unauthenticated, NULL once out */
	gint64 accepted_at;	/* monotonic, µs */
	gboolean hello;		/* a whole ClientHello came */
	gboolean authenticated;
	gboolean dropped;
	gboolean drop_pending; /* dropped before evhttp set its socket */
	IrBranddPeer peer;     /* the client, once read (has_peer) */
	gboolean has_peer;
} IrBranddConn;

static int ir_brandd_conn_index = -1;

/* A connection this young is never shed: its ClientHello may be on its
 * way (a burst of honest clients from one address, behind NAT). */
#define IR_BRANDD_CONNS_GRACE_US (500 * 1000)
/* Beyond this many times max-handshakes, a new connection is dropped at
 * once even when every other one is young. */
#define IR_BRANDD_CONNS_HARD_FACTOR 4

static IrBranddConn *
ir_brandd_conns_get (SSL *ssl)
{
	return ir_brandd_conn_index >= 0 ? SSL_get_ex_data (ssl, ir_brandd_conn_index) : NULL;
}

static void
ir_brandd_conns_arm (IrBranddConn *conn, guint ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add (conn->deadline, &tv);
}

/* Out of the unauthenticated queue and its per-address count. */
static void
ir_brandd_conns_forget (IrBranddConns *self, IrBranddConn *conn)
{
	guint n;

	if (conn->link == NULL)
		return;
	g_queue_delete_link (&self->unauthenticated, conn->link);
	conn->link = NULL;
	if (conn->address == NULL)
		return;
	n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, conn->address));
	if (n <= 1)
		g_hash_table_remove (self->per_address, conn->address);
	else
		g_hash_table_insert (
		    self->per_address, g_strdup (conn->address), GUINT_TO_POINTER (n - 1));
}

/* Shuts the socket down: evhttp sees the end of the connection and frees
 * it (and so @conn) in its own time. */
static void
ir_brandd_conns_drop (IrBranddConns *self, IrBranddConn *conn, const char *why)
{
	evutil_socket_t fd = bufferevent_getfd (conn->bev);

	if (conn->dropped)
		return;
	ir_brandd_conns_forget (self, conn);
	/* a newcomer evhttp has not given its socket yet: settle drops it */
	if (fd < 0) {
		conn->drop_pending = TRUE;
		return;
	}
	conn->dropped = TRUE;
	evtimer_del (conn->deadline);
	g_debug (
	    "dropping a connection from %s: %s", conn->address != NULL ? conn->address : "?", why);
	if (fd >= 0)
		shutdown (fd, SHUT_RDWR);
	/* evhttp frees the connection on this event, as on a client's close */
	bufferevent_trigger_event (conn->bev, BEV_EVENT_READING | BEV_EVENT_EOF, 0);
}

/* The oldest unauthenticated connection (of @address, when not NULL) that
 * has not sent a whole ClientHello, else the oldest; NULL when none. */
static IrBranddConn *
ir_brandd_conns_oldest (IrBranddConns *self, const char *address)
{
	IrBranddConn *oldest = NULL;
	gint64 young = g_get_monotonic_time () - IR_BRANDD_CONNS_GRACE_US;

	for (GList *l = self->unauthenticated.head; l != NULL; l = l->next) {
		IrBranddConn *c = l->data;

		if (address != NULL && g_strcmp0 (c->address, address) != 0)
			continue;
		/* oldest first: the rest of the queue is younger still */
		if (c->accepted_at > young)
			break;
		if (!c->hello)
			return c;
		if (oldest == NULL)
			oldest = c;
	}
	return oldest;
}

static void
ir_brandd_conns_shed (IrBranddConns *self, const char *address, IrBranddConn *keep)
{
	IrBranddConn *victim = ir_brandd_conns_oldest (self, address);

	if (victim == NULL && self->unauthenticated.length >
				  IR_BRANDD_CONNS_HARD_FACTOR * self->limits.max_handshakes)
		victim = keep;
	if (victim != NULL)
		ir_brandd_conns_drop (self,
				      victim,
				      address != NULL ? "too many handshakes from its address"
						      : "too many handshakes");
}

static void
ir_brandd_conns_free_conn (
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	IrBranddConn *conn = ptr;

	if (conn == NULL)
		return;
	ir_brandd_conns_forget (conn->conns, conn);
	if (conn->authenticated && conn->conns->n_authenticated > 0)
		conn->conns->n_authenticated--;
	event_free (conn->deadline);
	event_free (conn->settle);
	g_free (conn->address);
	ir_brandd_tls_peer_clear (&conn->peer);
	ir_brandd_conns_unref (conn->conns);
	g_free (conn);
}

static char *
ir_brandd_conns_peer_address (evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[INET6_ADDRSTRLEN] = "";

	memset (&ss, 0, sizeof ss);
	if (fd < 0 || getpeername (fd, (struct sockaddr *)&ss, &len) != 0)
		return g_strdup ("unknown");
	if (ss.ss_family == AF_INET6)
		inet_ntop (AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, sizeof text);
	else if (ss.ss_family == AF_INET)
		inet_ntop (AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, sizeof text);
	return g_strdup (text[0] != '\0' ? text : "unknown");
}

/* evhttp sets the socket after asking for the bufferevent: the address is
 * read on the next turn of the loop, and its limit applied then. */
static void
ir_brandd_conns_settle (evutil_socket_t fd, short what, void *arg)
{
	IrBranddConn *conn = arg;
	IrBranddConns *self = conn->conns;
	guint n;

	if (conn->drop_pending) {
		conn->drop_pending = FALSE;
		ir_brandd_conns_drop (self, conn, "too many handshakes");
		return;
	}
	if (conn->dropped || conn->link == NULL)
		return;
	conn->address = ir_brandd_conns_peer_address (bufferevent_getfd (conn->bev));
	n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, conn->address)) + 1;
	g_hash_table_insert (self->per_address, g_strdup (conn->address), GUINT_TO_POINTER (n));
	if (n > self->limits.max_handshakes_per_address)
		ir_brandd_conns_shed (self, conn->address, conn);
}

static void
ir_brandd_conns_deadline (evutil_socket_t fd, short what, void *arg)
{
	IrBranddConn *conn = arg;

	ir_brandd_conns_drop (conn->conns,
			      conn,
			      conn->authenticated ? "request deadline passed"
						  : "handshake deadline passed");
}

/* The client certificate is verified: the connection counts as
 * authenticated, and its first request's deadline starts. */
static void
ir_brandd_conns_info (const SSL *ssl, int where, int ret)
{
	IrBranddConn *conn = ir_brandd_conns_get ((SSL *)ssl);
	IrBranddConns *self;

	if (conn == NULL || !(where & SSL_CB_HANDSHAKE_DONE) || conn->authenticated ||
	    conn->dropped)
		return;
	self = conn->conns;
	ir_brandd_conns_forget (self, conn);
	conn->authenticated = TRUE;
	self->n_authenticated++;
	ir_brandd_conns_arm (conn, self->limits.request_timeout_ms);
}

/* Beyond max-connections (authenticated) or while stopping, a handshake is
 * refused at its ClientHello, before any expensive work. */
static int
ir_brandd_conns_hello (SSL *ssl, int *alert, void *arg)
{
	IrBranddConns *self = arg;
	IrBranddConn *conn = ir_brandd_conns_get (ssl);

	if (conn != NULL)
		conn->hello = TRUE;
	if (self->stopping || self->n_authenticated >= self->limits.max_connections) {
		if (!self->refused_logged && !self->stopping)
			g_message ("refusing connections: %u open, max-connections is %u",
				   self->n_authenticated,
				   self->limits.max_connections);
		self->refused_logged = TRUE;
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	self->refused_logged = FALSE;
	return SSL_CLIENT_HELLO_SUCCESS;
}

IrBranddConns *
ir_brandd_conns_new (struct event_base *base, SSL_CTX *ctx, const IrBranddConnLimits *limits)
{
	IrBranddConns *self = g_new0 (IrBranddConns, 1);

	if (ir_brandd_conn_index < 0)
		ir_brandd_conn_index =
		    SSL_get_ex_new_index (0, NULL, NULL, NULL, ir_brandd_conns_free_conn);
	g_atomic_ref_count_init (&self->ref);
	self->base = base;
	self->limits = *limits;
	g_queue_init (&self->unauthenticated);
	self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	SSL_CTX_set_client_hello_cb (ctx, ir_brandd_conns_hello, self);
	return self;
}

void
ir_brandd_conns_unref (IrBranddConns *self)
{
	if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
		return;
	g_queue_clear (&self->unauthenticated);
	g_hash_table_unref (self->per_address);
	g_free (self);
}

void
ir_brandd_conns_add (IrBranddConns *self, SSL *ssl, struct bufferevent *bev)
{
	IrBranddConn *conn = g_new0 (IrBranddConn, 1);

	g_atomic_ref_count_inc (&self->ref);
	conn->conns = self;
	conn->bev = bev;
	conn->accepted_at = g_get_monotonic_time ();
	conn->deadline = evtimer_new (self->base, ir_brandd_conns_deadline, conn);
	conn->settle = event_new (self->base, -1, 0, ir_brandd_conns_settle, conn);
	if (conn->deadline == NULL || conn->settle == NULL)
		g_error ("out of memory creating a connection's timers");
	SSL_set_ex_data (ssl, ir_brandd_conn_index, conn);
	SSL_set_info_callback (ssl, ir_brandd_conns_info);
	g_queue_push_tail (&self->unauthenticated, conn);
	conn->link = self->unauthenticated.tail;
	ir_brandd_conns_arm (conn, self->limits.handshake_timeout_ms);
	event_active (conn->settle, 0, 0);
	if (self->unauthenticated.length > self->limits.max_handshakes)
		ir_brandd_conns_shed (self, NULL, conn);
}

void
ir_brandd_conns_request_read (SSL *ssl)
{
	IrBranddConn *conn = ir_brandd_conns_get (ssl);

	if (conn != NULL)
		evtimer_del (conn->deadline);
}

void
ir_brandd_conns_request_done (SSL *ssl)
{
	IrBranddConn *conn = ir_brandd_conns_get (ssl);

	if (conn != NULL && conn->authenticated && !conn->dropped)
		ir_brandd_conns_arm (conn, conn->conns->limits.request_timeout_ms);
}

void
ir_brandd_conns_stop_accepting (IrBranddConns *self)
{
	self->stopping = TRUE;
}

gboolean
ir_brandd_conns_peer (SSL *ssl, IrBranddPeer *peer, GError **error)
{
	IrBranddConn *conn = ir_brandd_conns_get (ssl);

	if (conn == NULL)
		return ir_brandd_tls_peer (ssl, peer, error);
	if (!conn->has_peer) {
		if (!ir_brandd_tls_peer (ssl, &conn->peer, error)) {
			ir_brandd_tls_peer_clear (&conn->peer);
			return FALSE;
		}
		conn->has_peer = TRUE;
	}
	ir_brandd_tls_peer_copy (&conn->peer, peer);
	return TRUE;
}

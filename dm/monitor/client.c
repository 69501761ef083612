/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One monitor connection: an input buffer split into lines, a bounded
 * output queue, and two sources in the default main context (readable;
 * writable only while output waits). A client that stops reading is
 * dropped when its queue is full: the VM never waits for a client.
 */
#include <errno.h>
#include <string.h>

#include <dm/log.h>

#include "monitor_priv.h"

struct monitor_client {
	struct dm_monitor *m;
	GSocket *sock;
	GSource *in_src;
	GSource *out_src; /* attached while out is not empty */
	GString *in;      /* bytes of the request being received */
	GQueue out;       /* GBytes, each a whole line with its newline */
	size_t out_head;  /* bytes of the first one already sent */
	size_t out_bytes; /* queued and not sent */
	unsigned id;      /* for log messages */
	bool draining;    /* the peer half-closed: drop once the output is sent */
};

static gboolean client_writable(GSocket *sock, GIOCondition cond, gpointer data);

void client_drop(struct monitor_client *c, const char *why)
{
	struct dm_monitor *m = c->m;
	GBytes *b;

	if (why)
		dm_warn("monitor %s: client %u dropped: %s", m->path, c->id, why);
	else
		dm_dbg("monitor %s: client %u disconnected", m->path, c->id);
	m->clients = g_list_remove(m->clients, c);
	if (c->in_src) {
		g_source_destroy(c->in_src);
		g_source_unref(c->in_src);
	}
	if (c->out_src) {
		g_source_destroy(c->out_src);
		g_source_unref(c->out_src);
	}
	g_socket_close(c->sock, NULL);
	g_object_unref(c->sock);
	g_string_free(c->in, TRUE);
	while ((b = g_queue_pop_head(&c->out)))
		g_bytes_unref(b);
	g_free(c);
}

/* Send what the socket takes now; 0, or a negative errno if the peer is gone. */
static int client_flush(struct monitor_client *c)
{
	GBytes *b;

	while ((b = g_queue_peek_head(&c->out))) {
		g_autoptr(GError) err = NULL;
		gsize len;
		const char *p = g_bytes_get_data(b, &len);
		gssize n = g_socket_send(c->sock, p + c->out_head, len - c->out_head, NULL, &err);

		if (n < 0) {
			if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				break;
			return -EPIPE;
		}
		c->out_head += n;
		c->out_bytes -= n;
		if (c->out_head == len) {
			g_bytes_unref(g_queue_pop_head(&c->out));
			c->out_head = 0;
		}
	}
	if (g_queue_is_empty(&c->out) && c->out_src) {
		g_source_destroy(c->out_src);
		g_source_unref(c->out_src);
		c->out_src = NULL;
	} else if (!g_queue_is_empty(&c->out) && !c->out_src) {
		c->out_src = g_socket_create_source(c->sock, G_IO_OUT | G_IO_HUP | G_IO_ERR, NULL);
		g_source_set_callback(c->out_src, (GSourceFunc)(void (*)(void))client_writable, c,
		                      NULL);
		g_source_attach(c->out_src, NULL);
	}
	return 0;
}

int client_send(struct monitor_client *c, const char *line)
{
	size_t len = strlen(line);
	char *buf;

	if (c->draining)
		return 0; /* it is leaving; only its replies still go out */
	if (c->out_bytes + len + 1 > c->m->outq_max)
		return -ENOBUFS;
	buf = g_malloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	g_queue_push_tail(&c->out, g_bytes_new_take(buf, len + 1));
	c->out_bytes += len + 1;
	return client_flush(c);
}

static gboolean client_writable(GSocket *sock, GIOCondition cond, gpointer data)
{
	struct monitor_client *c = data;

	(void)sock;
	(void)cond;
	if (client_flush(c) < 0) {
		client_drop(c, "connection lost while sending");
		return G_SOURCE_REMOVE;
	}
	if (c->draining && g_queue_is_empty(&c->out)) {
		client_drop(c, NULL);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE; /* client_flush() destroyed us if nothing is left */
}

/* Say why, discard what the peer already sent (so it reads our error, not a reset), close. */
static void client_refuse(struct monitor_client *c, int code, const char *desc)
{
	g_autofree char *line = request_error_line(code, desc);
	char sink[4096];

	client_send(c, line);
	for (int i = 0; i < 64; i++)
		if (g_socket_receive(c->sock, sink, sizeof(sink), NULL, NULL) <= 0)
			break;
	client_drop(c, desc);
}

/* Answer every whole line in c->in; false if the client was dropped. */
static bool client_process(struct monitor_client *c)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(c->in->str + start, '\n', c->in->len - start))) {
		const char *line = c->in->str + start;
		size_t len = nl - line;
		g_autofree char *reply = NULL;

		start += len + 1;
		if (len && line[len - 1] == '\r')
			len--;
		if (len > c->m->line_max) {
			g_autofree char *desc = g_strdup_printf(
			        "request of %zu bytes is over the %zu-byte limit; closing", len,
			        c->m->line_max);

			client_refuse(c, MONITOR_ERROR_LINE_TOO_LONG, desc);
			return false;
		}
		if (strspn(line, " \t\r") >= len)
			continue; /* blank lines are allowed, as keep-alives */
		reply = request_handle(c->m->vm, line, len);
		int rc = client_send(c, reply);

		if (rc < 0) {
			client_drop(c, rc == -ENOBUFS
			                       ? "it does not read its replies (output queue full)"
			                       : "connection lost while replying");
			return false;
		}
	}
	g_string_erase(c->in, 0, start);
	if (c->in->len > c->m->line_max) {
		g_autofree char *desc = g_strdup_printf(
		        "request exceeds the %zu-byte limit without a newline; closing",
		        c->m->line_max);

		client_refuse(c, MONITOR_ERROR_LINE_TOO_LONG, desc);
		return false;
	}
	return true;
}

static gboolean client_readable(GSocket *sock, GIOCondition cond, gpointer data)
{
	struct monitor_client *c = data;
	g_autoptr(GError) err = NULL;
	char buf[4096];
	gssize n;

	(void)cond;
	n = g_socket_receive(sock, buf, sizeof(buf), NULL, &err);
	if (n < 0) {
		if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			return G_SOURCE_CONTINUE;
		client_drop(c, err->message);
		return G_SOURCE_REMOVE;
	}
	if (n == 0 && !c->in->len && !g_queue_is_empty(&c->out)) {
		/* Half-closed after its last request: send the replies, then drop. */
		c->draining = true;
		g_source_destroy(c->in_src);
		g_source_unref(c->in_src);
		c->in_src = NULL;
		return G_SOURCE_REMOVE;
	}
	if (n == 0) {
		if (c->in->len) {
			g_autofree char *why = g_strdup_printf(
			        "disconnected in the middle of a request (%zu bytes discarded)",
			        c->in->len);

			client_drop(c, why);
		} else {
			client_drop(c, NULL);
		}
		return G_SOURCE_REMOVE;
	}
	g_string_append_len(c->in, buf, n);
	return client_process(c) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

struct monitor_client *client_new(struct dm_monitor *m, GSocket *sock)
{
	static unsigned next_id;
	struct monitor_client *c = g_new0(struct monitor_client, 1);
	g_autofree char *greeting = NULL;

	c->m = m;
	c->sock = sock;
	c->id = ++next_id;
	c->in = g_string_new(NULL);
	g_queue_init(&c->out);
	g_socket_set_blocking(sock, FALSE);
	c->in_src = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(c->in_src, (GSourceFunc)(void (*)(void))client_readable, c, NULL);
	g_source_attach(c->in_src, NULL);
	m->clients = g_list_append(m->clients, c);

	if (g_list_length(m->clients) > MONITOR_CLIENTS_MAX) {
		g_autofree char *desc =
		        g_strdup_printf("%d clients are connected already", MONITOR_CLIENTS_MAX);

		client_refuse(c, MONITOR_ERROR_TOO_MANY_CLIENTS, desc);
		return NULL;
	}
	dm_dbg("monitor %s: client %u connected", m->path, c->id);
	greeting = request_greeting(m->vm);
	if (client_send(c, greeting) < 0) {
		client_drop(c, "connection lost before the greeting");
		return NULL;
	}
	return c;
}

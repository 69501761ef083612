/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "monitor_client.h"

#define LINE_MAX_BYTES (1 << 20) /* acrn-dm queues at most 1 MiB per client */

struct pending {
	gint64 id;
	acrnd_monitor_reply_fn done;
	void *user;
};

struct acrnd_monitor {
	const struct acrnd_monitor_ops *ops;
	void *user;
	GCancellable *cancel;
	GSocketConnection *conn;
	GDataInputStream *in;
	GOutputStream *out;
	bool greeted, closed;
	gint64 next_id;
	GQueue pending; /* struct pending, in id order */
};

static void finish_pending(struct acrnd_monitor *m, int rc)
{
	struct pending *p;

	while ((p = g_queue_pop_head(&m->pending))) {
		if (p->done)
			p->done(rc, NULL, NULL, rc == -ECANCELED ? "canceled" : "connection lost",
			        p->user);
		g_free(p);
	}
}

static void close_with(struct acrnd_monitor *m, const char *why)
{
	if (m->closed)
		return;
	m->closed = true;
	g_cancellable_cancel(m->cancel);
	finish_pending(m, -ECONNRESET);
	if (m->ops->closed)
		m->ops->closed(m, why, m->user);
}

static void handle_greeting(struct acrnd_monitor *m, JsonObject *o)
{
	JsonObject *g = json_object_get_object_member(o, "acrn-dm");
	JsonObject *v = g && json_object_has_member(g, "version") &&
	                                JSON_NODE_HOLDS_OBJECT(json_object_get_member(g, "version"))
	                        ? json_object_get_object_member(g, "version")
	                        : NULL;

	if (!v || json_object_get_int_member_with_default(v, "major", -1) != 1) {
		close_with(m, "the monitor's greeting is not version 1.x");
		return;
	}
	m->greeted = true;
	if (m->ops->greeted)
		m->ops->greeted(m, (pid_t)json_object_get_int_member_with_default(g, "pid", 0),
		                m->user);
}

static void handle_reply(struct acrnd_monitor *m, JsonObject *o)
{
	struct pending *p = g_queue_peek_head(&m->pending);
	JsonNode *id = json_object_get_member(o, "id");

	if (!p || !id || json_node_get_value_type(id) != G_TYPE_INT64 ||
	    json_node_get_int(id) != p->id) {
		close_with(m, "a reply that matches no request");
		return;
	}
	g_queue_pop_head(&m->pending);
	if (!p->done) {
		/* fire and forget */
	} else if (json_object_has_member(o, "return")) {
		p->done(0, json_object_get_member(o, "return"), NULL, NULL, p->user);
	} else {
		JsonObject *e = json_object_get_object_member(o, "error");
		const char *klass =
		        e ? json_object_get_string_member_with_default(e, "class", "Failed")
		          : "Failed";
		const char *desc = e ? json_object_get_string_member_with_default(e, "desc", "")
		                     : "malformed error";
		int rc = !strcmp(klass, "CommandNotFound") ? -EOPNOTSUPP
		         : !strcmp(klass, "InvalidArgument") || !strcmp(klass, "DeviceNotFound")
		                 ? -EINVAL
		                 : -EIO;

		p->done(rc, NULL, klass, desc, p->user);
	}
	g_free(p);
}

static void handle_line(struct acrnd_monitor *m, const char *line)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *o;

	if (!json_parser_load_from_data(parser, line, -1, NULL) || !json_parser_get_root(parser) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		close_with(m, "the monitor sent a line that is not a JSON object");
		return;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	if (!m->greeted) {
		if (json_object_has_member(o, "acrn-dm"))
			handle_greeting(m, o);
		else
			close_with(m, "the monitor sent no greeting");
		return;
	}
	if (json_object_has_member(o, "event")) {
		JsonObject *data =
		        json_object_has_member(o, "data") &&
		                        JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "data"))
		                ? json_object_get_object_member(o, "data")
		                : NULL;
		g_autoptr(JsonNode) dn = json_node_new(JSON_NODE_OBJECT);
		g_autofree char *details = NULL;
		const char *name = json_object_get_string_member_with_default(o, "event", "");

		json_node_set_object(dn, data ? data : json_object_new());
		if (!data)
			json_object_unref(json_node_get_object(dn)); /* the node holds the ref */
		details = json_to_string(dn, FALSE);
		if (m->ops->event)
			m->ops->event(m, name, json_node_get_object(dn), details, m->user);
		return;
	}
	handle_reply(m, o);
}

static void read_next(struct acrnd_monitor *m);

static void line_read(GObject *src, GAsyncResult *res, gpointer user)
{
	struct acrnd_monitor *m = user;
	g_autoptr(GError) err = NULL;
	gsize len = 0;
	g_autofree char *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src),
	                                                                  res, &len, &err);

	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* freed or closed: @m may be gone */
	if (!line) {
		close_with(m, err ? err->message : "end of file");
		return;
	}
	if (len > LINE_MAX_BYTES) {
		close_with(m, "the monitor sent a line over 1 MiB");
		return;
	}
	handle_line(m, line);
	if (!m->closed)
		read_next(m);
}

static void read_next(struct acrnd_monitor *m)
{
	g_data_input_stream_read_line_async(m->in, G_PRIORITY_DEFAULT, m->cancel, line_read, m);
}

static void connected(GObject *src, GAsyncResult *res, gpointer user)
{
	struct acrnd_monitor *m = user;
	g_autoptr(GError) err = NULL;
	GSocketConnection *c = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &err);

	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (!c) {
		close_with(m, err->message);
		return;
	}
	m->conn = c;
	m->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(c)));
	g_data_input_stream_set_newline_type(m->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	m->out = g_io_stream_get_output_stream(G_IO_STREAM(c));
	read_next(m);
}

struct acrnd_monitor *acrnd_monitor_connect(const char *path, const struct acrnd_monitor_ops *ops,
                                            void *user)
{
	struct acrnd_monitor *m = g_new0(struct acrnd_monitor, 1);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);

	m->ops = ops;
	m->user = user;
	m->cancel = g_cancellable_new();
	m->next_id = 1;
	g_queue_init(&m->pending);
	g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), m->cancel, connected, m);
	return m;
}

void acrnd_monitor_free(struct acrnd_monitor *m)
{
	if (!m)
		return;
	m->closed = true; /* no closed() callback from here on */
	g_cancellable_cancel(m->cancel);
	finish_pending(m, -ECANCELED);
	if (m->conn)
		g_io_stream_close(G_IO_STREAM(m->conn), NULL, NULL);
	g_clear_object(&m->in);
	g_clear_object(&m->conn);
	g_clear_object(&m->cancel);
	g_free(m);
}

int acrnd_monitor_execute(struct acrnd_monitor *m, const char *command, JsonObject *args,
                          acrnd_monitor_reply_fn done, void *user)
{
	g_autoptr(JsonObject) req = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(GError) err = NULL;
	g_autofree char *line = NULL, *text = NULL;
	struct pending *p;

	if (!m || m->closed || !m->greeted) {
		if (args)
			json_object_unref(args);
		return -ENOTCONN;
	}
	json_object_set_string_member(req, "execute", command);
	if (args)
		json_object_set_object_member(req, "arguments", args);
	json_object_set_int_member(req, "id", m->next_id);
	json_node_set_object(node, req);
	text = json_to_string(node, FALSE);
	line = g_strconcat(text, "\n", NULL);
	/* A short line to a local socket acrn-dm reads at once: writing it inline is fine. */
	if (!g_output_stream_write_all(m->out, line, strlen(line), NULL, NULL, &err)) {
		close_with(m, err->message);
		return -ECONNRESET;
	}
	p = g_new0(struct pending, 1);
	p->id = m->next_id++;
	p->done = done;
	p->user = user;
	g_queue_push_tail(&m->pending, p);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The listening side of the monitor socket: create it (replacing a stale
 * socket file left by a dead acrn-dm, never a live one or another kind of
 * file), accept clients, broadcast events, and remove the file on exit.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "monitor_priv.h"

#define ACCEPT_RETRY_MS 200

/*
 * Make @path free for bind(): nothing there, or a socket nobody listens on
 * (removed). A live socket or any other file is refused.
 */
static int path_claim(const char *path, GError **error)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc, err;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		err = errno;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "monitor socket %s: %s",
		            path, g_strerror(err));
		return -err;
	}
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(
		        error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		        "monitor socket %s: the path exists and is not a socket; not replacing it",
		        path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		            "monitor socket %s: socket: %s", path, g_strerror(err));
		return -err;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = rc < 0 ? errno : 0;
	close(fd);
	if (err == ECONNREFUSED) {
		/* Nobody listens: a dead process's file. */
		if (unlink(path) < 0 && errno != ENOENT) {
			err = errno;
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			            "monitor socket %s: cannot remove the stale socket: %s", path,
			            g_strerror(err));
			return -err;
		}
		dm_info("monitor socket %s: replaced a stale socket", path);
		return 0;
	}
	if (err == 0 || err == EAGAIN || err == EINPROGRESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
		            "monitor socket %s: another process is listening on it (a running "
		            "acrn-dm?); not replacing it",
		            path);
		return -EADDRINUSE;
	}
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
	            "monitor socket %s: cannot tell whether it is in use: %s", path,
	            g_strerror(err));
	return -err;
}

static gboolean monitor_accept(GSocket *listener, GIOCondition cond, gpointer data);

static void accept_start(struct dm_monitor *m)
{
	m->accept_src = g_socket_create_source(m->listener, G_IO_IN, NULL);
	g_source_set_callback(m->accept_src, (GSourceFunc)(void (*)(void))monitor_accept, m, NULL);
	g_source_attach(m->accept_src, NULL);
}

static gboolean accept_retry(gpointer data)
{
	struct dm_monitor *m = data;

	g_source_unref(m->retry_src);
	m->retry_src = NULL;
	accept_start(m);
	return G_SOURCE_REMOVE;
}

static gboolean monitor_accept(GSocket *listener, GIOCondition cond, gpointer data)
{
	struct dm_monitor *m = data;

	(void)cond;
	for (;;) {
		g_autoptr(GError) err = NULL;
		GSocket *s = g_socket_accept(listener, NULL, &err);

		if (s) {
			client_new(m, s);
			continue;
		}
		if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			return G_SOURCE_CONTINUE;
		/* E.g. out of file descriptors: back off instead of spinning on a readable listener. */
		dm_warn("monitor %s: accept: %s; retrying in %d ms", m->path, err->message,
		        ACCEPT_RETRY_MS);
		g_source_destroy(m->accept_src);
		g_source_unref(m->accept_src);
		m->accept_src = NULL;
		m->retry_src = g_timeout_source_new(ACCEPT_RETRY_MS);
		g_source_set_callback(m->retry_src, accept_retry, m, NULL);
		g_source_attach(m->retry_src, NULL);
		return G_SOURCE_REMOVE;
	}
}

struct dm_monitor *dm_monitor_new(struct dm_vm *vm, const char *path, GError **error)
{
	g_autoptr(GSocketAddress) addr = NULL;
	struct dm_monitor *m;
	struct stat st;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	if (!vm || !path || !*path) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		                    "monitor socket: no VM or an empty path");
		return NULL;
	}
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "monitor socket %s: the path is %zu bytes, a unix socket path holds at "
		            "most %zu",
		            path, strlen(path), sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return NULL;
	}
	if (path_claim(path, error) < 0)
		return NULL;

	m = g_new0(struct dm_monitor, 1);
	m->vm = vm;
	m->path = g_strdup(path);
	m->line_max = MONITOR_LINE_MAX;
	m->outq_max = MONITOR_OUTQ_MAX;
	m->listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
	                           G_SOCKET_PROTOCOL_DEFAULT, error);
	if (!m->listener)
		goto fail;
	addr = g_unix_socket_address_new(path);
	if (!g_socket_bind(m->listener, addr, FALSE, error) ||
	    !g_socket_listen(m->listener, error)) {
		g_prefix_error(error, "monitor socket %s: ", path);
		goto fail;
	}
	/* The monitor can destroy the VM: only our user may connect. */
	if (chmod(path, 0600) < 0 || stat(path, &st) < 0) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "monitor socket %s: %s",
		            path, g_strerror(err));
		unlink(path);
		goto fail;
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	g_socket_set_blocking(m->listener, FALSE);
	accept_start(m);
	events_attach(m);
	return m;

fail:
	if (m->listener)
		g_object_unref(m->listener);
	g_free(m->path);
	g_free(m);
	return NULL;
}

void dm_monitor_free(struct dm_monitor *m)
{
	struct stat st;

	if (!m)
		return;
	events_detach(m);
	while (m->clients)
		client_drop(m->clients->data, NULL);
	if (m->accept_src) {
		g_source_destroy(m->accept_src);
		g_source_unref(m->accept_src);
	}
	if (m->retry_src) {
		g_source_destroy(m->retry_src);
		g_source_unref(m->retry_src);
	}
	/* Remove the file only if it is still ours (not a successor's). */
	if (stat(m->path, &st) == 0 && st.st_dev == m->dev && st.st_ino == m->ino)
		unlink(m->path);
	g_socket_close(m->listener, NULL);
	g_object_unref(m->listener);
	g_free(m->path);
	g_free(m);
}

void monitor_broadcast(struct dm_monitor *m, const char *line)
{
	GList *l = m->clients;

	while (l) {
		GList *next = l->next; /* client_drop() unlinks l */

		int rc = client_send(l->data, line);

		if (rc < 0)
			client_drop(l->data, rc == -ENOBUFS
			                             ? "it does not read events (output queue full)"
			                             : "connection lost while sending an event");
		l = next;
	}
}

unsigned monitor_client_count(struct dm_monitor *m)
{
	return g_list_length(m->clients);
}

void monitor_set_limits(struct dm_monitor *m, size_t line_max, size_t outq_max)
{
	m->line_max = line_max;
	m->outq_max = outq_max;
}

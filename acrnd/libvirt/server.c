/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sockets and connections: framing, SO_PEERCRED, keepalive, one write
 * queue per client (replies and events never interleave).
 */
#define _GNU_SOURCE /* accept4, struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "lv_priv.h"

#define READ_CHUNK (64u << 10)
#define OUT_MAX    (64u << 20) /* a client that reads nothing is dropped past this */

static void client_free(struct lv_client *c)
{
	g_byte_array_unref(c->in);
	g_byte_array_unref(c->out);
	g_array_unref(c->callbacks);
	g_hash_table_unref(c->streams);
	g_free(c);
}

struct lv_client *lv_client_ref(struct lv_client *c)
{
	c->refs++;
	return c;
}

void lv_client_unref(struct lv_client *c)
{
	if (c && !--c->refs)
		client_free(c);
}

struct lv_client *lv_client_new(struct acrnd_libvirt *srv, int fd, bool rw_socket)
{
	struct lv_client *c = g_new0(struct lv_client, 1);
	struct ucred cred = { .pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len = sizeof(cred);

	c->srv = srv;
	c->refs = 1;
	c->id = ++srv->next_client_id;
	c->fd = fd;
	c->in = g_byte_array_new();
	c->out = g_byte_array_new();
	c->callbacks = g_array_new(FALSE, FALSE, sizeof(struct lv_callback));
	c->streams = g_hash_table_new_full(NULL, NULL, NULL, NULL);
	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		g_message("libvirt: client %u: SO_PEERCRED: %s", c->id, g_strerror(errno));
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->rw_socket = rw_socket;
	c->may_write = rw_socket && (srv->session ? c->uid == getuid() : c->uid == 0);
	c->readonly = !c->may_write;
	srv->clients = g_list_prepend(srv->clients, c);
	return c;
}

void lv_client_close(struct lv_client *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		g_message("libvirt: client %u (pid %d, uid %d): %s", c->id, (int)c->pid,
		          (int)c->uid, why);
	c->dead = true;
	if (c->in_src)
		g_source_remove(c->in_src);
	if (c->out_src)
		g_source_remove(c->out_src);
	c->in_src = c->out_src = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	/* Callbacks die with the connection: python drops sockets without CONNECT_CLOSE. */
	g_array_set_size(c->callbacks, 0);
	lv_streams_close(c);
	c->srv->clients = g_list_remove(c->srv->clients, c);
	lv_client_unref(c);
}

static int flush(struct lv_client *c)
{
	while (c->out->len) {
		ssize_t n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		g_byte_array_remove_range(c->out, 0, n);
	}
	return 0;
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer user)
{
	struct lv_client *c = user;
	int r;

	(void)fd, (void)cond;
	r = flush(c);
	if (r < 0) {
		c->out_src = 0;
		lv_client_close(c, g_strerror(-r));
		return G_SOURCE_REMOVE;
	}
	if (c->out->len)
		return G_SOURCE_CONTINUE;
	c->out_src = 0;
	lv_streams_resume(c); /* consoles held back for this client read on */
	return G_SOURCE_REMOVE;
}

void lv_client_send(struct lv_client *c, GByteArray *packet)
{
	int r;

	if (c->dead)
		return;
	if (c->out->len + packet->len > OUT_MAX) {
		lv_client_close(c, "it reads nothing: over 64 MiB queued for it");
		return;
	}
	g_byte_array_append(c->out, packet->data, packet->len);
	if (c->out_src || c->fd < 0)
		return;
	r = flush(c);
	if (r < 0)
		lv_client_close(c, g_strerror(-r));
	else if (c->out->len)
		c->out_src = g_unix_fd_add(c->fd, G_IO_OUT, on_writable, c);
}

static void keepalive(struct lv_client *c, const struct lv_header *h)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	struct lv_header pong = *h;

	if (h->proc != LV_KEEPALIVE_PING || h->type != LV_MESSAGE)
		return; /* PONG, or nothing we know: keepalive needs no answer */
	pong.proc = LV_KEEPALIVE_PONG;
	lv_packet_begin(b, &pong);
	lv_packet_end(b);
	lv_client_send(c, b);
}

/* One whole packet; 0, or a negative errno naming a protocol violation. */
static int packet(struct lv_client *c, const uint8_t *data, size_t len)
{
	struct lv_header h;
	struct lv_in in;
	int r;

	lv_in_init(&in, data + LV_LEN_WORD, len - LV_LEN_WORD);
	r = lv_header_decode(&in, &h);
	if (r)
		return r;
	if (h.prog == LV_PROG_KEEPALIVE) {
		keepalive(c, &h);
		return 0;
	}
	if (h.type != LV_CALL) {
		if (h.type == LV_STREAM && h.prog == LV_PROG_REMOTE && h.vers == LV_PROG_VERSION)
			return lv_stream_packet(c, &h, in.p, in.left);
		g_message("libvirt: client %u: ignoring a packet of type %d (program %#x, "
		          "procedure %d, serial %u)",
		          c->id, h.type, h.prog, h.proc, h.serial);
		return h.type == LV_STREAM || h.type == LV_MESSAGE ? 0 : -EPROTO;
	}
	if (h.status != LV_OK)
		return -EPROTO;
	if (h.prog != LV_PROG_REMOTE || h.vers != LV_PROG_VERSION) {
		lv_reply_error(c, &h, LV_ERR_RPC, "cannot find program %#x version %u", h.prog,
		               h.vers);
		return 0;
	}
	return lv_dispatch(c, &h, in.p, in.left);
}

int lv_client_feed(struct lv_client *c, const void *data, size_t len)
{
	size_t off = 0;
	int r = 0;

	g_byte_array_append(c->in, data, len);
	lv_client_ref(c);
	while (!c->dead && c->in->len - off >= LV_LEN_WORD) {
		size_t plen;

		r = lv_packet_length(c->in->data + off, &plen);
		if (r)
			break;
		if (c->in->len - off < plen)
			break;
		r = packet(c, c->in->data + off, plen);
		if (r)
			break;
		off += plen;
	}
	if (!c->dead)
		g_byte_array_remove_range(c->in, 0, MIN(off, c->in->len));
	lv_client_unref(c);
	return r;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer user)
{
	struct lv_client *c = user;
	g_autofree uint8_t *buf = g_malloc(READ_CHUNK);
	ssize_t n;
	int r;

	(void)cond;
	n = recv(fd, buf, READ_CHUNK, 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return G_SOURCE_CONTINUE;
	c->in_src = 0; /* lv_client_close must not remove the running source */
	if (n <= 0) {
		lv_client_close(c, n < 0 ? g_strerror(errno) : NULL);
		return G_SOURCE_REMOVE;
	}
	lv_client_ref(c); /* a failed send during dispatch may close it */
	r = lv_client_feed(c, buf, n);
	if (r < 0) {
		g_autofree char *why = g_strdup_printf(
		        "malformed packet (%s): closing the connection",
		        r == -EMSGSIZE ? "a length over libvirt's limits"
		        : r == -EPROTO ? "a packet type or status a client may not send"
		                       : "truncated or inconsistent data");

		lv_client_close(c, why);
		lv_client_unref(c);
		return G_SOURCE_REMOVE;
	}
	if (c->dead) {
		lv_client_unref(c);
		return G_SOURCE_REMOVE;
	}
	c->in_src = g_source_get_id(g_main_current_source());
	lv_client_unref(c);
	return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user)
{
	struct acrnd_libvirt *srv = user;
	bool rw = fd == srv->listen_fd[0];
	struct lv_client *c;
	int cfd;

	(void)cond;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			g_message("libvirt: accept on %s: %s", srv->paths[rw ? 0 : 1],
			          g_strerror(errno));
		return G_SOURCE_CONTINUE;
	}
	c = lv_client_new(srv, cfd, rw);
	c->in_src = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, c);
	return G_SOURCE_CONTINUE;
}

/* Bind @path, replacing a stale socket but never a live one. */
static int listen_on(const char *path, mode_t mode, int *ret, GError **error)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, probe;

	if (strlen(path) >= sizeof(a.sun_path)) {
		g_set_error(error, ACRND_ERROR, ENAMETOOLONG, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
		close(probe);
		g_set_error(error, ACRND_ERROR, EADDRINUSE, "%s: another daemon serves it", path);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(path, mode) < 0 ||
	    listen(fd, 64) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, ACRND_ERROR, e, "cannot listen on %s: %s", path, g_strerror(e));
		return -e;
	}
	*ret = fd;
	return 0;
}

/* A socket systemd (or another activator) opened for us: its path, non-blocking. */
static int adopt(struct acrnd_libvirt *lv, int i, int fd, GError **error)
{
	struct sockaddr_un a = { 0 };
	socklen_t len = sizeof(a);
	int fl = fcntl(fd, F_GETFL);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 || a.sun_family != AF_UNIX || fl < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		g_set_error(error, ACRND_ERROR, EINVAL,
		            "passed socket %d is not a UNIX socket acrnd can use", fd);
		return -EINVAL;
	}
	lv->listen_fd[i] = fd;
	lv->adopted[i] = true;
	lv->paths[i] = g_strndup(a.sun_path, sizeof(a.sun_path));
	return 0;
}

int acrnd_libvirt_new(struct acrnd_manager *m, bool session, const char *dir,
                      const int passed_fds[2], struct acrnd_libvirt **ret, GError **error)
{
	struct acrnd_libvirt *lv = g_new0(struct acrnd_libvirt, 1);
	bool activated = passed_fds && (passed_fds[0] >= 0 || passed_fds[1] >= 0);
	int r = 0;

	lv->mgr = m;
	lv->session = session;
	lv->listen_fd[0] = lv->listen_fd[1] = -1;
	lv->next_dom_id = 1;
	lv->vminfo = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	if (dir)
		lv->dir = g_strdup(dir);
	else if (session)
		lv->dir = g_build_filename(g_get_user_runtime_dir(), "libvirt", NULL);
	else
		lv->dir = g_strdup("/run/libvirt");
	for (int i = 0; activated && i < 2 && !r; i++)
		if (passed_fds[i] >= 0)
			r = adopt(lv, i, passed_fds[i], error);
	if (!activated && g_mkdir_with_parents(lv->dir, session ? 0700 : 0755) < 0) {
		r = -errno;
		g_set_error(error, ACRND_ERROR, -r, "cannot create %s: %s", lv->dir,
		            g_strerror(-r));
	}
	if (r)
		goto fail;
	if (!activated) {
		lv->paths[0] = g_build_filename(lv->dir, "virtacrnd-sock", NULL);
		if (!session)
			lv->paths[1] = g_build_filename(lv->dir, "virtacrnd-sock-ro", NULL);
	}
	for (int i = 0; i < 2 && !r; i++) {
		if (!lv->paths[i])
			continue;
		/* The read-only socket is for everyone; the other checks SO_PEERCRED too. */
		if (!lv->adopted[i])
			r = listen_on(lv->paths[i], i ? 0666 : 0600, &lv->listen_fd[i], error);
		if (!r)
			lv->listen_src[i] = g_unix_fd_add(lv->listen_fd[i], G_IO_IN, on_accept, lv);
	}
	if (r)
		goto fail;
	lv_events_subscribe(lv);
	*ret = lv;
	return 0;
fail:
	acrnd_libvirt_free(lv);
	return r;
}

void acrnd_libvirt_free(struct acrnd_libvirt *lv)
{
	if (!lv)
		return;
	while (lv->clients)
		lv_client_close(lv->clients->data, NULL);
	for (int i = 0; i < 2; i++) {
		if (lv->listen_src[i])
			g_source_remove(lv->listen_src[i]);
		if (lv->listen_fd[i] >= 0) {
			close(lv->listen_fd[i]);
			if (!lv->adopted[i]) /* systemd's socket stays for the next start */
				unlink(lv->paths[i]);
		}
		g_free(lv->paths[i]);
	}
	g_hash_table_unref(lv->vminfo);
	if (lv->consoles)
		g_hash_table_unref(lv->consoles);
	g_free(lv->dir);
	g_free(lv);
}

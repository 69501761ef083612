/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DOMAIN_OPEN_CONSOLE and its stream: a running VM's console pty (the one
 * acrn-dm reported) bridged to the client both ways on the main loop. Guest
 * output goes out as STREAM packets (status CONTINUE); the client's data is
 * written to the pty through a bounded buffer; finish (OK) and abort (ERROR)
 * from either side end it. One console per VM, as libvirt: a second one is
 * refused unless it forces the first one out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "lv_priv.h"

#define CHUNK_MAX   262120u     /* libvirt's stream data limit per packet */
#define READ_CHUNK  (16u << 10) /* what one pty read sends at most */
#define TO_PTY_MAX  (1u << 20)  /* client data waiting for the guest; more is dropped */
#define OUT_HIGH    (1u << 20)  /* stop reading the pty while the client has this much queued */
#define DRAIN_MAX   (1u << 20)  /* what is still read from a pty whose VM stopped */
#define EOF_WAIT_MS 3000        /* pty EOF: how long the core may take to see the VM go */

/* virDomainConsoleFlags */
enum {
	CONSOLE_FORCE = 1 << 0,
	CONSOLE_SAFE = 1 << 1,
};

struct lv_stream {
	struct lv_client *c; /* holds a reference */
	struct lv_header h;  /* the DOMAIN_OPEN_CONSOLE call: its proc and serial */
	struct acrnd_vm *vm;
	char *vm_name, *path;
	int fd;
	guint in_src, out_src, eof_src;
	GByteArray *to_pty;
	bool throttled; /* the pty is not read until the client's queue drains */
	bool dropping;  /* logged that client data is being dropped */
	bool ended;     /* acrnd ended it (pty closed); the client's finish or abort is due */
	int err_code;   /* how it ended: 0 end of data, else the error sent */
	char *err_msg;
};

static GHashTable *consoles(struct acrnd_libvirt *srv)
{
	/* pty path (the stream's own string) → struct lv_stream: one session per device */
	if (!srv->consoles)
		srv->consoles = g_hash_table_new(g_str_hash, g_str_equal);
	return srv->consoles;
}

static void close_pty(struct lv_stream *s);

static void stream_free(struct lv_stream *s)
{
	close_pty(s);
	g_hash_table_remove(s->c->streams, GUINT_TO_POINTER(s->h.serial));
	g_byte_array_unref(s->to_pty);
	lv_client_unref(s->c);
	g_free(s->vm_name);
	g_free(s->path);
	g_free(s->err_msg);
	g_free(s);
}

static void send_packet(struct lv_stream *s, int status, const void *data, size_t len)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	struct lv_header h = s->h;

	h.type = LV_STREAM;
	h.status = status;
	lv_packet_begin(b, &h);
	if (len)
		g_byte_array_append(b, data, len);
	lv_packet_end(b);
	lv_client_send(s->c, b);
}

/* The pty side is done: no more reading or writing, and the VM's console is free. */
static void close_pty(struct lv_stream *s)
{
	if (s->in_src)
		g_source_remove(s->in_src);
	if (s->out_src)
		g_source_remove(s->out_src);
	if (s->eof_src)
		g_source_remove(s->eof_src);
	s->in_src = s->out_src = s->eof_src = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	g_byte_array_set_size(s->to_pty, 0);
	if (g_hash_table_lookup(consoles(s->c->srv), s->path) == s)
		g_hash_table_remove(consoles(s->c->srv), s->path);
}

/*
 * End the stream from acrnd's side: an empty CONTINUE packet (libvirt's end
 * of data) when @code is 0, else an ERROR packet with libvirt's error @code.
 * The client answers with its finish or abort, which frees @s; until then
 * its data is dropped.
 */
static void stream_end(struct lv_stream *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void stream_end(struct lv_stream *s, int code, const char *fmt, ...)
{
	close_pty(s);
	s->ended = true;
	if (!code) {
		send_packet(s, LV_CONTINUE, NULL, 0);
	} else {
		g_autoptr(GByteArray) b = g_byte_array_new();
		va_list ap;

		va_start(ap, fmt);
		s->err_msg = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		s->err_code = code;
		lv_put_error(b, code, s->err_msg);
		send_packet(s, LV_ERROR, b->data, b->len);
	}
	/* A failed send closes the client; lv_streams_close then freed @s. */
}

/* The client's finish (@code 0: status OK, empty) or abort is answered; @s is freed. */
static void stream_answer(struct lv_stream *s, int code, const char *text)
{
	struct lv_client *c = lv_client_ref(s->c);

	if (!code) {
		send_packet(s, LV_OK, NULL, 0);
	} else {
		g_autoptr(GByteArray) b = g_byte_array_new();

		lv_put_error(b, code, text);
		send_packet(s, LV_ERROR, b->data, b->len);
	}
	if (!c->dead)
		stream_free(s);
	lv_client_unref(c);
}

/* The pty gave EOF or an error: the VM went away, or will shortly. */
static void finish_by_state(struct lv_stream *s)
{
	if (acrnd_vm_state(s->vm) == ACRND_STATE_CRASHED)
		stream_end(s, LV_ERR_OPERATION_FAILED, "domain '%s' crashed", s->vm_name);
	else
		stream_end(s, 0, NULL);
}

static gboolean eof_timeout(gpointer user)
{
	struct lv_stream *s = user;

	s->eof_src = 0;
	finish_by_state(s);
	return G_SOURCE_REMOVE;
}

/*
 * The pty gave EOF: acrn-dm exited (it keeps the pty open while it runs).
 * The core may not know yet whether it crashed: lv_console_vm_gone decides,
 * or a short timeout should the VM somehow stay up.
 */
static void pty_gone(struct lv_stream *s)
{
	if (!acrnd_state_is_active(acrnd_vm_state(s->vm))) {
		finish_by_state(s);
		return;
	}
	close(s->fd);
	s->fd = -1;
	if (s->out_src)
		g_source_remove(s->out_src);
	s->out_src = 0;
	s->eof_src = g_timeout_add(EOF_WAIT_MS, eof_timeout, s);
}

static gboolean on_pty_readable(gint fd, GIOCondition cond, gpointer user);

static void watch_pty(struct lv_stream *s)
{
	if (!s->in_src)
		s->in_src = g_unix_fd_add(s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_pty_readable, s);
}

/*
 * Read up to @max bytes from the pty into stream packets. Returns 1 while
 * the pty is open, 0 at its end, -1 when the client went away (@s is freed).
 */
static int pump_pty(struct lv_stream *s, size_t max)
{
	struct lv_client *c = s->c;
	uint8_t buf[READ_CHUNK];
	size_t done = 0;

	G_STATIC_ASSERT(READ_CHUNK <= CHUNK_MAX);
	while (done < max) {
		ssize_t n = read(s->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0) /* EIO: the other side (acrn-dm) closed */
			return 0;
		lv_client_ref(c);
		send_packet(s, LV_CONTINUE, buf, n);
		if (c->dead) {
			lv_client_unref(c);
			return -1;
		}
		lv_client_unref(c);
		done += n;
		if (c->out->len > OUT_HIGH)
			break;
	}
	return 1;
}

static gboolean on_pty_readable(gint fd, GIOCondition cond, gpointer user)
{
	struct lv_stream *s = user;
	int r;

	(void)fd, (void)cond;
	r = pump_pty(s, 4 * READ_CHUNK); /* a turn of the loop for others too */
	if (r < 0)
		return G_SOURCE_REMOVE; /* freed with its client (which removed this source) */
	if (r == 0) {
		s->in_src = 0;
		pty_gone(s);
		return G_SOURCE_REMOVE;
	}
	if (s->c->out->len > OUT_HIGH) {
		/* Back-pressure: the guest's output waits in the pty until the client reads. */
		s->throttled = true;
		s->in_src = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

void lv_streams_resume(struct lv_client *c)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, c->streams);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct lv_stream *s = v;

		if (s->throttled && s->fd >= 0 && c->out->len <= OUT_HIGH) {
			s->throttled = false;
			watch_pty(s);
		}
	}
}

/* Write what the client sent; 0, or -errno when the pty broke. */
static int flush_pty(struct lv_stream *s)
{
	while (s->to_pty->len) {
		ssize_t n = write(s->fd, s->to_pty->data, s->to_pty->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		g_byte_array_remove_range(s->to_pty, 0, n);
	}
	s->dropping = false;
	return 0;
}

static gboolean on_pty_writable(gint fd, GIOCondition cond, gpointer user)
{
	struct lv_stream *s = user;
	int r;

	(void)fd, (void)cond;
	r = flush_pty(s);
	if (r == 0 && s->to_pty->len)
		return G_SOURCE_CONTINUE;
	s->out_src = 0;
	if (r < 0)
		g_message("libvirt: client %u: console of VM %s (%s): %s; dropping %u bytes",
		          s->c->id, s->vm_name, s->path, g_strerror(-r), s->to_pty->len);
	if (r < 0)
		g_byte_array_set_size(s->to_pty, 0);
	return G_SOURCE_REMOVE;
}

/* Client data for the guest: queued up to TO_PTY_MAX, the rest dropped with a log line. */
static void to_pty(struct lv_stream *s, const uint8_t *data, size_t len)
{
	size_t room = TO_PTY_MAX - s->to_pty->len;
	int r;

	if (len > room) {
		if (!s->dropping)
			g_message("libvirt: client %u: console of VM %s: the guest reads too "
			          "slowly, dropping input past %u bytes queued",
			          s->c->id, s->vm_name, TO_PTY_MAX);
		s->dropping = true;
		len = room;
	}
	g_byte_array_append(s->to_pty, data, len);
	if (s->out_src)
		return;
	r = flush_pty(s);
	if (r < 0) {
		g_message("libvirt: client %u: console of VM %s (%s): %s", s->c->id, s->vm_name,
		          s->path, g_strerror(-r));
		g_byte_array_set_size(s->to_pty, 0);
	} else if (s->to_pty->len) {
		s->out_src = g_unix_fd_add(s->fd, G_IO_OUT, on_pty_writable, s);
	}
}

int lv_stream_packet(struct lv_client *c, const struct lv_header *h, const uint8_t *data,
                     size_t len)
{
	struct lv_stream *s = g_hash_table_lookup(c->streams, GUINT_TO_POINTER(h->serial));

	if (!s) {
		/* Data in flight when the stream ended: libvirt drops it too. */
		g_message("libvirt: client %u: ignoring a stream packet for serial %u, which "
		          "has no open stream",
		          c->id, h->serial);
		return 0;
	}
	if (h->proc != s->h.proc)
		return -EPROTO;
	switch (h->status) {
	case LV_CONTINUE:
		if (len > CHUNK_MAX)
			return -EMSGSIZE;
		if (s->fd >= 0) /* else the pty is gone: dropped */
			to_pty(s, data, len);
		return 0;
	case LV_OK: /* finish: confirmed with an empty OK (or how acrnd ended it) */
		if (len)
			return -EBADMSG;
		if (s->fd >= 0)
			flush_pty(s); /* what the guest takes now; the rest goes with the pty */
		stream_answer(s, s->err_code, s->err_msg);
		return 0;
	case LV_ERROR: /* abort: the client waits for an answer, libvirtd's is an error */
		stream_answer(s, LV_ERR_RPC, "stream aborted at client request");
		return 0;
	default:
		return -EPROTO;
	}
}

void lv_streams_close(struct lv_client *c)
{
	GList *all = g_hash_table_get_values(c->streams);

	for (GList *l = all; l; l = l->next)
		stream_free(l->data);
	g_list_free(all);
}

void lv_console_vm_gone(struct acrnd_libvirt *srv, struct acrnd_vm *vm)
{
	struct lv_stream *s = srv->consoles ? g_hash_table_lookup(srv->consoles, vm) : NULL;
	int r;

	if (!s || s->ended)
		return;
	/* What the guest wrote last is still in the pty: send it before the end. */
	r = s->fd >= 0 ? pump_pty(s, DRAIN_MAX) : 0;
	if (r < 0)
		return;
	finish_by_state(s);
}

/* Open @path raw and non-blocking; -errno. */
static int open_pty(const char *path)
{
	struct termios tio;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!isatty(fd) || tcgetattr(fd, &tio) < 0) {
		close(fd);
		return -ENOTTY;
	}
	/* No echo, no line editing, no CR/LF mangling: bytes pass as they are. */
	cfmakeraw(&tio);
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/*
 * The pty behind libvirt's device name @dev: none or "console0" (the first pty
 * serial port), "serialN" (the port with <target port='N'/>, libvirt's alias).
 * Replies with the error and returns -1 when there is none.
 */
static int device_pty(struct lv_client *c, const struct lv_header *h, struct acrnd_vm *vm,
                      const char *dev, const char **path)
{
	const struct acrnd_def *def = acrnd_vm_def(vm);
	const struct acrnd_serial *serial = NULL;
	guint64 port = 0;

	if (!dev || !strcmp(dev, "console0")) {
		*path = acrnd_vm_console_pty(vm);
		if (*path)
			return 0;
		lv_reply_error(c, h, LV_ERR_OPERATION_INVALID,
		               "domain '%s' has no pty console (it needs <serial type='pty'>)",
		               acrnd_vm_name(vm));
		return -1;
	}
	if (def->serials && g_str_has_prefix(dev, "serial") &&
	    g_ascii_string_to_unsigned(dev + strlen("serial"), 10, 0, ACRND_SERIALS_MAX - 1, &port,
	                               NULL))
		for (guint i = 0; i < def->serials->len && !serial; i++)
			if (((struct acrnd_serial *)def->serials->pdata[i])->port == port)
				serial = def->serials->pdata[i];
	if (!serial) {
		lv_reply_error(c, h, LV_ERR_INTERNAL,
		               "cannot find character device %s of domain '%s'", dev,
		               acrnd_vm_name(vm));
		return -1;
	}
	*path = acrnd_vm_serial_pty(vm, (unsigned)port);
	if (*path)
		return 0;
	lv_reply_error(c, h, LV_ERR_OPERATION_INVALID,
	               serial->type == ACRND_SERIAL_PTY
	                       ? "character device %s of domain '%s' has no pty yet"
	                       : "character device %s of domain '%s' is not a pty",
	               dev, acrnd_vm_name(vm));
	return -1;
}

int lv_console_open(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *dev = NULL;
	struct lv_stream *s, *old;
	struct acrnd_vm *vm;
	const char *path;
	uint32_t flags;
	int r = lv_dom_arg(c, h, in, &vm);

	/* Decode everything before replying (lv_dom_arg may have replied already). */
	if (!r)
		r = lv_get_opt_string(in, LV_STRING_MAX, &dev);
	if (!r)
		r = lv_get_u32(in, &flags);
	if (r || !vm)
		return r;
	if (flags & ~(uint32_t)(CONSOLE_FORCE | CONSOLE_SAFE)) {
		lv_reply_error(c, h, LV_ERR_INVALID_ARG, "unsupported flags (%#x) for the console",
		               flags & ~(uint32_t)(CONSOLE_FORCE | CONSOLE_SAFE));
		return 0;
	}
	if (!acrnd_state_is_active(acrnd_vm_state(vm))) {
		lv_reply_error(c, h, LV_ERR_OPERATION_INVALID, "domain '%s' is not running",
		               acrnd_vm_name(vm));
		return 0;
	}
	if (device_pty(c, h, vm, dev, &path) < 0)
		return 0;
	if (g_hash_table_contains(c->streams, GUINT_TO_POINTER(h->serial))) {
		lv_reply_error(c, h, LV_ERR_RPC, "serial %u already has an open stream", h->serial);
		return 0;
	}
	old = g_hash_table_lookup(consoles(c->srv), path);
	if (old && !(flags & CONSOLE_FORCE)) {
		lv_reply_error(c, h, LV_ERR_OPERATION_FAILED,
		               "Active console session exists for domain '%s'", acrnd_vm_name(vm));
		return 0;
	}
	r = open_pty(path);
	if (r < 0) {
		lv_reply_error(c, h, LV_ERR_OPERATION_FAILED,
		               "cannot open console %s of domain '%s': %s", path, acrnd_vm_name(vm),
		               g_strerror(-r));
		return 0;
	}
	if (old) /* forced: libvirt ends the other session */
		stream_end(old, LV_ERR_OPERATION_FAILED,
		           "console of domain '%s' taken over by another session (force)",
		           acrnd_vm_name(vm));
	if (c->dead) { /* the old session was this client's, and sending it failed */
		close(r);
		return 0;
	}
	s = g_new0(struct lv_stream, 1);
	s->c = lv_client_ref(c);
	s->h = *h;
	s->vm = vm;
	s->vm_name = g_strdup(acrnd_vm_name(vm));
	s->path = g_strdup(path);
	s->fd = r;
	s->to_pty = g_byte_array_new();
	g_hash_table_insert(c->streams, GUINT_TO_POINTER(h->serial), s);
	g_hash_table_insert(consoles(c->srv), s->path, s);
	lv_client_ref(c);
	lv_reply(c, h, NULL); /* first the reply, then the data */
	if (!c->dead)
		watch_pty(s);
	lv_client_unref(c);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the libvirt binding's files: the server, its clients, the dispatcher. */
#ifndef ACRND_LIBVIRT_PRIV_H
#define ACRND_LIBVIRT_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

#include "libvirt.h"
#include "proto.h"

struct acrnd_libvirt {
	struct acrnd_manager *mgr;
	bool session;
	char *dir;
	char *paths[2]; /* read-write, read-only (NULL in session mode) */
	int listen_fd[2];
	bool adopted[2]; /* passed by socket activation: not ours to unlink */
	guint listen_src[2];
	GList *clients;          /* struct lv_client */
	unsigned next_client_id; /* for logs */
	int next_callback_id;    /* event callbacks, unique per server */
	int next_dom_id;         /* libvirt's domain ids: small, stable while running */
	GHashTable *vminfo;      /* struct acrnd_vm * → struct lv_vminfo */
	GHashTable *consoles;    /* struct acrnd_vm * → its console stream (console.c) */
};

/* What libvirt shows of a VM beyond the core's state. */
struct lv_vminfo {
	int id;              /* -1 while inactive */
	int state, reason;   /* virDomainState and its reason */
	int last_core_state; /* enum acrnd_state the last event saw */
};

struct lv_callback {
	int id, event_id;
	bool filter; /* only the domain with @uuid */
	uint8_t uuid[16];
};

struct lv_client {
	struct acrnd_libvirt *srv;
	unsigned id, refs;
	int fd;
	guint in_src, out_src;
	uid_t uid;
	pid_t pid;
	bool rw_socket; /* accepted on the read-write socket */
	bool may_write; /* the peer may use the read-write socket */
	bool opened, readonly;
	bool dead; /* closed: pending completions drop their replies */
	GByteArray *in, *out;
	GArray *callbacks; /* struct lv_callback */
	/*
	 * Streams (consoles, struct lv_stream) by the serial of the call that
	 * opened them: a STREAM packet is routed here (console.c).
	 */
	GHashTable *streams;
};

/*
 * Process @len received bytes: complete packets are dispatched. Returns 0, or
 * a negative errno when the peer sent something malformed (the caller closes).
 */
int lv_client_feed(struct lv_client *c, const void *data, size_t len);
/* Queue a finished packet (lv_packet_end done) for sending. */
void lv_client_send(struct lv_client *c, GByteArray *packet);
struct lv_client *lv_client_ref(struct lv_client *c);
void lv_client_unref(struct lv_client *c);
/* A client on connected socket @fd (which it then owns), not yet watched. */
struct lv_client *lv_client_new(struct acrnd_libvirt *srv, int fd, bool rw_socket);
/* Close the connection now (idempotent), dropping its callbacks. */
void lv_client_close(struct lv_client *c, const char *why);

/* dispatch.c: one CALL; 0, or a negative errno for a malformed payload. */
int lv_dispatch(struct lv_client *c, const struct lv_header *h, const uint8_t *body, size_t len);
/* Reply OK to @h with @payload (may be NULL: void). */
void lv_reply(struct lv_client *c, const struct lv_header *h, GByteArray *payload);
/* Reply with libvirt's error @code; the message is prefixed as libvirt would. */
void lv_reply_error(struct lv_client *c, const struct lv_header *h, int code, const char *fmt, ...)
        G_GNUC_PRINTF(4, 5);
/* A remote_error body for libvirt's error @code, @text prefixed as libvirt would. */
void lv_put_error(GByteArray *b, int code, const char *text);
/* An error from the core's -errno and GError. */
void lv_reply_errno(struct lv_client *c, const struct lv_header *h, int rc, const GError *err);

/* domain.c */
typedef int (*lv_handler_fn)(struct lv_client *c, const struct lv_header *h, struct lv_in *in);
lv_handler_fn lv_domain_handler(int proc, bool *writes);
struct lv_vminfo *lv_vminfo(struct acrnd_libvirt *srv, struct acrnd_vm *vm);
/*
 * Decode a remote_nonnull_domain and find its VM by UUID. <0: malformed (the
 * connection closes); 0 with *@vm NULL: VIR_ERR_NO_DOMAIN was replied.
 */
int lv_dom_arg(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
               struct acrnd_vm **vm);
void lv_put_domain(GByteArray *b, struct acrnd_libvirt *srv, struct acrnd_vm *vm);
/* The VM with @uuid, or NULL. */
struct acrnd_vm *lv_find_uuid(struct acrnd_libvirt *srv, const uint8_t uuid[LV_UUID_LEN]);
/* virDomainState and its reason, as GET_STATE answers. */
void lv_domain_state(struct acrnd_libvirt *srv, struct acrnd_vm *vm, int *state, int *reason);
/* Whether @vm passes LIST_ALL_DOMAINS' filter @flags (snapshot filters excluded). */
bool lv_list_match(struct acrnd_libvirt *srv, struct acrnd_vm *vm, uint32_t flags);
/* User plus system CPU time of process @pid from /proc; false (0 ns) if unreadable. */
bool lv_cpu_time_ns(pid_t pid, uint64_t *ns);

/* stats.c: CONNECT_GET_ALL_DOMAIN_STATS */
int lv_get_all_domain_stats(struct lv_client *c, const struct lv_header *h, struct lv_in *in);

/* snapshot.c: the snapshot procedures, as lv_domain_handler. */
lv_handler_fn lv_snapshot_handler(int proc, bool *writes);

/* events.c */
void lv_events_subscribe(struct acrnd_libvirt *srv);
int lv_events_register(struct lv_client *c, const struct lv_header *h, struct lv_in *in);
int lv_events_deregister(struct lv_client *c, const struct lv_header *h, struct lv_in *in);

/* console.c: DOMAIN_OPEN_CONSOLE and its stream */
int lv_console_open(struct lv_client *c, const struct lv_header *h, struct lv_in *in);
/* A STREAM packet for one of @c's streams; 0, or a negative errno (the connection closes). */
int lv_stream_packet(struct lv_client *c, const struct lv_header *h, const uint8_t *data,
                     size_t len);
/* The connection closes: its streams go (their ptys close, nothing is sent). */
void lv_streams_close(struct lv_client *c);
/* @c's write queue drained: streams held back for it read their ptys again. */
void lv_streams_resume(struct lv_client *c);
/* @vm stopped, crashed or is removed: its console stream ends (OK, or ERROR if it crashed). */
void lv_console_vm_gone(struct acrnd_libvirt *srv, struct acrnd_vm *vm);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A client of acrn-dm's monitor socket (api/monitor.md, major version 1):
 * greeting, requests with ids and their replies, events. Runs in the
 * thread-default GLib main context.
 */
#ifndef ACRND_MONITOR_CLIENT_H
#define ACRND_MONITOR_CLIENT_H

#include <sys/types.h>

#include <json-glib/json-glib.h>

struct acrnd_monitor;

struct acrnd_monitor_ops {
	/* The greeting arrived: @pid is acrn-dm's. */
	void (*greeted)(struct acrnd_monitor *m, pid_t pid, void *user);
	/* An event; @data is borrowed, @details_json its JSON text. */
	void (*event)(struct acrnd_monitor *m, const char *name, JsonObject *data,
	              const char *details_json, void *user);
	/* The connection ended (EOF, error, or a protocol violation in @why). */
	void (*closed)(struct acrnd_monitor *m, const char *why, void *user);
};

/*
 * Reply to one request: @rc 0 with @ret (borrowed) or a negative errno with
 * the monitor's error @klass and @desc (-ECONNRESET if the connection went).
 */
typedef void (*acrnd_monitor_reply_fn)(int rc, JsonNode *ret, const char *klass, const char *desc,
                                       void *user);

/* Start connecting to @path; the ops report what happens next. */
struct acrnd_monitor *acrnd_monitor_connect(const char *path, const struct acrnd_monitor_ops *ops,
                                            void *user);
/* Close and free; no callback runs afterwards, pending replies get -ECANCELED. */
void acrnd_monitor_free(struct acrnd_monitor *m);
/* Send a command; @args may be NULL (consumed). -ENOTCONN before the greeting. */
int acrnd_monitor_execute(struct acrnd_monitor *m, const char *command, JsonObject *args,
                          acrnd_monitor_reply_fn done, void *user);

#endif

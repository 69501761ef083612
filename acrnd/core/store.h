/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnd's files. State dir (/var/lib/acrnd, $XDG_DATA_HOME/acrnd):
 * vms/NAME.xml definitions, autostart/NAME markers, log/NAME.log acrn-dm's
 * output. Runtime dir (/run/acrnd, $XDG_RUNTIME_DIR/acrnd): NAME.monitor
 * sockets and NAME.run records of running VMs, re-read by a restarted acrnd.
 * Every write is atomic: temporary file, fsync, rename, fsync of the dir.
 */
#ifndef ACRND_STORE_H
#define ACRND_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "def.h"

struct acrnd_store {
	char *state_dir, *runtime_dir;
	char *vms_dir, *autostart_dir, *log_dir;
};

/* A running VM as a restarted acrnd finds it. */
struct acrnd_runtime {
	pid_t pid;
	uint64_t start_time; /* /proc/PID/stat field 22: guards against pid reuse */
	char *monitor;
	char *state; /* last lifecycle state */
	unsigned restarts;
};

int acrnd_store_open(const char *state_dir, const char *runtime_dir, struct acrnd_store **ret,
                     GError **error);
struct acrnd_store *acrnd_store_free(struct acrnd_store *s);

/* Write @len bytes to @dir/@name atomically (mode 0600). */
int acrnd_atomic_write(const char *dir, const char *name, const void *data, size_t len,
                       GError **error);

int acrnd_store_save_def(struct acrnd_store *s, const struct acrnd_def *def, GError **error);
int acrnd_store_remove_def(struct acrnd_store *s, const char *name, GError **error);
/*
 * Every stored definition (struct acrnd_def, owned by the array). Files that
 * do not parse or whose name does not match are skipped, one message each in
 * @problems.
 */
GPtrArray *acrnd_store_load_defs(struct acrnd_store *s, GPtrArray *problems);

bool acrnd_store_get_autostart(struct acrnd_store *s, const char *name);
int acrnd_store_set_autostart(struct acrnd_store *s, const char *name, bool on, GError **error);

char *acrnd_store_monitor_path(struct acrnd_store *s, const char *name);
char *acrnd_store_log_path(struct acrnd_store *s, const char *name);
int acrnd_store_save_runtime(struct acrnd_store *s, const char *name,
                             const struct acrnd_runtime *rt, GError **error);
/* 0 and *@ret, -ENOENT if there is no record, -EINVAL if it is damaged. */
int acrnd_store_load_runtime(struct acrnd_store *s, const char *name, struct acrnd_runtime *ret);
int acrnd_store_remove_runtime(struct acrnd_store *s, const char *name);
void acrnd_runtime_clear(struct acrnd_runtime *rt);

/* Start time of process @pid (clock ticks since boot), 0 if it does not exist. */
uint64_t acrnd_proc_start_time(pid_t pid);

#endif

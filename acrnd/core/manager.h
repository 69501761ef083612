/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnd's core: the VM registry, each VM's lifecycle and acrn-dm process,
 * and the event hub the bindings (D-Bus, later libvirt RPC) subscribe to.
 * Everything runs in the thread-default GLib main context. Functions return
 * 0 or a negative errno with a message in GError naming the culprit:
 * -ENOENT no such VM, -EINVAL bad input, -EBUSY wrong state, -EOPNOTSUPP
 * not supported, others failures.
 */
#ifndef ACRND_MANAGER_H
#define ACRND_MANAGER_H

#include <stdbool.h>

#include <glib.h>

#include "def.h"
#include "state.h"
#include "store.h"

struct acrnd_manager;
struct acrnd_vm;

struct acrnd_config {
	const char *state_dir, *runtime_dir;
	const char *dm_path; /* acrn-dm, or a test's fake */
	bool no_autostart;
};

/* What subscribers hear; any member may be NULL. */
struct acrnd_listener {
	void (*vm_added)(struct acrnd_vm *vm, void *user);
	void (*vm_removed)(struct acrnd_vm *vm, void *user); /* @vm still valid during the call */
	void (*vm_changed)(struct acrnd_vm *vm, const char *property, void *user);
	void (*state_changed)(struct acrnd_vm *vm, enum acrnd_state state, const char *reason,
	                      void *user);
	/* Every monitor event, and acrnd's own ("crashed", "restarted"). */
	void (*vm_event)(struct acrnd_vm *vm, const char *name, const char *details_json,
	                 void *user);
	/* A snapshot was "created", "deleted" or "reverted" to (snapshot.h). */
	void (*snapshot_changed)(struct acrnd_vm *vm, const char *what, const char *name,
	                         void *user);
	/* acrnd spawned acrn-dm @pid for @vm (not for one re-adopted: it was announced then). */
	void (*process_started)(struct acrnd_vm *vm, pid_t pid, void *user);
};

/* Completion of an asynchronous operation: @rc 0, or -errno with @error set. */
typedef void (*acrnd_done_fn)(int rc, const GError *error, void *user);

int acrnd_manager_new(const struct acrnd_config *cfg, struct acrnd_manager **ret, GError **error);
/*
 * Load definitions, re-adopt acrn-dm processes recorded in the runtime dir,
 * then start autostart VMs. Problems with single files go to @problems.
 */
int acrnd_manager_load(struct acrnd_manager *m, GPtrArray *problems);
/* Forget every VM (running acrn-dm processes keep running). */
void acrnd_manager_free(struct acrnd_manager *m);

void acrnd_manager_subscribe(struct acrnd_manager *m, const struct acrnd_listener *l, void *user);

/* Define or update (same name and UUID); *@ret is borrowed. */
int acrnd_manager_define(struct acrnd_manager *m, const char *xml, size_t len,
                         struct acrnd_vm **ret, GError **error);
int acrnd_manager_undefine(struct acrnd_manager *m, const char *name, GError **error);
struct acrnd_vm *acrnd_manager_lookup(struct acrnd_manager *m, const char *name, GError **error);
/* All VMs sorted by name (borrowed pointers; free the array). */
GPtrArray *acrnd_manager_list(struct acrnd_manager *m);
struct acrnd_store *acrnd_manager_store(struct acrnd_manager *m);

const char *acrnd_vm_name(struct acrnd_vm *vm);
const struct acrnd_def *acrnd_vm_def(struct acrnd_vm *vm);
enum acrnd_state acrnd_vm_state(struct acrnd_vm *vm);
bool acrnd_vm_autostart(struct acrnd_vm *vm);
int acrnd_vm_set_autostart(struct acrnd_vm *vm, bool on, GError **error);
pid_t acrnd_vm_pid(struct acrnd_vm *vm);
/* The pty of the VM's first pty serial port while it runs, else NULL. */
const char *acrnd_vm_console_pty(struct acrnd_vm *vm);
/* The pty of serial port @port (0: com1) while the VM runs, else NULL. */
const char *acrnd_vm_serial_pty(struct acrnd_vm *vm, unsigned port);
/* The definition in canonical XML; while active with the ptys it got (libvirt's live XML). */
char *acrnd_vm_definition(struct acrnd_vm *vm);
/* Opaque per-VM slot for a binding (e.g. its D-Bus object path). */
void *acrnd_vm_get_binding(struct acrnd_vm *vm);
void acrnd_vm_set_binding(struct acrnd_vm *vm, void *data, GDestroyNotify free_fn);

/* Lifecycle: each completes through @done (which may run before the call returns). */
void acrnd_vm_start(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
/* Press the power button; destroy after @timeout_s seconds if still up (0: never). */
void acrnd_vm_shutdown(struct acrnd_vm *vm, unsigned timeout_s, acrnd_done_fn done, void *user);
/* Power off now; completes when acrn-dm has exited. */
void acrnd_vm_destroy(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
/* acrn-dm has no reset command: destroy, then start again. */
void acrnd_vm_reboot(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
void acrnd_vm_pause(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
void acrnd_vm_resume(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
void acrnd_vm_suspend(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
void acrnd_vm_wakeup(struct acrnd_vm *vm, acrnd_done_fn done, void *user);
/*
 * blkrescan a running VM's disk @device (its target, "vda", or its PCI slot,
 * "3"): re-read its size, or switch it to @path (NULL or "": keep the file).
 * The stored definition is not changed. vm_block.c.
 */
void acrnd_vm_block_rescan(struct acrnd_vm *vm, const char *device, const char *path,
                           acrnd_done_fn done, void *user);

#define ACRND_ERROR g_quark_from_static_string("acrnd-error")

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the registry (manager.c) and one VM's lifecycle (vm.c). */
#ifndef ACRND_VM_PRIV_H
#define ACRND_VM_PRIV_H

#include <gio/gio.h>

#include "manager.h"
#include "monitor_client.h"

struct acrnd_manager {
	struct acrnd_store *store;
	char *dm_path;
	bool no_autostart;
	GHashTable *vms;   /* name → struct acrnd_vm */
	GArray *listeners; /* struct listener_slot */
};

struct acrnd_vm {
	struct acrnd_manager *mgr;
	struct acrnd_def *def;
	enum acrnd_state state;
	bool autostart;

	/* the acrn-dm process: ours (proc) or adopted from an earlier acrnd (pidfd) */
	guint child_src; /* our child's exit watch */
	pid_t pid;
	uint64_t start_time;
	int pidfd;
	guint pidfd_src;
	struct acrnd_monitor *mon;
	char *monitor_path;
	guint connect_src, kill_src, shutdown_src;
	/* acrn-dm exited; its last monitor lines are still being read */
	guint drain_src;
	bool exit_pending, exit_have_status;
	int exit_status;
	unsigned connect_tries;
	bool poweroff_seen, destroying, restart_after_stop;
	char *poweroff_reason;
	unsigned restarts;
	/* acrn-dm's ptys by serial port (its monitor's query), while active */
	char *pty[ACRND_SERIALS_MAX];

	GSList *start_waiters, *stop_waiters; /* struct waiter */
	void *binding;
	GDestroyNotify binding_free;
};

struct acrnd_vm *vm_new(struct acrnd_manager *m, struct acrnd_def *def);
void vm_free(struct acrnd_vm *vm);
/* Take over a running acrn-dm from @rt; -ESRCH if it is gone. */
int vm_adopt(struct acrnd_vm *vm, const struct acrnd_runtime *rt);

void manager_emit_state(struct acrnd_manager *m, struct acrnd_vm *vm, const char *reason);
void manager_emit_event(struct acrnd_manager *m, struct acrnd_vm *vm, const char *name,
                        const char *details_json);
void manager_emit_changed(struct acrnd_manager *m, struct acrnd_vm *vm, const char *property);
void manager_emit_process(struct acrnd_manager *m, struct acrnd_vm *vm);
void manager_emit_snapshot(struct acrnd_manager *m, struct acrnd_vm *vm, const char *what,
                           const char *name);

#endif

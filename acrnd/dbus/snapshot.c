/* SPDX-License-Identifier: BSD-3-Clause */
/* The VM interface's snapshot members over the core's snapshot.h. */
#include <errno.h>
#include <string.h>

#include "dbus_snapshot.h"
#include "service.h"
#include "snapshot.h"

static void created(int rc, const GError *err, const char *name, void *user)
{
	sd_bus_message *m = user;

	if (rc)
		service_reply_error(m, rc, err);
	else
		sd_bus_reply_method_return(m, "s", name);
	sd_bus_message_unref(m);
}

static int do_create(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm)
{
	const char *name, *description;
	int r;

	(void)s;
	r = sd_bus_message_read(m, "ss", &name, &description);
	if (r < 0)
		return r;
	acrnd_vm_snapshot_create(vm, name, description, created, sd_bus_message_ref(m));
	return 1;
}

int dbus_snapshot_create(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return service_authorize(m, user, do_create);
}

static void listed(int rc, const GError *err, GPtrArray *snaps, void *user)
{
	sd_bus_message *m = user, *reply = NULL;
	int r;

	if (rc) {
		service_reply_error(m, rc, err);
		sd_bus_message_unref(m);
		return;
	}
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ssxssbu)");
	for (guint i = 0; r >= 0 && i < snaps->len; i++) {
		struct acrnd_snapshot *s = snaps->pdata[i];

		r = sd_bus_message_append(reply, "(ssxssbu)", s->name, s->description, s->created,
		                          s->state, s->parent, (int)s->current, s->ndisks);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	if (r < 0)
		sd_bus_reply_method_errorf(m, "org.projectacrn.Acrnd1.Error.Failed",
		                           "cannot build the reply: %s", g_strerror(-r));
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
}

/* Reading: open to everyone, like the properties. */
int dbus_snapshot_list(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	acrnd_vm_snapshot_list(user, listed, sd_bus_message_ref(m));
	return 1;
}

static void op_done(int rc, const GError *err, void *user)
{
	sd_bus_message *m = user;

	if (rc)
		service_reply_error(m, rc, err);
	else
		sd_bus_reply_method_return(m, "");
	sd_bus_message_unref(m);
}

/* Revert and delete: one snapshot name in, an empty reply when the core is done. */
static int run_named_op(sd_bus_message *m, struct acrnd_vm *vm,
                        void (*op)(struct acrnd_vm *, const char *, acrnd_done_fn, void *))
{
	const char *name;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	op(vm, name, op_done, sd_bus_message_ref(m));
	return 1;
}

static int do_revert(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm)
{
	(void)s;
	return run_named_op(m, vm, acrnd_vm_snapshot_revert);
}

int dbus_snapshot_revert(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return service_authorize(m, user, do_revert);
}

static int do_delete(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm)
{
	(void)s;
	return run_named_op(m, vm, acrnd_vm_snapshot_delete);
}

int dbus_snapshot_delete(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return service_authorize(m, user, do_delete);
}

void dbus_snapshot_changed(struct acrnd_vm *vm, const char *what, const char *name, void *user)
{
	g_autofree char *path = service_vm_path(acrnd_vm_name(vm));
	const char *signal = !strcmp(what, "created")   ? "SnapshotCreated"
	                     : !strcmp(what, "deleted") ? "SnapshotDeleted"
	                                                : "SnapshotReverted";

	sd_bus_emit_signal(service_bus(user), path, ACRND_IFACE_VM, signal, "s", name);
}

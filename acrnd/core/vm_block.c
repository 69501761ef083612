/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Block devices of a running VM: blkrescan (api/monitor.md) re-reads a
 * virtio-blk device's size or switches it to another file. The device is
 * named as in the definition (the disk's target, "vda") or, as ACRN's
 * acrnctl does, by its PCI slot (disks sit on slots 3, 4, ...).
 */
#include <string.h>

#include "vm_priv.h"

#define DISK_SLOT0 3 /* acrnd_def_to_argv's first disk slot */

struct rescan_ctx {
	char *vm_name, *device;
	acrnd_done_fn done;
	void *user;
};

static void fail(acrnd_done_fn done, void *user, int rc, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void fail(acrnd_done_fn done, void *user, int rc, const char *fmt, ...)
{
	g_autoptr(GError) err = NULL;
	va_list ap;

	va_start(ap, fmt);
	err = g_error_new_valist(ACRND_ERROR, -rc, fmt, ap);
	va_end(ap);
	if (done)
		done(rc, err, user);
}

/* The disk @device names: a target ("vda") or a slot number ("3"); NULL if none. */
static const struct acrnd_disk *find_disk(const struct acrnd_def *def, const char *device)
{
	guint64 slot;

	for (guint i = 0; i < def->disks->len; i++) {
		const struct acrnd_disk *d = def->disks->pdata[i];

		if (!strcmp(d->target, device))
			return d;
	}
	if (def->disks->len &&
	    g_ascii_string_to_unsigned(device, 10, DISK_SLOT0, DISK_SLOT0 + def->disks->len - 1,
	                               &slot, NULL))
		return def->disks->pdata[slot - DISK_SLOT0];
	return NULL;
}

static char *disk_list(const struct acrnd_def *def)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < def->disks->len; i++) {
		const struct acrnd_disk *d = def->disks->pdata[i];

		g_string_append_printf(s, "%s%s (slot %u)", i ? ", " : "", d->target,
		                       DISK_SLOT0 + i);
	}
	if (!s->len)
		g_string_append(s, "none");
	return g_string_free(s, FALSE);
}

static int path_ok(const char *path, GError **error)
{
	const char *why = NULL;

	if (path[0] != '/')
		why = "is not absolute";
	else if (strchr(path, ','))
		why = "contains ',' (acrn-dm splits options on it)";
	else if (strlen(path) > 4095)
		why = "is longer than 4095 bytes";
	for (const char *p = path; !why && *p; p++)
		if ((unsigned char)*p < 0x20)
			why = "contains a control character";
	if (why) {
		g_set_error(error, ACRND_ERROR, EINVAL, "blkrescan: path '%s' %s", path, why);
		return -EINVAL;
	}
	return 0;
}

static void rescan_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct rescan_ctx *c = user;

	(void)ret;
	if (rc == -ECANCELED)
		fail(c->done, c->user, rc, "VM '%s': blkrescan %s: canceled", c->vm_name,
		     c->device);
	else if (rc == -ECONNRESET)
		fail(c->done, c->user, -EIO, "VM '%s': blkrescan %s: acrn-dm went away", c->vm_name,
		     c->device);
	else if (rc)
		/* DeviceNotFound/InvalidArgument → -EINVAL, Failed (file trouble) → -EIO */
		fail(c->done, c->user, rc, "VM '%s': blkrescan %s failed: %s%s%s", c->vm_name,
		     c->device, klass ? klass : "", klass ? ": " : "", desc ? desc : "");
	else if (c->done)
		c->done(0, NULL, c->user);
	g_free(c->vm_name);
	g_free(c->device);
	g_free(c);
}

void acrnd_vm_block_rescan(struct acrnd_vm *vm, const char *device, const char *path,
                           acrnd_done_fn done, void *user)
{
	g_autoptr(GError) err = NULL;
	const struct acrnd_disk *d;
	struct rescan_ctx *c;
	JsonObject *args;

	d = find_disk(vm->def, device);
	if (!d) {
		g_autofree char *disks = disk_list(vm->def);

		fail(done, user, -EINVAL, "VM '%s' has no disk '%s' (its disks: %s)", vm->def->name,
		     device, disks);
		return;
	}
	if (path && *path && path_ok(path, &err) < 0) {
		if (done)
			done(-EINVAL, err, user);
		return;
	}
	if (vm->state != ACRND_STATE_RUNNING && vm->state != ACRND_STATE_PAUSED) {
		fail(done, user, -EBUSY, "VM '%s' is %s, not running", vm->def->name,
		     acrnd_state_to_string(vm->state));
		return;
	}
	args = json_object_new();
	json_object_set_string_member(args, "device", d->target);
	if (path && *path)
		json_object_set_string_member(args, "path", path);
	c = g_new0(struct rescan_ctx, 1);
	c->vm_name = g_strdup(vm->def->name);
	c->device = g_strdup(d->target);
	c->done = done;
	c->user = user;
	if (acrnd_monitor_execute(vm->mon, "blkrescan", args, rescan_replied, c) < 0) {
		fail(done, user, -EBUSY, "VM '%s': its monitor is not connected", vm->def->name);
		g_free(c->vm_name);
		g_free(c->device);
		g_free(c);
	}
}

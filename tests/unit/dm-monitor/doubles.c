/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test doubles for what the monitor calls in the core and the devices:
 * each records its calls and returns what the test asks for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <dm/block.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "doubles.h"

struct doubles dbl;

void doubles_reset(void)
{
	g_free(dbl.blk_dev);
	g_free(dbl.blk_path);
	if (dbl.log)
		g_string_free(dbl.log, TRUE);
	memset(&dbl, 0, sizeof(dbl));
	dbl.log = g_string_new(NULL);
}

int dm_vm_pause(struct dm_vm *vm)
{
	dbl.last_vm = vm;
	dbl.pause_calls++;
	return dbl.pause_rc;
}

int dm_vm_resume(struct dm_vm *vm)
{
	dbl.last_vm = vm;
	dbl.resume_calls++;
	return dbl.resume_rc;
}

int dm_vm_power_button(struct dm_vm *vm)
{
	dbl.last_vm = vm;
	dbl.power_button_calls++;
	return dbl.power_button_rc;
}

void dm_vm_request_power(struct dm_vm *vm, enum dm_power what)
{
	dbl.last_vm = vm;
	dbl.power_requests++;
	dbl.power_what = what;
}

JsonObject *dm_vm_query(struct dm_vm *vm)
{
	JsonObject *o;

	dbl.last_vm = vm;
	dbl.query_calls++;
	if (dbl.query_null)
		return NULL;
	o = json_object_new();
	json_object_set_string_member(o, "name", vm->name);
	json_object_set_string_member(o, "state", "running");
	json_object_set_int_member(o, "vcpus", vm->ncpus);
	return o;
}

JsonArray *dm_serial_query(struct dm_vm *vm)
{
	JsonArray *a = json_array_new();
	JsonObject *o = json_object_new();

	(void)vm;
	json_object_set_string_member(o, "port", "com1");
	json_object_set_string_member(o, "backend", "pty");
	json_object_set_string_member(o, "path", "/dev/pts/77");
	json_array_add_object_element(a, o);
	return a;
}

int dm_blk_rescan(struct dm_vm *vm, const char *dev_id, const char *path)
{
	dbl.last_vm = vm;
	dbl.blk_calls++;
	g_free(dbl.blk_dev);
	g_free(dbl.blk_path);
	dbl.blk_dev = g_strdup(dev_id);
	dbl.blk_path = g_strdup(path);
	return dbl.blk_rc;
}

void dm_log(enum dm_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (!dbl.log)
		return; /* before the first reset */
	va_start(ap, fmt);
	g_string_append_vprintf(dbl.log, fmt, ap);
	va_end(ap);
	g_string_append_c(dbl.log, '\n');
	if (g_getenv("MONITOR_TEST_LOG")) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

/* The VM's disks, as virtio-blk would list them; a test fills dbl.disks. */
int dm_blk_foreach(struct dm_vm *vm, int (*fn)(const char *id, struct blk_image *img, void *opaque),
                   void *opaque)
{
	int ret = 0;

	dbl.last_vm = vm;
	for (unsigned i = 0; i < dbl.ndisks && !ret; i++)
		ret = fn(dbl.disks[i].id, dbl.disks[i].img, opaque);
	return ret;
}

static struct double_disk *disk_find(const char *id)
{
	for (unsigned i = 0; i < dbl.ndisks; i++)
		if (!strcmp(dbl.disks[i].id, id))
			return &dbl.disks[i];
	return NULL;
}

int dm_blk_quiesce(struct dm_vm *vm, const char *dev_id, bool on)
{
	struct double_disk *d = disk_find(dev_id);

	dbl.last_vm = vm;
	if (!d)
		return -ENODEV;
	if (on)
		dbl.quiesce_calls++;
	else
		dbl.unquiesce_calls++;
	if (dbl.quiesce)
		dbl.quiesce(d, on);
	return 0;
}

int dm_blk_replace(struct dm_vm *vm, const char *dev_id, struct blk_image *img)
{
	struct double_disk *d = disk_find(dev_id);

	dbl.last_vm = vm;
	if (!d)
		return -ENODEV;
	if (dbl.replace)
		return dbl.replace(d, img);
	blk_close(d->img);
	d->img = img;
	return 0;
}

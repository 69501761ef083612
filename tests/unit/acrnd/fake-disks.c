/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake acrn-dm's disks and the dm_blk_* hooks the snapshot commands use. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dm/block.h>
#include <dm/monitor.h>

#include "fake-disks.h"

struct fake_disk {
	char *id;
	struct blk_image *img;
};
static GPtrArray *disks; /* struct fake_disk */

static void fake_disk_free(gpointer p)
{
	struct fake_disk *d = p;

	blk_close(d->img);
	g_free(d->id);
	g_free(d);
}

void fake_disks_open(GPtrArray *pci_args)
{
	g_autoptr(GError) err = NULL;

	disks = g_ptr_array_new_with_free_func(fake_disk_free);
	for (guint i = 0; i < pci_args->len; i++) {
		g_auto(GStrv) p = g_strsplit(pci_args->pdata[i], ",", -1);
		const char *format = NULL, *id = p[0];
		struct fake_disk *d;
		bool ro = false;

		if (g_strv_length(p) < 3 || strcmp(p[1], "virtio-blk"))
			continue;
		for (unsigned k = 3; p[k]; k++) {
			if (!strcmp(p[k], "ro"))
				ro = true;
			else if (g_str_has_prefix(p[k], "format="))
				format = p[k] + 7;
			else if (g_str_has_prefix(p[k], "id="))
				id = p[k] + 3;
		}
		d = g_new0(struct fake_disk, 1);
		d->img = blk_open(p[2], format, ro, &err);
		if (!d->img) {
			fprintf(stderr, "fake-acrn-dm: disk %s left out: %s\n", id, err->message);
			g_clear_error(&err);
			g_free(d);
			continue;
		}
		d->id = g_strdup(id);
		g_ptr_array_add(disks, d);
	}
}

void fake_disks_close(void)
{
	if (disks)
		g_ptr_array_unref(disks);
	disks = NULL;
}

int dm_blk_foreach(struct dm_vm *vm, int (*fn)(const char *id, struct blk_image *img, void *opaque),
                   void *opaque)
{
	int ret = 0;

	(void)vm;
	for (guint i = 0; disks && i < disks->len && !ret; i++) {
		struct fake_disk *d = disks->pdata[i];

		ret = fn(d->id, d->img, opaque);
	}
	return ret;
}

static struct fake_disk *disk_find(const char *id)
{
	for (guint i = 0; disks && i < disks->len; i++)
		if (!strcmp(((struct fake_disk *)disks->pdata[i])->id, id))
			return disks->pdata[i];
	return NULL;
}

/* The pretend guest does no I/O: nothing to stop. */
int dm_blk_quiesce(struct dm_vm *vm, const char *dev_id, bool on)
{
	(void)vm;
	(void)on;
	return disk_find(dev_id) ? 0 : -ENODEV;
}

int dm_blk_replace(struct dm_vm *vm, const char *dev_id, struct blk_image *img)
{
	struct fake_disk *d = disk_find(dev_id);

	(void)vm;
	if (!d)
		return -ENODEV;
	blk_close(d->img);
	d->img = img;
	return 0;
}
